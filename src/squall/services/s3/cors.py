"""CORS for S3 buckets: browser preflights answered, CORS headers added to actual responses.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html — S3 "evaluates the CORS
configuration for the bucket and uses the first CORSRule rule that matches the incoming
browser request": its ``Origin`` must match one of the rule's AllowedOrigins (each may hold
one ``*`` wildcard), the method (a preflight's ``Access-Control-Request-Method``) must be one
of its AllowedMethods, and every header named in ``Access-Control-Request-Headers`` must
match one of its AllowedHeaders (without regard to case; ``*`` wildcards). Details as S3
answers them:

* a preflight (``OPTIONS``) is answered here and never reaches an operation: 200 with an
  empty body and ``Access-Control-Allow-Origin`` (the origin, or ``*`` when the rule allows
  every origin), ``-Allow-Methods`` (the rule's methods), ``-Allow-Headers`` (the requested
  names, lowercase), ``-Expose-Headers``, ``-Max-Age``, ``-Allow-Credentials: true`` (unless
  the origin is ``*``) and ``Vary``; refused, 403 ``AccessForbidden`` naming the ``Method``
  and ``ResourceType`` (``BUCKET``, or ``OBJECT`` when rules were evaluated for a key);
  without ``Origin``, 400;
* any other request with ``Origin`` gets the same headers (without ``-Allow-Headers``) added
  to whatever the operation answered, errors included, when a rule matches; S3 matches an
  actual request by its ``Access-Control-Request-Method``/``-Headers`` if it carries them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from squall.gateway.http import Response
from squall.services.s3 import buckets

log = logging.getLogger("squall.s3.cors")

VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
NOT_FOUND = "CORSResponse: Bucket not found"
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
               "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
               "whitelisted by the resource's CORS spec.")


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in pattern.lower().split("*")), re.DOTALL)


def _matches(patterns: list[str], value: str) -> bool:
    value = value.lower()
    return any(_wildcard(p).fullmatch(value) for p in patterns)


def requested_headers(value: str | None) -> list[str]:
    """``Access-Control-Request-Headers`` as lowercase names, in the order sent."""
    return [h.strip().lower() for h in (value or "").split(",") if h.strip()]


def find_rule(rules: list[dict], origin: str, method: str, headers: list[str]) -> dict | None:
    """The first rule allowing ``origin``, ``method`` and every one of ``headers``."""
    for rule in rules:
        if method not in (rule.get("AllowedMethods") or []):
            continue
        if not _matches(rule.get("AllowedOrigins") or [], origin):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(_matches(allowed, h) for h in headers):
            return rule
    return None


def rule_headers(rule: dict, origin: str, request_headers: list[str] | None = None) -> dict[str, str]:
    """The CORS response headers for a request ``rule`` allowed."""
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    out = {"access-control-allow-origin": "*" if wildcard else origin}
    if not wildcard:
        out["access-control-allow-credentials"] = "true"
    out["access-control-allow-methods"] = ", ".join(rule.get("AllowedMethods") or [])
    if request_headers:
        out["access-control-allow-headers"] = ", ".join(request_headers)
    if rule.get("ExposeHeaders"):
        out["access-control-expose-headers"] = ", ".join(rule["ExposeHeaders"])
    if rule.get("MaxAgeSeconds") is not None:
        out["access-control-max-age"] = str(rule["MaxAgeSeconds"])
    out["vary"] = VARY
    return out


def _target(path: str) -> tuple[str, bool]:
    """(bucket, whether a key is named) of a path-style request path."""
    bucket, _, key = path.lstrip("/").partition("/")
    return unquote(bucket), bool(key)


async def _rules(ctx: Any, name: str) -> list[dict] | None:
    """The bucket's CORS rules (``[]`` when it has none); ``None`` when there is no such bucket."""
    if not name:
        return None
    bucket = await ctx.engine.read(lambda tx: buckets.load(tx, name))
    if bucket is None:
        return None
    return bucket.config.get("CORSRules") or []


def _headers(ctx: Any) -> dict[str, str]:
    return {"x-amz-request-id": ctx.request_id, "x-amz-id-2": ctx.request_id}


def _error(ctx: Any, status: int, code: str, message: str, method: str | None = None,
           resource: str | None = None) -> Response:
    parts = [f"<Code>{code}</Code><Message>{escape(message)}</Message>"]
    if method is not None:
        parts.append(f"<Method>{escape(method)}</Method>")
    if resource is not None:
        parts.append(f"<ResourceType>{resource}</ResourceType>")
    parts.append(f"<RequestId>{ctx.request_id}</RequestId><HostId>{ctx.request_id}</HostId>")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
    return Response(status, {**_headers(ctx), "content-type": "application/xml"}, body.encode())


async def preflight(ctx: Any) -> Response:
    """Answer an ``OPTIONS`` request (a browser's preflight) from the bucket's CORS rules."""
    request = ctx.request
    origin = request.headers.get("origin")
    if origin is None:
        return _error(ctx, 400, "BadRequest", "Insufficient information. Origin request header needed.")
    method = request.headers.get("access-control-request-method")
    name, has_key = _target(request.path)
    rules = await _rules(ctx, name)
    if not rules:
        return _error(ctx, 403, "AccessForbidden", NOT_FOUND if rules is None else NOT_ENABLED,
                      method or "OPTIONS", "BUCKET")
    asked = requested_headers(request.headers.get("access-control-request-headers"))
    rule = find_rule(rules, origin, method, asked) if method else None
    if rule is None:
        return _error(ctx, 403, "AccessForbidden", NOT_ALLOWED, method or "OPTIONS",
                      "OBJECT" if has_key else "BUCKET")
    return Response(200, {**rule_headers(rule, origin, asked), **_headers(ctx)}, b"")


async def middleware(ctx: Any, call_next: Callable[[], Awaitable[Response]]) -> Response:
    request = ctx.request
    if request.method == "OPTIONS":
        try:
            return await preflight(ctx)
        except Exception:  # a preflight must never answer a traceback
            log.exception("CORS preflight failed for %s", request.path)
            return _error(ctx, 500, "InternalError", "We encountered an internal error. Please try again.")
    response = await call_next()
    origin = request.headers.get("origin")
    if origin is None:
        return response
    try:
        rules = await _rules(ctx, _target(request.path)[0])
        if rules:
            # S3 matches an actual request that carries preflight headers by those headers
            method = request.headers.get("access-control-request-method") or request.method
            asked = requested_headers(request.headers.get("access-control-request-headers"))
            rule = find_rule(rules, origin, method, asked)
            if rule is not None:
                response.headers.update(rule_headers(rule, origin))
    except Exception:  # CORS headers are best effort on top of the real answer
        log.exception("CORS headers failed for %s", request.path)
    return response
