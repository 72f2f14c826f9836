"""Capture the exact HTTP request a real boto3 client sends (no network)."""

from __future__ import annotations

from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from squall.gateway.http import Request


class _Captured(Exception):
    def __init__(self, request):
        self.request = request


def _body_bytes(body) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    data = body.read()
    return data.encode() if isinstance(data, str) else data


def capture(
    service: str,
    operation: str,
    *,
    endpoint: str = "http://localhost:4566",
    key: str = "AKIDKNOWN",
    secret: str = "known-secret",
    region: str = "us-east-1",
    config: Config | None = None,
    **params,
) -> Request:
    client = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=config or Config(retries={"max_attempts": 1}),
    )

    def before_send(request, **_):
        raise _Captured(request)

    client.meta.events.register("before-send", before_send)
    try:
        getattr(client, operation)(**params)
    except _Captured as c:
        prep = c.request
    else:  # pragma: no cover
        raise AssertionError("request was not captured")
    parts = urlsplit(prep.url)
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in prep.headers.items()}
    headers.setdefault("host", parts.netloc)
    return Request(prep.method, parts.path or "/", parts.query, headers, _body_bytes(prep.body))
