"""Multipart uploads: Create, UploadPart, UploadPartCopy, Complete, Abort, ListParts,
ListMultipartUploads.

Records: ``s3/uploads`` ``{bucket}/{key}\\x01{upload id}`` → the upload (what the
object will carry: headers, metadata, tags, checksum algorithm); upload ids are
time-ordered, so a key's uploads list in initiation order. ``s3/parts``
``{upload id}/{part:05d}`` → a part (size, ETag, checksums, its blob). Parts are
always blob files, and completing an upload makes them the object's segments:
nothing is copied, so completing a multi-GB upload is one small transaction.

Rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html and the
API pages): part numbers 1–10,000; every part but the last at least 5 MiB; parts
listed in ascending order with matching ETags; ETag of the result is
``md5(concat(part md5s))-N``; checksums COMPOSITE (checksum of the part
checksums, ``-N``) or FULL_OBJECT (CRC of the whole object, combined from the parts).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from squall.arn import ordered_uuid
from squall.engine.api import Tx
from squall.gateway import checksums
from squall.services.s3 import buckets, conditions, events, objects, store, upload
from squall.services.s3.buckets import NS_UPLOADS
from squall.services.s3.errors import S3Error, invalid_argument, no_such_upload
from squall.storage import blobs as blobstore

NS_PARTS = "s3/parts"
MIN_PART = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000
_SEP = "\x01"


def _upload_key(bucket: str, key: str, upload_id: str) -> str:
    return f"{store.object_key(bucket, key)}{_SEP}{upload_id}"


def _part_key(upload_id: str, number: int) -> str:
    return f"{upload_id}/{number:05d}"


def _load_upload(tx: Tx, ctx: Any, bucket: str, key: str, upload_id: str) -> dict:
    buckets.require(tx, ctx, bucket)
    raw = tx.get(NS_UPLOADS, _upload_key(bucket, key, upload_id))
    if raw is None:
        raise no_such_upload(upload_id)
    return orjson.loads(raw)


def _parts(tx: Tx, upload_id: str, after: int = 0, limit: int | None = None) -> list[dict]:
    rows = tx.scan(NS_PARTS, prefix=upload_id + "/", after=_part_key(upload_id, after) if after else None,
                   limit=limit)
    return [orjson.loads(v) for _, v in rows]


def _check_part_number(n: int) -> None:
    if not 1 <= n <= MAX_PART_NUMBER:
        raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                               str(n))


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


# ---- Create ---------------------------------------------------------------------------
async def create_multipart_upload(ctx: Any, Bucket: str, Key: str, **params: Any) -> dict[str, Any]:
    objects.check_key(Key)
    tags = objects.parse_tagging(params.get("Tagging"))
    alg = (params.get("ChecksumAlgorithm") or "").upper() or None
    ctype = (params.get("ChecksumType") or "").upper() or None
    if alg is not None and alg not in checksums.ALGORITHMS:
        raise invalid_argument("Checksum algorithm provided is unsupported.", "x-amz-checksum-algorithm", alg)
    if alg is not None and ctype is None:
        ctype = "FULL_OBJECT" if alg == "CRC64NVME" else "COMPOSITE"
    if ctype is not None and alg is None:
        raise invalid_request_type()
    if alg is not None and ctype == "FULL_OBJECT" and alg not in ("CRC32", "CRC32C", "CRC64NVME"):
        raise S3Error(f"The FULL_OBJECT checksum type cannot be used with the {alg.lower()} checksum algorithm.",
                      code="InvalidRequest")
    if alg == "CRC64NVME" and ctype == "COMPOSITE":
        raise S3Error("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
                      code="InvalidRequest")
    upload_id = ordered_uuid().replace("-", "") + base64.urlsafe_b64encode(hashlib.sha256(
        Key.encode()).digest()[:9]).decode()
    doc = {"key": Key, "upload_id": upload_id, "metadata": params.get("Metadata") or {},
           "storage_class": params.get("StorageClass") or "STANDARD", **objects.system_fields(params)}
    if tags:
        doc["tags"] = tags
    if alg:
        doc["checksum_algorithm"], doc["checksum_type"] = alg, ctype

    def work(tx: Tx) -> None:
        buckets.require(tx, ctx, Bucket)
        doc["initiated"] = tx.now
        tx.put(NS_UPLOADS, _upload_key(Bucket, Key, upload_id), orjson.dumps(doc))

    await ctx.engine.transact(work)
    out: dict[str, Any] = {"Bucket": Bucket, "Key": Key, "UploadId": upload_id, "ServerSideEncryption": "AES256"}
    if alg:
        out["ChecksumAlgorithm"], out["ChecksumType"] = alg, ctype
    return out


def invalid_request_type() -> S3Error:
    return S3Error("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
                   code="InvalidRequest")


# ---- UploadPart / UploadPartCopy ------------------------------------------------------------
async def _save_part(ctx: Any, Bucket: str, Key: str, UploadId: str, number: int, part: dict) -> None:
    blob_store = ctx.runtime.blobs

    def work(tx: Tx) -> None:
        _load_upload(tx, ctx, Bucket, Key, UploadId)
        pk = _part_key(UploadId, number)
        old = tx.get(NS_PARTS, pk)
        if old is not None:
            blobstore.release(tx, blob_store, orjson.loads(old)["blob"])
        part["modified"] = tx.now
        blobstore.claim(tx, part["blob"], "s3-part")
        tx.put(NS_PARTS, pk, orjson.dumps(part))

    try:
        await ctx.engine.transact(work)
    except BaseException:
        blob_store.unlink(part["blob"])
        raise


async def upload_part(ctx: Any, Bucket: str, Key: str, PartNumber: int, UploadId: str, Body: Any = None,
                      **params: Any) -> dict[str, Any]:
    _check_part_number(PartNumber)
    up = await ctx.engine.read(lambda tx: _load_upload(tx, ctx, Bucket, Key, UploadId))
    sent, wanted = upload.claimed_checksums(params, ctx.request.headers)
    if up.get("checksum_algorithm"):
        wanted.add(up["checksum_algorithm"])
    # parts are always blob files: completing the upload then needs no copy
    got = await upload.receive(ctx.runtime.blobs, Body, content_md5=params.get("ContentMD5"), sent=sent,
                               wanted=wanted, declared_length=params.get("ContentLength"), inline=False)
    part = {"number": PartNumber, "size": got.size, "etag": got.etag, "blob": got.data["blob"],
            "checksums": got.checksums}
    await _save_part(ctx, Bucket, Key, UploadId, PartNumber, part)
    out: dict[str, Any] = {"ETag": got.etag, "ServerSideEncryption": "AES256"}
    for alg in wanted:
        if alg in got.checksums:
            out["Checksum" + alg] = got.checksums[alg]
    return out


async def upload_part_copy(ctx: Any, Bucket: str, Key: str, CopySource: str, PartNumber: int, UploadId: str,
                           CopySourceRange: str | None = None, **params: Any) -> dict[str, Any]:
    _check_part_number(PartNumber)
    src_bucket, src_key, src_version = objects.parse_copy_source(CopySource)

    def find_source(tx: Tx) -> tuple[dict, dict, bytes | None]:
        up = _load_upload(tx, ctx, Bucket, Key, UploadId)
        doc = objects.lookup(tx, ctx, src_bucket, src_key, src_version)[1]
        inline = store.read_inline(tx, doc) if "inline" in doc["data"] else None
        return up, doc, inline

    up, src, inline = await ctx.engine.read(find_source)
    if conditions.check_read(src, if_match=params.get("CopySourceIfMatch"),
                             if_none_match=params.get("CopySourceIfNoneMatch"),
                             if_modified_since=params.get("CopySourceIfModifiedSince"),
                             if_unmodified_since=params.get("CopySourceIfUnmodifiedSince"),
                             headers_304={}) is not None:
        from squall.services.s3.errors import precondition_failed

        raise precondition_failed("x-amz-copy-source-If-None-Match")
    size = src["size"]
    start, end = 0, size
    if CopySourceRange:
        span = conditions.parse_range(CopySourceRange, size)
        if span is None or not CopySourceRange.startswith("bytes=") or "-" not in CopySourceRange[6:] \
                or CopySourceRange[6:].startswith("-"):
            raise invalid_argument("The x-amz-copy-source-range value must be of the form bytes=first-last "
                                   "where first and last are the zero-based offsets of the first and last "
                                   "bytes to copy", "x-amz-copy-source-range", CopySourceRange)
        start, end = span
    if inline is not None:
        body: Any = inline[start:end]
    else:
        body = await objects.read_segments(ctx.runtime.blobs, store.segments(src), start, end)
    wanted = {up["checksum_algorithm"]} if up.get("checksum_algorithm") else set()
    got = await upload.receive(ctx.runtime.blobs, _Chunks(body, end - start), content_md5=None, sent={},
                               wanted=wanted, inline=False)
    part = {"number": PartNumber, "size": got.size, "etag": got.etag, "blob": got.data["blob"],
            "checksums": got.checksums}
    await _save_part(ctx, Bucket, Key, UploadId, PartNumber, part)
    result: dict[str, Any] = {"ETag": got.etag, "LastModified": _when(part["modified"])}
    for alg in wanted:
        result["Checksum" + alg] = got.checksums[alg]
    out: dict[str, Any] = {"CopyPartResult": result, "ServerSideEncryption": "AES256"}
    if src.get("version_id") and src["version_id"] != "null":
        out["CopySourceVersionId"] = src["version_id"]
    return out


class _Chunks:
    """Bytes or an async iterator of bytes, read like a request payload."""

    def __init__(self, source: Any, length: int) -> None:
        self.source, self.length, self.trailers = source, length, {}

    async def __aiter__(self) -> Any:
        if isinstance(self.source, (bytes, bytearray)):
            yield bytes(self.source)
            return
        async for chunk in self.source:
            yield chunk

    async def read(self, limit: int) -> bytes:
        return b"".join([c async for c in self])


# ---- Complete / Abort -------------------------------------------------------------------
def _combine(up: dict, parts: list[dict]) -> str | None:
    alg, ctype = up.get("checksum_algorithm"), up.get("checksum_type")
    if not alg or any(alg not in p.get("checksums", {}) for p in parts):
        return None
    raw = [base64.b64decode(p["checksums"][alg]) for p in parts]
    if ctype == "FULL_OBJECT":
        combined = checksums.combine_crc(alg, [(int.from_bytes(r, "big"), p["size"]) for r, p in zip(raw, parts)])
        return base64.b64encode(combined).decode()
    return checksums.composite_checksum(alg, raw)


async def complete_multipart_upload(ctx: Any, Bucket: str, Key: str, UploadId: str,
                                    MultipartUpload: dict | None = None, **params: Any) -> dict[str, Any]:
    listed = (MultipartUpload or {}).get("Parts") or []
    if not listed:
        raise S3Error("The XML you provided was not well-formed or did not validate against our published "
                      "schema", code="MalformedXML")
    numbers = [p.get("PartNumber") for p in listed]
    if any(n is None for n in numbers) or numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise S3Error("The list of parts was not in ascending order. Parts must be ordered by part number.",
                      code="InvalidPartOrder", UploadId=UploadId)
    blob_store = ctx.runtime.blobs

    def work(tx: Tx) -> dict:
        up = _load_upload(tx, ctx, Bucket, Key, UploadId)
        bucket = buckets.require(tx, ctx, Bucket)
        stored = {p["number"]: p for p in _parts(tx, UploadId)}
        chosen: list[dict] = []
        for i, want in enumerate(listed):
            part = stored.get(want["PartNumber"])
            if part is None or str(want.get("ETag", "")).strip('"') != part["etag"].strip('"'):
                raise S3Error("One or more of the specified parts could not be found.  The part may not have "
                              "been uploaded, or the specified entity tag may not match the part's entity tag.",
                              code="InvalidPart", UploadId=UploadId, PartNumber=str(want["PartNumber"]),
                              ETag=want.get("ETag"))
            if i < len(listed) - 1 and part["size"] < MIN_PART:
                raise S3Error("Your proposed upload is smaller than the minimum allowed size", code="EntityTooSmall",
                              ProposedSize=str(part["size"]), MinSizeAllowed=str(MIN_PART),
                              PartNumber=str(part["number"]), ETag=part["etag"])
            chosen.append(part)
        objects.check_write_conditions(tx, bucket, Key, params.get("IfMatch"), params.get("IfNoneMatch"))
        md5s = b"".join(bytes.fromhex(p["etag"].strip('"')) for p in chosen)
        size = sum(p["size"] for p in chosen)
        if params.get("MpuObjectSize") is not None and int(params["MpuObjectSize"]) != size:
            raise invalid_request(f"The provided 'x-amz-mp-object-size' header value {params['MpuObjectSize']} "
                                  f"does not match what was computed: {size}")
        doc = {k: v for k, v in up.items() if k not in ("upload_id", "initiated", "checksum_algorithm")}
        doc.update({
            "size": size, "etag": f'"{hashlib.md5(md5s).hexdigest()}-{len(chosen)}"', "modified": tx.now,
            "data": {"segments": [{"blob": p["blob"], "size": p["size"]} for p in chosen]},
            "parts": [p["size"] for p in chosen],
        })
        combined = _combine(up, chosen)
        if combined is not None:
            doc["checksums"] = {up["checksum_algorithm"]: combined}
            doc["checksum_type"] = up.get("checksum_type")
        else:
            doc.pop("checksum_type", None)
        for part in stored.values():  # parts not chosen are dropped with the upload
            if part not in chosen:
                blobstore.release(tx, blob_store, part["blob"])
        tx.delete_prefix(NS_PARTS, UploadId + "/")
        tx.delete(NS_UPLOADS, _upload_key(Bucket, Key, UploadId))
        store.write(tx, blob_store, bucket, Key, doc)
        events.record(tx, ctx, bucket, "s3:ObjectCreated:CompleteMultipartUpload", Key, size=size,
                      etag=doc["etag"], version_id=doc["version_id"] if bucket.versioned else None)
        return doc

    doc = await ctx.engine.transact(work)
    out: dict[str, Any] = {"Location": f"{ctx.request.scheme}://{ctx.request.host}/{Bucket}/{Key}",
                           "Bucket": Bucket, "Key": Key, "ETag": doc["etag"], "ServerSideEncryption": "AES256"}
    if doc["version_id"] != "null":
        out["VersionId"] = doc["version_id"]
    for alg, value in (doc.get("checksums") or {}).items():
        out["Checksum" + alg] = value
        out["ChecksumType"] = doc.get("checksum_type")
    return out


def invalid_request(message: str) -> S3Error:
    return S3Error(message, code="InvalidRequest")


def drop_upload(tx: Tx, blob_store: Any, bucket: str, key: str, upload_id: str) -> None:
    """Forget an upload and its parts (AbortMultipartUpload, lifecycle's abort rule)."""
    for part in _parts(tx, upload_id):
        blobstore.release(tx, blob_store, part["blob"])
    tx.delete_prefix(NS_PARTS, upload_id + "/")
    tx.delete(NS_UPLOADS, _upload_key(bucket, key, upload_id))


def drop_bucket_uploads(tx: Tx, blob_store: Any, bucket: str) -> None:
    """Forget every upload still open in ``bucket`` (DeleteBucket), parts and part files too."""
    for _, raw in tx.scan(NS_UPLOADS, prefix=bucket + "/"):
        doc = orjson.loads(raw)
        drop_upload(tx, blob_store, bucket, doc["key"], doc["upload_id"])


async def abort_multipart_upload(ctx: Any, Bucket: str, Key: str, UploadId: str, **_: Any) -> dict[str, Any]:
    blob_store = ctx.runtime.blobs

    def work(tx: Tx) -> None:
        _load_upload(tx, ctx, Bucket, Key, UploadId)
        drop_upload(tx, blob_store, Bucket, Key, UploadId)

    await ctx.engine.transact(work)
    return {}


# ---- listings ----------------------------------------------------------------------------
async def list_parts(ctx: Any, Bucket: str, Key: str, UploadId: str, MaxParts: int | None = None,
                     PartNumberMarker: int | None = None, **_: Any) -> dict[str, Any]:
    limit = min(MaxParts if MaxParts is not None else 1000, 1000)
    marker = PartNumberMarker or 0

    def work(tx: Tx) -> tuple[dict, list[dict]]:
        up = _load_upload(tx, ctx, Bucket, Key, UploadId)
        return up, _parts(tx, UploadId, after=marker, limit=limit + 1)

    up, parts = await ctx.engine.read(work)
    truncated = len(parts) > limit
    parts = parts[:limit]
    owner = buckets.owner(ctx.account_id)
    out: dict[str, Any] = {
        "Bucket": Bucket, "Key": Key, "UploadId": UploadId, "PartNumberMarker": marker, "MaxParts": limit,
        "IsTruncated": truncated, "Initiator": owner, "Owner": owner,
        "StorageClass": up.get("storage_class") or "STANDARD",
        "Parts": [{"PartNumber": p["number"], "LastModified": _when(p["modified"]), "ETag": p["etag"],
                   "Size": p["size"], **{"Checksum" + a: v for a, v in p.get("checksums", {}).items()
                                        if a == up.get("checksum_algorithm")}} for p in parts],
    }
    if parts:
        out["NextPartNumberMarker"] = parts[-1]["number"]
    if up.get("checksum_algorithm"):
        out["ChecksumAlgorithm"], out["ChecksumType"] = up["checksum_algorithm"], up.get("checksum_type")
    return out


async def list_multipart_uploads(ctx: Any, Bucket: str, Prefix: str | None = None, Delimiter: str | None = None,
                                 KeyMarker: str | None = None, UploadIdMarker: str | None = None,
                                 MaxUploads: int | None = None, EncodingType: str | None = None,
                                 **_: Any) -> dict[str, Any]:
    limit = min(MaxUploads if MaxUploads is not None else 1000, 1000)
    prefix = Prefix or ""

    def work(tx: Tx) -> list[dict]:
        buckets.require(tx, ctx, Bucket)
        return [orjson.loads(v) for _, v in tx.scan(NS_UPLOADS, prefix=f"{Bucket}/{prefix}")]

    uploads = await ctx.engine.read(work)
    if KeyMarker:
        uploads = [u for u in uploads if u["key"] > KeyMarker
                   or (UploadIdMarker and u["key"] == KeyMarker and u["upload_id"] > UploadIdMarker)]
    rows: list[dict] = []
    prefixes: list[str] = []
    truncated = False
    for u in uploads:
        if Delimiter:
            rest = u["key"][len(prefix):]
            cut = rest.find(Delimiter)
            if cut >= 0:
                common = prefix + rest[: cut + len(Delimiter)]
                if common not in prefixes:
                    if len(rows) + len(prefixes) >= limit:
                        truncated = True
                        break
                    prefixes.append(common)
                continue
        if len(rows) + len(prefixes) >= limit:
            truncated = True
            break
        rows.append(u)
    owner = buckets.owner(ctx.account_id)
    out: dict[str, Any] = {
        "Bucket": Bucket, "KeyMarker": KeyMarker or "", "UploadIdMarker": UploadIdMarker or "",
        "MaxUploads": limit, "IsTruncated": truncated, "Prefix": prefix,
        "Uploads": [{"UploadId": u["upload_id"], "Key": u["key"], "Initiated": _when(u["initiated"]),
                     "StorageClass": u.get("storage_class") or "STANDARD", "Owner": owner, "Initiator": owner,
                     **({"ChecksumAlgorithm": u["checksum_algorithm"], "ChecksumType": u.get("checksum_type")}
                        if u.get("checksum_algorithm") else {})} for u in rows],
        "CommonPrefixes": [{"Prefix": p} for p in prefixes],
    }
    if Delimiter:
        out["Delimiter"] = Delimiter
    if truncated and rows:
        out["NextKeyMarker"], out["NextUploadIdMarker"] = rows[-1]["key"], rows[-1]["upload_id"]
    return {k: v for k, v in out.items() if v != []}
