"""Browser-based uploads: ``POST /{bucket}`` with an HTML form and a signed POST policy.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html: the form carries
``key`` (``${filename}`` is replaced by the file's name), ``policy`` (base64 JSON with an
``expiration`` and ``conditions``), ``x-amz-algorithm``/``-credential``/``-date``/
``-signature`` (the SigV4 signature of the base64 policy), optional fields, and ``file``
last. Every field must be allowed by a condition (exact match, ``eq``, ``starts-with``),
``content-length-range`` bounds the file; a refusal is 403 ``AccessDenied`` "Invalid
according to Policy: …". Success answers ``success_action_status`` (204 by default; 201 with
a PostResponse document) or redirects to ``success_action_redirect``.

The form is parsed as it arrives (python-multipart's streaming parser): the fields before the
file are checked against the policy first, then the file streams into a blob like a PutObject
body (never whole in memory), its size is checked against ``content-length-range``, and the
object fires ``s3:ObjectCreated:Post``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import orjson
from python_multipart.multipart import MultipartParser, parse_options_header

from squall.gateway import auth
from squall.gateway.http import Response
from squall.services.s3 import buckets, objects, upload
from squall.services.s3.errors import S3Error, invalid_argument

_IGNORED = {"x-amz-signature", "file", "policy", "awsaccesskeyid", "signature"}


def is_post_upload(request: Any) -> bool:
    if request.method != "POST" or "multipart/form-data" not in request.headers.get("content-type", ""):
        return False
    path = request.path.strip("/")
    return bool(path) and "/" not in path


def _denied(reason: str) -> S3Error:
    return S3Error(f"Invalid according to Policy: {reason}", code="AccessDenied", status=403)


class _FormReader:
    """Streams a multipart/form-data body (python-multipart's parser): fields before the file
    are collected (small), the file's bytes are handed over as they arrive, fields after it
    are ignored, as S3 does."""

    MAX_FIELDS = 1 << 20  # bytes of non-file fields

    def __init__(self, content_type: str) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise invalid_argument("The body of your POST request is not well-formed multipart/form-data.",
                                   "Content-Type", content_type)
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.in_file = False
        self.file_seen = False
        self.file_chunks: list[bytes] = []
        self._field_bytes = 0
        self._name: str | None = None
        self._value = bytearray()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_part_data": self._part_data, "on_part_end": self._part_end,
            "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end, "on_headers_finished": self._headers_done,
        })

    def _part_begin(self) -> None:
        self._headers, self._name, self._value = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field, self._header_value = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        self._name = name.lower() or None
        if self._name == "file" and not self.file_seen:
            self.in_file, self.file_seen = True, True
            raw = params.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.file_chunks.append(data[start:end])
        elif self._name and not self.file_seen:
            self._field_bytes += end - start
            if self._field_bytes > self.MAX_FIELDS:
                raise S3Error("Your POST request fields preceeding the upload file were too large.",
                              code="MaxPostPreDataLengthExceeded")
            self._value += data[start:end]

    def _part_end(self) -> None:
        if self.in_file:
            self.in_file = False
        elif self._name and not self.file_seen:
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    def feed(self, data: bytes) -> list[bytes]:
        """Parse ``data``; returns the file bytes it contained."""
        self.parser.write(data)
        chunks, self.file_chunks = self.file_chunks, []
        return chunks


async def _file_bytes(reader: _FormReader, source: Any) -> Any:
    """The file part's bytes, read from the request body as it arrives."""
    async for data in source:
        for chunk in reader.feed(data):
            yield chunk
    reader.parser.finalize()


class _FilePayload:
    """The file part as a streaming payload for :func:`upload.receive`."""

    def __init__(self, chunks: Any) -> None:
        self._chunks, self.length, self.trailers = chunks, None, {}

    def __aiter__(self) -> Any:
        return self._chunks.__aiter__()


async def _once(data: bytes) -> Any:
    yield data


def _policy(fields: dict[str, str]) -> dict | None:
    raw = fields.get("policy")
    return orjson.loads(base64.b64decode(raw)) if raw else None


def check_size(fields: dict[str, str], size: int) -> None:
    """The policy's ``content-length-range``, once the file's size is known."""
    for cond in (_policy(fields) or {}).get("conditions") or []:
        if isinstance(cond, list) and len(cond) == 3 and str(cond[0]).lower() == "content-length-range":
            low, high = int(cond[1]), int(cond[2])
            if size < low:
                raise S3Error("Your proposed upload is smaller than the minimum allowed size",
                              code="EntityTooSmall", ProposedSize=str(size), MinSizeAllowed=str(low))
            if size > high:
                raise S3Error("Your proposed upload exceeds the maximum allowed size",
                              code="EntityTooLarge", ProposedSize=str(size), MaxSizeAllowed=str(high))


def check_policy(fields: dict[str, str], size: int | None, settings: Any, keys: Any,
                 now: float | None = None) -> None:
    policy_b64 = fields.get("policy")
    if policy_b64 is None:
        return  # an unsigned form: anonymous upload (allowed where squall allows anonymous access)
    try:
        policy = orjson.loads(base64.b64decode(policy_b64))
    except (binascii.Error, ValueError):
        raise invalid_argument("Invalid Policy: Invalid JSON.", "policy") from None
    if "awsaccesskeyid" in fields:  # SigV2 form (boto3's default for generate_presigned_post)
        found = keys.lookup(fields["awsaccesskeyid"])
        expected = (base64.b64encode(hmac.digest(found[0].encode(), policy_b64.encode(), "sha1")).decode()
                    if found is not None else None)
        given = fields.get("signature", "")
    else:
        credential = fields.get("x-amz-credential", "")
        parts = credential.split("/")
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or len(parts) != 5:
            raise invalid_argument("Form field x-amz-credential is missing or malformed", "x-amz-credential")
        found = keys.lookup(parts[0])
        expected = (hmac.digest(auth.signing_key(found[0], parts[1], parts[2], parts[3]), policy_b64.encode(),
                                "sha256").hex() if found is not None else None)
        given = fields.get("x-amz-signature", "")
    if found is not None:
        if not hmac.compare_digest(expected or "", given):
            raise S3Error("The request signature we calculated does not match the signature you provided. "
                          "Check your key and signing method.", code="SignatureDoesNotMatch", status=403)
    elif settings.strict_auth:
        raise S3Error("The AWS Access Key Id you provided does not exist in our records.",
                      code="InvalidAccessKeyId", status=403)
    expiration = policy.get("expiration")
    if expiration is None:
        raise invalid_argument("Invalid Policy: Policy missing expiration.", "policy")
    if datetime.fromisoformat(expiration).timestamp() < (now or time.time()):
        raise _denied("Policy expired.")
    covered: set[str] = set()
    for cond in policy.get("conditions") or []:
        if isinstance(cond, dict):
            for name, value in cond.items():
                name = name.lower()
                covered.add(name)
                if fields.get(name) != value:
                    raise _denied(f"Policy Condition failed: [\"eq\", \"${name}\", \"{value}\"]")
        elif isinstance(cond, list) and len(cond) == 3:
            op = str(cond[0]).lower()
            if op == "content-length-range":
                if size is not None:
                    check_size(fields, size)
                continue
            name = str(cond[1]).lstrip("$").lower()
            covered.add(name)
            value = fields.get(name, "")
            ok = value == cond[2] if op == "eq" else value.startswith(str(cond[2])) if op == "starts-with" else False
            if not ok:
                raise _denied(f"Policy Condition failed: {orjson.dumps(cond).decode()}")
    for name in fields:
        if name in _IGNORED or name.startswith("x-ignore-") or name in covered:
            continue
        if name in ("bucket",):
            continue
        raise _denied(f"Extra input fields: {name}")


async def handle(ctx: Any) -> Response:
    request = ctx.request
    bucket_name = request.path.strip("/")
    await buckets.get_bucket(ctx, bucket_name)
    reader = _FormReader(request.headers.get("content-type", ""))
    source = request.stream.chunks() if request.stream is not None else _once(request.body)
    chunks = _file_bytes(reader, source)
    # the fields come first: read up to the start of the file before anything else
    first: list[bytes] = []
    async for chunk in chunks:
        first.append(chunk)
        break
    fields, filename = reader.fields, reader.filename
    if not reader.file_seen:
        raise invalid_argument("POST requires exactly one file upload per request.", "file", "0")
    if "key" not in fields:
        raise invalid_argument("Bucket POST must contain a field named 'key'.  If it is specified, please check "
                               "the order of the fields.", "key")
    fields["bucket"] = bucket_name
    check_policy(fields, None, ctx.runtime.settings, auth.key_store(ctx.runtime))
    key = fields["key"].replace("${filename}", filename or "")
    objects.check_key(key)

    async def whole_file() -> Any:
        for chunk in first:
            yield chunk
        async for chunk in chunks:
            yield chunk

    got = await upload.receive(ctx.runtime.blobs, _FilePayload(whole_file()), content_md5=None, sent={},
                               wanted=set(), inline=False)
    try:
        check_size(fields, got.size)
    except BaseException:
        got.discard()
        raise
    meta = {k[len("x-amz-meta-"):]: v for k, v in fields.items() if k.startswith("x-amz-meta-")}
    doc: dict[str, Any] = {"key": key, "size": got.size, "etag": got.etag, "data": got.data, "metadata": meta,
                           "storage_class": fields.get("x-amz-storage-class", "STANDARD")}
    for field, name in (("content-type", "content_type"), ("cache-control", "cache_control"),
                        ("content-disposition", "content_disposition"), ("content-encoding", "content_encoding")):
        if field in fields:
            doc[name] = fields[field]
    if fields.get("tagging"):
        doc["tags"] = {t["Key"]: t["Value"] for t in _tagging_xml(fields["tagging"])}

    saved = await objects.commit_new(ctx, bucket_name, key, doc, inline=got.inline, event="s3:ObjectCreated:Post",
                                     on_failure=got.discard)
    headers = {"etag": saved["etag"], "x-amz-request-id": ctx.request_id,
               "location": f"{request.scheme}://{request.host}/{bucket_name}/{quote(key)}"}
    if saved["version_id"] != "null":
        headers["x-amz-version-id"] = saved["version_id"]
    redirect = fields.get("success_action_redirect") or fields.get("redirect")
    if redirect:
        sep = "&" if "?" in redirect else "?"
        headers["location"] = redirect + sep + urlencode({"bucket": bucket_name, "key": key,
                                                          "etag": saved["etag"]})
        return Response(303, headers, b"")
    status = fields.get("success_action_status", "204")
    if status == "201":
        body = ('<?xml version="1.0" encoding="UTF-8"?><PostResponse>'
                f"<Location>{escape(headers['location'])}</Location><Bucket>{escape(bucket_name)}</Bucket>"
                f"<Key>{escape(key)}</Key><ETag>{escape(saved['etag'])}</ETag></PostResponse>")
        return Response(201, {**headers, "content-type": "application/xml"}, body.encode())
    return Response(200 if status == "200" else 204, headers, b"")


def _tagging_xml(text: str) -> list[dict[str, str]]:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise S3Error("The XML you provided was not well-formed", code="MalformedXML") from None
    return [{"Key": t.findtext("Key") or "", "Value": t.findtext("Value") or ""} for t in root.iter("Tag")]
