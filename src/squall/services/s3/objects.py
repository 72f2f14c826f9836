"""Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject
(object tagging, ACLs and GetObjectAttributes are in :mod:`.object_subresources`).

Every change commits its metadata, its bytes' claim and its event notifications
in one transaction (:mod:`.store`, :mod:`.events`); bytes are received by
:mod:`.upload`. API reference: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from squall.engine.api import Tx
from squall.protocol.rest import STATUS
from squall.services.s3 import buckets, conditions, events, store, upload
from squall.services.s3.errors import (
    S3Error,
    invalid_argument,
    invalid_request,
    key_too_long,
    method_not_allowed,
    no_such_key,
    no_such_version,
    precondition_failed,
)
from squall.services.s3.store import adopt_versions  # noqa: F401 - PutBucketVersioning calls it from here

_SYSTEM = {  # member name -> doc field, for the headers an object keeps
    "ContentType": "content_type", "ContentEncoding": "content_encoding",
    "ContentDisposition": "content_disposition", "ContentLanguage": "content_language",
    "CacheControl": "cache_control", "WebsiteRedirectLocation": "website_redirect",
}
MAX_TAGS = 10


def check_key(key: str) -> None:
    size = len(key.encode("utf-8"))
    if size > 1024:
        raise key_too_long(size)
    if not key:
        raise invalid_argument("Object key must not be empty", "Key", key)


def http_date(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def parse_tagging(text: str | None) -> dict[str, str]:
    """The ``x-amz-tagging`` header: URL-encoded ``k=v&k2=v2``."""
    if not text:
        return {}
    tags: dict[str, str] = {}
    for k, v in parse_qsl(text, keep_blank_values=True):
        if k in tags:
            raise S3Error("Cannot provide multiple Tags with the same key", code="InvalidTag")
        tags[k] = v
    check_tags(tags)
    return tags


def check_tags(tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise S3Error("Object tags cannot be greater than 10", code="BadRequest")
    for k, v in tags.items():
        if not k or len(k) > 128:
            raise S3Error("The TagKey you have provided is invalid", code="InvalidTag")
        if len(v) > 256:
            raise S3Error("The TagValue you have provided is invalid", code="InvalidTag")


def system_fields(params: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {field: params[name] for name, field in _SYSTEM.items() if params.get(name) is not None}
    expires = params.get("Expires")
    if expires is not None:
        doc["expires"] = expires.timestamp() if isinstance(expires, datetime) else expires
    return doc


def _check_write_conditions(existing: dict | None, if_match: str | None, if_none_match: str | None,
                            key: str) -> None:
    """Conditional writes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html"""
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise S3Error("A header you provided implies functionality that is not implemented",
                          code="NotImplemented", status=501, Header="If-None-Match")
        if existing is not None:
            raise precondition_failed("If-None-Match")
    if if_match is not None:
        if existing is None:
            raise no_such_key(key)
        if existing["etag"].strip('"') != if_match.strip().strip('"'):
            raise precondition_failed("If-Match")


def check_write_conditions(tx: Tx, bucket: Any, key: str, if_match: str | None,
                           if_none_match: str | None) -> None:
    """The conditions of a write, against the key's latest version (a delete marker is "absent")."""
    if if_match is None and if_none_match is None:
        return
    existing = store.latest(tx, bucket, key)
    if existing is not None and existing.get("delete_marker"):
        existing = None
    _check_write_conditions(existing, if_match, if_none_match, key)


async def commit_new(ctx: Any, bucket_name: str, key: str, doc: dict, *, inline: bytes | None, event: str,
                     on_failure: Any, if_match: str | None = None, if_none_match: str | None = None) -> dict:
    """Make ``doc`` (its bytes received and published) the key's newest version, with its
    event, in one transaction; ``on_failure()`` drops the bytes if that transaction fails."""

    def work(tx: Tx) -> dict:
        bucket = buckets.require(tx, ctx, bucket_name)
        check_write_conditions(tx, bucket, key, if_match, if_none_match)
        doc["modified"] = tx.now
        store.claim_data(tx, doc["data"], inline)
        store.write(tx, ctx.runtime.blobs, bucket, key, doc)
        events.record(tx, ctx, bucket, event, key, size=doc["size"], etag=doc["etag"],
                      version_id=doc["version_id"] if bucket.versioned else None)
        return doc

    try:
        return await ctx.engine.transact(work)
    except BaseException:
        on_failure()
        raise


def object_headers(doc: dict, *, checksum_mode: bool = False) -> dict[str, Any]:
    """The output members HeadObject/GetObject return for ``doc``."""
    out: dict[str, Any] = {
        "LastModified": http_date(doc["modified"]),
        "ContentLength": doc["size"],
        "ETag": doc["etag"],
        "AcceptRanges": "bytes",
        "Metadata": doc.get("metadata") or {},
        "ServerSideEncryption": "AES256",
        "ContentType": doc.get("content_type") or "binary/octet-stream",
    }
    for name, field in _SYSTEM.items():
        if field != "content_type" and doc.get(field) is not None:
            out[name] = doc[field]
    if doc.get("expires") is not None:
        out["Expires"] = datetime.fromtimestamp(doc["expires"], UTC)
    if doc.get("version_id") and doc["version_id"] != "null":
        out["VersionId"] = doc["version_id"]
    if doc.get("storage_class") and doc["storage_class"] != "STANDARD":
        out["StorageClass"] = doc["storage_class"]
    if doc.get("tags"):
        out["TagCount"] = len(doc["tags"])
    if doc.get("parts"):
        out["PartsCount"] = len(doc["parts"])
    if checksum_mode and doc.get("checksums"):
        for alg, value in doc["checksums"].items():
            out["Checksum" + alg] = value
        out["ChecksumType"] = doc.get("checksum_type") or "FULL_OBJECT"
    return out


def _version_marker_error(doc: dict, *, versioned_request: bool) -> S3Error:
    headers = {"x-amz-delete-marker": "true", "x-amz-version-id": doc["version_id"]}
    if versioned_request:
        err = method_not_allowed("GET", "DeleteMarker")
    else:
        err = no_such_key(doc["key"])
    err.headers.update(headers)
    return err


def lookup(tx: Tx, ctx: Any, bucket_name: str, key: str, version_id: str | None) -> tuple[Any, dict]:
    bucket = buckets.require(tx, ctx, bucket_name)
    if version_id is not None:
        _, doc = store.find_version(tx, bucket, key, version_id)
        if doc is None:
            if not bucket.versioned and version_id != "null":
                raise invalid_argument("Invalid version id specified", "versionId", version_id)
            raise no_such_version(key, version_id)
        if doc.get("delete_marker"):
            raise _version_marker_error(doc, versioned_request=True)
        return bucket, doc
    doc = store.latest(tx, bucket, key)
    if doc is None:
        raise no_such_key(key)
    if doc.get("delete_marker"):
        raise _version_marker_error(doc, versioned_request=False)
    return bucket, doc


# ---- PutObject ---------------------------------------------------------------------
async def put_object(ctx: Any, Bucket: str, Key: str, Body: Any = None, **params: Any) -> dict[str, Any]:
    check_key(Key)
    await buckets.get_bucket(ctx, Bucket)  # fail before reading a body for a bucket that is not there
    tags = parse_tagging(params.get("Tagging"))
    if_match, if_none_match = params.get("IfMatch"), params.get("IfNoneMatch")
    if if_none_match is not None and if_none_match.strip() != "*":
        _check_write_conditions(None, None, if_none_match, Key)
    sent, wanted = upload.claimed_checksums(params, ctx.request.headers)
    got = await upload.receive(ctx.runtime.blobs, Body, content_md5=params.get("ContentMD5"), sent=sent,
                               wanted=wanted, declared_length=params.get("ContentLength"))
    doc: dict[str, Any] = {
        "key": Key, "size": got.size, "etag": got.etag, "data": got.data,
        "metadata": params.get("Metadata") or {}, "storage_class": params.get("StorageClass") or "STANDARD",
        **system_fields(params),
    }
    if tags:
        doc["tags"] = tags
    if got.checksums:
        doc["checksums"] = {alg: v for alg, v in got.checksums.items() if alg in wanted}
        doc["checksum_type"] = "FULL_OBJECT"

    saved = await commit_new(ctx, Bucket, Key, doc, inline=got.inline, event="s3:ObjectCreated:Put",
                             on_failure=got.discard, if_match=if_match, if_none_match=if_none_match)
    out: dict[str, Any] = {"ETag": saved["etag"], "ServerSideEncryption": "AES256"}
    if saved["version_id"] != "null":
        out["VersionId"] = saved["version_id"]
    for alg, value in (saved.get("checksums") or {}).items():
        out["Checksum" + alg] = value
    if saved.get("checksums"):
        out["ChecksumType"] = "FULL_OBJECT"
    return out


# ---- GetObject / HeadObject ----------------------------------------------------------
async def _read(ctx: Any, Bucket: str, Key: str, params: dict[str, Any], *, head: bool) -> Any:
    version_id = params.get("VersionId")
    part_number = params.get("PartNumber")

    await buckets.cached(ctx, Bucket)  # NoSuchBucket / AccessDenied without a database read

    def work(tx: Tx) -> tuple[dict, bytes | None]:
        # The current object is in s3/objects whatever the versioning state; only a miss
        # (or a version id) needs the bucket record and the versions.
        doc = store.current(tx, Bucket, Key) if version_id is None else None
        if doc is None:
            _, doc = lookup(tx, ctx, Bucket, Key, version_id)
        inline = store.read_inline(tx, doc) if not head and "inline" in doc["data"] else None
        return doc, inline

    doc, inline = await ctx.engine.peek(work)
    headers = object_headers(doc, checksum_mode=str(params.get("ChecksumMode") or "").upper() == "ENABLED")
    not_modified = conditions.check_read(
        doc, if_match=params.get("IfMatch"), if_none_match=params.get("IfNoneMatch"),
        if_modified_since=params.get("IfModifiedSince"), if_unmodified_since=params.get("IfUnmodifiedSince"),
        headers_304={"etag": doc["etag"], "last-modified": headers["LastModified"].strftime(
            "%a, %d %b %Y %H:%M:%S GMT"), "x-amz-request-id": ctx.request_id})
    if not_modified is not None:
        return not_modified
    size = doc["size"]
    span = None
    if part_number is not None:
        parts = doc.get("parts") or [size]
        if not 1 <= part_number <= len(parts):
            raise S3Error("The requested partnumber is not satisfiable", code="InvalidPartNumber", status=416,
                          PartNumberRequested=str(part_number), ActualPartCount=str(len(parts)))
        start = sum(parts[: part_number - 1])
        span = (start, start + parts[part_number - 1])
        headers["PartsCount"] = len(parts)
    else:
        span = conditions.parse_range(params.get("Range"), size)
    for name in ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "ContentType"):
        override = params.get("Response" + name)
        if override is not None:
            headers[name] = override
    if params.get("ResponseExpires") is not None:
        headers["Expires"] = params["ResponseExpires"]
    if span is not None and (span != (0, size) or part_number is not None or params.get("Range")):
        start, end = span
        headers["ContentRange"] = f"bytes {start}-{end - 1}/{size}" if end > start else f"bytes */{size}"
        headers["ContentLength"] = end - start
        headers["__status"] = 206
        for alg in list(doc.get("checksums") or ()):  # checksums describe the whole object, not a range
            headers.pop("Checksum" + alg, None)
        headers.pop("ChecksumType", None)
    if head:
        return _finish(headers)
    start, end = span if span is not None else (0, size)
    if inline is not None:
        headers["Body"] = inline[start:end]
    else:
        try:
            headers["Body"] = await read_segments(ctx.runtime.blobs, store.segments(doc), start, end)
        except FileNotFoundError:  # deleted between the lookup and the open
            raise no_such_key(Key) from None
    return _finish(headers)


async def read_segments(blobs: Any, segs: list[tuple[str, int]], start: int, end: int) -> Any:
    """The bytes ``[start, end)`` of an object stored in one or more blob files. Every file
    is opened before the first byte is sent, so a concurrent delete cannot cut the body."""
    readers = []
    offset = 0
    for blob_id, size in segs:
        lo, hi = max(start, offset), min(end, offset + size)
        if lo < hi:
            readers.append(await blobs.read(blob_id, lo - offset, hi - offset))
        offset += size

    async def chain() -> Any:
        for reader in readers:
            async for chunk in reader:
                yield chunk

    return chain()


def _finish(headers: dict[str, Any]) -> dict[str, Any]:
    status = headers.pop("__status", None)
    if status is not None:
        headers[STATUS] = status  # 206 Partial Content: a status the model has no member for
    return headers


async def get_object(ctx: Any, Bucket: str, Key: str, **params: Any) -> Any:
    return await _read(ctx, Bucket, Key, params, head=False)


async def head_object(ctx: Any, Bucket: str, Key: str, **params: Any) -> Any:
    return await _read(ctx, Bucket, Key, params, head=True)


# ---- DeleteObject(s) ------------------------------------------------------------------
def _delete_one(tx: Tx, ctx: Any, bucket: Any, key: str, version_id: str | None) -> dict[str, Any]:
    blobs = ctx.runtime.blobs
    if version_id is None:
        removed = store.delete(tx, blobs, bucket, key)
        if removed is None:
            return {}
        if removed.get("delete_marker"):
            events.record(tx, ctx, bucket, "s3:ObjectRemoved:DeleteMarkerCreated", key,
                          version_id=removed["version_id"])
            return {"DeleteMarker": True, "VersionId": removed["version_id"]}
        events.record(tx, ctx, bucket, "s3:ObjectRemoved:Delete", key)
        return {}
    if not bucket.versioned and version_id != "null":
        raise invalid_argument("Invalid version id specified", "versionId", version_id)
    removed = store.delete_version(tx, blobs, bucket, key, version_id)
    out: dict[str, Any] = {"VersionId": version_id} if bucket.versioned else {}
    if removed is not None:
        if removed.get("delete_marker"):
            out["DeleteMarker"] = True
        events.record(tx, ctx, bucket, "s3:ObjectRemoved:Delete", key,
                      version_id=version_id if bucket.versioned else None)
    return out


async def delete_object(ctx: Any, Bucket: str, Key: str, VersionId: str | None = None,
                        **params: Any) -> dict[str, Any]:
    if_match = params.get("IfMatch")

    def work(tx: Tx) -> dict[str, Any]:
        bucket = buckets.require(tx, ctx, Bucket)
        if if_match is not None:
            existing = store.latest(tx, bucket, Key)
            if existing is None or existing.get("delete_marker"):
                raise no_such_key(Key)
            if existing["etag"].strip('"') != if_match.strip().strip('"'):
                raise precondition_failed("If-Match")
        return _delete_one(tx, ctx, bucket, Key, VersionId)

    return await ctx.engine.transact(work)


async def delete_objects(ctx: Any, Bucket: str, Delete: dict[str, Any], **_: Any) -> dict[str, Any]:
    entries = Delete.get("Objects") or []
    if len(entries) > 1000:
        raise S3Error("The XML you provided was not well-formed or did not validate against our published "
                      "schema", code="MalformedXML")
    quiet = bool(Delete.get("Quiet"))

    def work(tx: Tx) -> dict[str, Any]:
        bucket = buckets.require(tx, ctx, Bucket)
        deleted, errors = [], []
        for entry in entries:
            key, version_id = entry.get("Key", ""), entry.get("VersionId")
            try:
                check_key(key)
                res = _delete_one(tx, ctx, bucket, key, version_id)
            except S3Error as err:
                errors.append({"Key": key, "VersionId": version_id, "Code": err.code, "Message": err.message})
                continue
            if not quiet:
                item: dict[str, Any] = {"Key": key}
                if version_id is not None:
                    item["VersionId"] = version_id
                if res.get("DeleteMarker"):
                    item["DeleteMarker"] = True
                    item["DeleteMarkerVersionId"] = res.get("VersionId")
                deleted.append(item)
        return {"Deleted": deleted, "Errors": errors}

    out = await ctx.engine.transact(work)
    return {k: v for k, v in out.items() if v}


# ---- CopyObject -------------------------------------------------------------------------
def parse_copy_source(source: str) -> tuple[str, str, str | None]:
    """``bucket/key[?versionId=…]`` (URL-encoded, optionally with a leading slash)."""
    src, _, query = source.partition("?")
    src = unquote(src).lstrip("/")
    bucket, _, key = src.partition("/")
    version = None
    if query:
        version = dict(parse_qsl(query)).get("versionId")
    if not bucket or not key:
        raise invalid_argument("Invalid copy source object key", "x-amz-copy-source", source)
    return bucket, key, version


async def copy_object(ctx: Any, Bucket: str, Key: str, CopySource: str, **params: Any) -> dict[str, Any]:
    check_key(Key)
    src_bucket, src_key, src_version = parse_copy_source(CopySource)

    def find_source(tx: Tx) -> dict:
        buckets.require(tx, ctx, Bucket)
        return lookup(tx, ctx, src_bucket, src_key, src_version)[1]

    src = await ctx.engine.read(find_source)
    not_modified = conditions.check_read(
        src, if_match=params.get("CopySourceIfMatch"), if_none_match=params.get("CopySourceIfNoneMatch"),
        if_modified_since=params.get("CopySourceIfModifiedSince"),
        if_unmodified_since=params.get("CopySourceIfUnmodifiedSince"), headers_304={})
    if not_modified is not None:  # a copy answers 412 where a read would answer 304
        raise precondition_failed("x-amz-copy-source-If-None-Match" if params.get("CopySourceIfNoneMatch")
                                  else "x-amz-copy-source-If-Modified-Since")
    directive = (params.get("MetadataDirective") or "COPY").upper()
    tagging_directive = (params.get("TaggingDirective") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", directive)
    same = (src_bucket, src_key) == (Bucket, Key)
    if same and directive == "COPY" and not any(
            params.get(n) for n in ("StorageClass", "WebsiteRedirectLocation", "ServerSideEncryption")) \
            and src_version is None:
        raise invalid_request("This copy request is illegal because it is trying to copy an object to itself "
                              "without changing the object's metadata, storage class, website redirect "
                              "location or encryption attributes.")
    doc: dict[str, Any] = {"key": Key, "size": src["size"], "etag": src["etag"],
                           "storage_class": params.get("StorageClass") or src.get("storage_class") or "STANDARD"}
    if directive == "REPLACE":
        doc["metadata"] = params.get("Metadata") or {}
        doc.update(system_fields(params))
    else:
        doc["metadata"] = src.get("metadata") or {}
        for field in list(_SYSTEM.values()) + ["expires"]:
            if src.get(field) is not None:
                doc[field] = src[field]
    if tagging_directive == "REPLACE":
        tags = parse_tagging(params.get("Tagging"))
        if tags:
            doc["tags"] = tags
    elif src.get("tags"):
        doc["tags"] = src["tags"]
    if src.get("checksums"):
        doc["checksums"], doc["checksum_type"] = src["checksums"], src.get("checksum_type")
    if src.get("parts"):
        doc["parts"] = src["parts"]
    blobs = ctx.runtime.blobs
    inline: bytes | None = None
    if "inline" in src["data"]:
        inline = await ctx.engine.read(lambda tx: store.read_inline(tx, src))
        doc["data"] = {"inline": store.new_data_id()}
        new_blobs = []
    else:
        new_blobs = [(await blobs.copy(blob_id), size) for blob_id, size in store.segments(src)]
        doc["data"] = ({"blob": new_blobs[0][0]} if "blob" in src["data"]
                       else {"segments": [{"blob": b, "size": n} for b, n in new_blobs]})

    def drop_copies() -> None:
        for blob_id, _ in new_blobs:
            blobs.unlink(blob_id)

    saved = await commit_new(ctx, Bucket, Key, doc, inline=inline, event="s3:ObjectCreated:Copy",
                             on_failure=drop_copies, if_match=params.get("IfMatch"),
                             if_none_match=params.get("IfNoneMatch"))
    result: dict[str, Any] = {"ETag": saved["etag"], "LastModified": http_date(saved["modified"])}
    for alg, value in (saved.get("checksums") or {}).items():
        result["Checksum" + alg] = value
    out: dict[str, Any] = {"CopyObjectResult": result, "ServerSideEncryption": "AES256"}
    if saved["version_id"] != "null":
        out["VersionId"] = saved["version_id"]
    if src.get("version_id") and src["version_id"] != "null":
        out["CopySourceVersionId"] = src["version_id"]
    return out
