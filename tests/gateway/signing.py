"""Sign requests with botocore and turn them into squall Requests."""

from __future__ import annotations

from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from squall.config import Settings
from squall.gateway.http import Request

KNOWN = Credentials("AKIDKNOWN", "known-secret")
UNKNOWN = Credentials("AKIDUNKNOWN", "whatever")
ENDPOINT = "http://localhost:4566"


def settings(strict: bool = False) -> Settings:
    return Settings(
        strict_auth=strict,
        known_keys={"AKIDKNOWN": ("known-secret", "111122223333"), "test": ("test", "000000000000")},
    )


def to_request(aws: AWSRequest) -> Request:
    prep = aws.prepare()
    parts = urlsplit(prep.url)
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in prep.headers.items()}
    headers.setdefault("host", parts.netloc)
    body = prep.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif hasattr(body, "read"):
        body = body.read()
    return Request(prep.method, parts.path or "/", parts.query, headers, body)


def signed(
    method: str = "POST",
    url: str = ENDPOINT + "/",
    *,
    service: str = "sqs",
    region: str = "us-east-1",
    creds: Credentials = KNOWN,
    headers: dict | None = None,
    data: bytes | str | dict = b"",
    params: dict | None = None,
    presign: bool = False,
    expires: int = 3600,
) -> Request:
    aws = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=data, params=params or {})
    s3 = service == "s3"
    if presign:
        signer = (S3SigV4QueryAuth if s3 else SigV4QueryAuth)(creds, service, region, expires=expires)
    else:
        signer = (S3SigV4Auth if s3 else SigV4Auth)(creds, service, region)
    signer.add_auth(aws)
    return to_request(aws)
