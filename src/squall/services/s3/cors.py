"""CORS for S3 buckets: browser preflights answered, and CORS headers on actual responses.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html — the first CORSRule whose
AllowedOrigins (``*`` wildcards allowed, one per origin), AllowedMethods and AllowedHeaders
(case-insensitive, ``*`` wildcards) all match decides. A preflight (``OPTIONS`` with
``Origin`` and ``Access-Control-Request-Method``) is answered here and never reaches an
operation (it carries no signature); a refused one is 403 ``AccessForbidden``. Other
requests with an ``Origin`` get the matching rule's headers added to whatever the operation
answered, errors included.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from squall.gateway.http import Response
from squall.services.s3 import buckets

_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.lower().split("*")) + "$")


def _matches(patterns: list[str], value: str) -> bool:
    value = value.lower()
    return any(_wildcard(p).match(value) for p in patterns)


def find_rule(rules: list[dict], origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in rules:
        if not _matches(rule.get("AllowedOrigins") or [], origin):
            continue
        if method not in (rule.get("AllowedMethods") or []):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(_matches(allowed, h) for h in headers):
            return rule
    return None


def rule_headers(rule: dict, origin: str, request_headers: list[str] | None = None) -> dict[str, str]:
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    out = {
        "access-control-allow-origin": "*" if wildcard else origin,
        "access-control-allow-methods": ", ".join(rule.get("AllowedMethods") or []),
        "vary": _VARY,
    }
    if not wildcard:
        out["access-control-allow-credentials"] = "true"
    if request_headers:
        out["access-control-allow-headers"] = ", ".join(request_headers)
    if rule.get("ExposeHeaders"):
        out["access-control-expose-headers"] = ", ".join(rule["ExposeHeaders"])
    if rule.get("MaxAgeSeconds") is not None:
        out["access-control-max-age"] = str(rule["MaxAgeSeconds"])
    return out


def _bucket_of(path: str) -> str:
    return unquote(path.lstrip("/").split("/", 1)[0])


async def _rules(ctx: Any, name: str) -> list[dict] | None:
    if not name:
        return None
    bucket = await ctx.engine.read(lambda tx: buckets.load(tx, name))
    return bucket.config.get("CORSRules") if bucket is not None else None


def _forbidden(ctx: Any, message: str, method: str) -> Response:
    body = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessForbidden</Code>'
            f"<Message>{escape(message)}</Message><Method>{escape(method)}</Method>"
            f"<ResourceType>OBJECT</ResourceType><RequestId>{ctx.request_id}</RequestId></Error>")
    return Response(403, {"content-type": "application/xml", "x-amz-request-id": ctx.request_id},
                    body.encode())


async def middleware(ctx: Any, call_next: Callable[[], Awaitable[Response]]) -> Response:
    request = ctx.request
    origin = request.headers.get("origin")
    if origin is None:
        return await call_next()
    method = request.headers.get("access-control-request-method")
    if request.method == "OPTIONS" and method is not None:
        asked = [h.strip().lower() for h in request.headers.get("access-control-request-headers", "").split(",")
                 if h.strip()]
        rules = await _rules(ctx, _bucket_of(request.path))
        if not rules:
            return _forbidden(ctx, "CORSResponse: CORS is not enabled for this bucket.", method)
        rule = find_rule(rules, origin, method, asked)
        if rule is None:
            return _forbidden(ctx, "CORSResponse: This CORS request is not allowed. This is usually because the "
                                   "evalution of Origin, request method / Access-Control-Request-Method or "
                                   "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                              method)
        return Response(200, {**rule_headers(rule, origin, asked), "x-amz-request-id": ctx.request_id}, b"")
    response = await call_next()
    try:
        rules = await _rules(ctx, _bucket_of(request.path))
    except Exception:  # noqa: BLE001 - CORS headers are best effort on top of the real answer
        return response
    rule = find_rule(rules or [], origin, request.method, [])
    if rule is not None:
        response.headers.update(rule_headers(rule, origin))
    return response
