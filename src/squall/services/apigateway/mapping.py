"""Non-proxy integrations' data mapping: the integration request (template or passthrough,
mapped parameters) and the integration response (selected by ``selectionPattern``, then its
template and ``method.response.header.*`` mappings).
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from squall.gateway.http import Response
from squall.services.apigateway import vtl
from squall.services.apigateway.call import Call


class Unsupported(Exception):
    """No template for the request's content type and the passthrough behavior forbids passing
    it through (415 Unsupported Media Type)."""


class NoResponse(Exception):
    """No integration response matches and none is the default (API_CONFIGURATION_ERROR)."""


@dataclass
class Mapped:
    """The integration request after mapping."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)


def content_type(call: Call) -> str:
    """The request's media type; API Gateway assumes ``application/json`` when none is sent."""
    raw = call.header("content-type") or "application/json"
    return raw.split(";", 1)[0].strip().lower()


def is_binary(media_type: str | None, binary_types: list[str]) -> bool:
    """Whether ``media_type`` is one of the API's ``binaryMediaTypes`` (``*/*``, ``image/*``)."""
    if not media_type or not binary_types:
        return False
    media_type = media_type.split(";", 1)[0].strip().lower()
    major = media_type.split("/", 1)[0]
    for pattern in binary_types:
        pattern = pattern.strip().lower()
        if pattern in ("*/*", media_type) or pattern == f"{major}/*":
            return True
    return False


def request(call: Call, integration: dict[str, Any]) -> Mapped:
    """Map the method request to the integration request."""
    templates = integration.get("requestTemplates") or {}
    media = content_type(call)
    template = templates.get(media)
    if template is None:
        behavior = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
        if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
            raise Unsupported
        body = _convert(call.body, integration.get("contentHandling"),
                        is_binary(media, call.deployment.binary_media_types))
    elif template:
        body = vtl.render(template, input=vtl.Input(call.body, call.params()), context=call.template_context(),
                          stage_variables=call.stage.variables).encode()
    else:
        body = b""
    mapped = Mapped(body)
    for target, expression in (integration.get("requestParameters") or {}).items():
        value = call.source(expression)
        if value is None:
            continue
        for prefix, into in (("integration.request.header.", mapped.headers),
                             ("integration.request.querystring.", mapped.query),
                             ("integration.request.path.", mapped.path)):
            if target.startswith(prefix):
                into[target[len(prefix):]] = value
    return mapped


def _convert(body: bytes, handling: str | None, binary: bool) -> bytes:
    if handling == "CONVERT_TO_TEXT" and binary:
        return base64.b64encode(body)
    if handling == "CONVERT_TO_BINARY" and not binary:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return body
    return body


@functools.lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text, re.DOTALL)
    except re.error:
        return None


def select(integration: dict[str, Any], selector: str) -> dict[str, Any]:
    """The integration response whose ``selectionPattern`` matches ``selector`` (the backend's
    status code, or a Lambda function's ``errorMessage``), else the default one."""
    default = None
    for response in (integration.get("integrationResponses") or {}).values():
        pattern = response.get("selectionPattern")
        if not pattern:
            default = default or response
            continue
        compiled = _pattern(pattern)
        if compiled is not None and compiled.fullmatch(selector):
            return response
    if default is None:
        raise NoResponse
    return default


def response(call: Call, chosen: dict[str, Any], headers: dict[str, str], body: bytes) -> Response:
    """The method response for integration response ``chosen`` given the backend's answer."""
    templates = chosen.get("responseTemplates") or {}
    media, template = _response_template(templates, call.header("accept"))
    if template:
        out = vtl.render(template, input=vtl.Input(body, call.params()), context=call.template_context(),
                         stage_variables=call.stage.variables).encode()
    else:
        out = body
        media = media or next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    result = Response(int(chosen["statusCode"]), {"content-type": media or "application/json"}, out)
    for target, expression in (chosen.get("responseParameters") or {}).items():
        if target.startswith("method.response.header."):
            value = call.source(expression, (headers, body))
            if value is not None:
                result.headers[target[len("method.response.header."):].lower()] = value
    return result


def _response_template(templates: dict[str, str | None], accept: str | None) -> tuple[str | None, str | None]:
    if not templates:
        return None, None
    for media in (accept or "").split(","):
        media = media.split(";", 1)[0].strip().lower()
        if media in templates:
            return media, templates[media]
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    media = next(iter(templates))
    return media, templates[media]
