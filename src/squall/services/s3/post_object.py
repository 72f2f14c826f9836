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

The form is buffered (up to :data:`squall.gateway.body.MAX_BUFFERED`); the file is then
stored like a PutObject body and fires ``s3:ObjectCreated:Post``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import orjson

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


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None, str | None]:
    """(fields with lower-cased names, file bytes, file name)."""
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not msg.is_multipart():
        raise S3Error("POST requires exactly one file upload per request.", code="InvalidArgument")
    fields: dict[str, str] = {}
    data: bytes | None = None
    filename: str | None = None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if name.lower() == "file":
            data, filename = payload, part.get_filename()
            break  # fields after the file are ignored, as S3 does
        fields[name.lower()] = payload.decode("utf-8", "replace")
    return fields, data, filename


def check_policy(fields: dict[str, str], size: int, settings: Any, keys: Any, now: float | None = None) -> None:
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
                low, high = int(cond[1]), int(cond[2])
                if size < low:
                    raise S3Error("Your proposed upload is smaller than the minimum allowed size",
                                  code="EntityTooSmall", ProposedSize=str(size), MinSizeAllowed=str(low))
                if size > high:
                    raise S3Error("Your proposed upload exceeds the maximum allowed size",
                                  code="EntityTooLarge", ProposedSize=str(size), MaxSizeAllowed=str(high))
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
    if request.stream is not None:
        request.body = await request.stream.read_all()
        request.stream = None
    fields, data, filename = parse_form(request.headers.get("content-type", ""), request.body)
    if data is None:
        raise invalid_argument("POST requires exactly one file upload per request.", "file", "0")
    if "key" not in fields:
        raise invalid_argument("Bucket POST must contain a field named 'key'.  If it is specified, please check "
                               "the order of the fields.", "key")
    fields["bucket"] = bucket_name
    check_policy(fields, len(data), ctx.runtime.settings, ctx.runtime.state["keys"])
    key = fields["key"].replace("${filename}", filename or "")
    objects.check_key(key)
    await buckets.get_bucket(ctx, bucket_name)
    got = await upload.receive(ctx.runtime.blobs, data, content_md5=None, sent={}, wanted=set())
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
