"""Where a template comes from (``TemplateBody``, ``TemplateURL`` into squall's S3, or the
stack's previous template) and the request's parameters as a plain mapping."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from squall.services.cloudformation.errors import invalid
from squall.templates.errors import TemplateError
from squall.templates.loader import load_template

MAX_BODY = 51_200  # TemplateBody's limit; larger templates go through S3 (TemplateURL)
MAX_URL_BODY = 1_000_000

_VHOST = re.compile(r"^(?P<bucket>.+)\.s3[.-]")


def parse(text: str) -> dict[str, Any]:
    try:
        doc = load_template(text)
    except TemplateError as exc:
        raise invalid(str(exc)) from None
    if not isinstance(doc, dict):
        raise invalid("Template format error: JSON not well-formed.")
    return doc


async def template_text(ctx: Any, body: str | None, url: str | None, previous: dict[str, Any] | None = None,
                        use_previous: bool = False) -> str:
    given = sum(x is not None for x in (body, url)) + bool(use_previous)
    if given != 1:
        raise invalid("Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate."
                      if given else "Either Template URL or Template Body must be specified.")
    if use_previous:
        if previous is None:
            raise invalid("UsePreviousTemplate can only be used with an existing stack.")
        return previous["template_body"]
    if body is not None:
        if len(body.encode()) > MAX_BODY:
            raise invalid(f"1 validation error detected: Value '{body[:20]}…' at 'templateBody' failed to satisfy "
                          f"constraint: Member must have length less than or equal to {MAX_BODY}")
        return body
    assert url is not None
    return await _from_s3(ctx, url)


async def _from_s3(ctx: Any, url: str) -> str:
    """A TemplateURL pointing into squall's S3: path style (``http(s)://host/bucket/key``) or
    virtual-hosted (``https://bucket.s3.region.amazonaws.com/key``)."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path.lstrip("/"))
    m = _VHOST.match(host)
    if m:
        bucket, key = m["bucket"], path
    else:
        bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise invalid(f"TemplateURL must be a supported URL: {url}")
    from squall.templates.calls import call_service

    try:
        out = await call_service(ctx.runtime, "s3", "GetObject", ctx.account_id, ctx.region, Bucket=bucket, Key=key)
    except Exception as exc:  # noqa: BLE001 - any failure reads as CloudFormation's own message
        raise invalid(f"S3 error: Access Denied or object not found: {url} ({getattr(exc, 'message', exc)})") from None
    body = out.get("Body", b"")
    data = body if isinstance(body, bytes) else await _read(body)
    if len(data) > MAX_URL_BODY:
        raise invalid("Template may not exceed 1000000 bytes in size.")
    return data.decode("utf-8", "replace")


async def _read(body: Any) -> bytes:
    if hasattr(body, "read_all"):
        return await body.read_all()
    chunks = []
    async for chunk in body:
        chunks.append(chunk)
    return b"".join(chunks)


def given_parameters(parameters: list[dict[str, Any]] | None, previous: dict[str, Any] | None) -> dict[str, str]:
    """``[{ParameterKey, ParameterValue | UsePreviousValue}]`` → ``{key: value}``."""
    out: dict[str, str] = {}
    for p in parameters or []:
        key = p.get("ParameterKey")
        if not key:
            raise invalid("ParameterKey is required.")
        if p.get("UsePreviousValue"):
            if previous is None or key not in (previous.get("Parameters") or {}):
                raise invalid(f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true "
                              f"for a parameter key not in the previous template")
            out[key] = previous["Parameters"][key]
        else:
            out[key] = str(p.get("ParameterValue", ""))
    return out
