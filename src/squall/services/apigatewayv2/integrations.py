"""CreateIntegration, GetIntegration(s), UpdateIntegration, DeleteIntegration (HTTP APIs).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations.html

Two kinds are served: ``AWS_PROXY`` to a Lambda function (``IntegrationUri`` the function ARN or
API Gateway's ``arn:aws:apigateway:…:lambda:path/2015-03-31/functions/{arn}/invocations`` form;
``PayloadFormatVersion`` 1.0 or 2.0) and ``HTTP_PROXY`` to a URL (``IntegrationMethod``, path
variables and stage variables in the URI). ``TimeoutInMillis`` is 50–30000 (default 30000).
``RequestParameters`` / ``ResponseParameters`` are the parameter mappings of
http-api-parameter-mapping.html (checked here, applied by :mod:`.mapping`). AWS service
integrations (``IntegrationSubtype``), private integrations (VPC links) and the WebSocket-only
integration responses are refused.
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.services.apigatewayv2 import deployments, store
from squall.services.apigatewayv2.errors import BadRequest, not_found

TYPES = ("AWS_PROXY", "HTTP_PROXY")
DEFAULT_TIMEOUT_MS = 30000
_REQUEST_KEY = re.compile(r"(append|overwrite|remove):(header|querystring)\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)|overwrite:path")
_RESPONSE_KEY = re.compile(r"(append|overwrite|remove):header\.([A-Za-z0-9!#$%&'*+.^_`|~-]+)|overwrite:statuscode")
_RESERVED = ("access-control-", "apigw-", "x-amz-", "x-amzn-")
_RESERVED_NAMES = frozenset({
    "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded",
    "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding",
    "upgrade", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "via"})


def _header_reserved(name: str) -> bool:
    low = name.lower()
    return low in _RESERVED_NAMES or low.startswith(_RESERVED)


def check_request_parameters(params: dict[str, str] | None) -> dict[str, str] | None:
    if params is None:
        return None
    for key in params:
        m = _REQUEST_KEY.fullmatch(key)
        if m is None:
            raise BadRequest(f"Invalid mapping expression specified: {key}. Keys are "
                             "append|overwrite|remove:header.NAME, …:querystring.NAME or overwrite:path")
        if m[2] == "header" and _header_reserved(m[3]):
            raise BadRequest(f"Invalid mapping expression specified: {key}. Header {m[3]} is reserved")
    return dict(params)


def check_response_parameters(params: dict[str, dict[str, str]] | None) -> dict[str, dict[str, str]] | None:
    if params is None:
        return None
    for status, mapping in params.items():
        if not (status.isdigit() and 200 <= int(status) <= 599):
            raise BadRequest(f"Invalid status code {status} in ResponseParameters: it must be 200-599")
        for key in mapping or {}:
            m = _RESPONSE_KEY.fullmatch(key)
            if m is None or (m[2] and _header_reserved(m[2])):
                raise BadRequest(f"Invalid mapping expression specified: {key}")
    return {k: dict(v or {}) for k, v in params.items()}


def _check(doc: dict[str, Any]) -> None:
    kind = doc.get("IntegrationType")
    if kind not in TYPES:
        if kind in ("AWS", "HTTP", "MOCK"):
            raise BadRequest(f"Integration type {kind} is not supported for HTTP APIs; use AWS_PROXY or HTTP_PROXY")
        raise BadRequest(f"Invalid integration type specified: {kind}. Must be one of [{', '.join(TYPES)}]")
    if doc.get("IntegrationSubtype"):
        raise BadRequest("AWS service integrations (IntegrationSubtype) are not supported by squall yet")
    if doc.get("ConnectionType", "INTERNET") != "INTERNET":
        raise BadRequest("Private integrations (ConnectionType VPC_LINK) are not supported by squall yet")
    uri = doc.get("IntegrationUri")
    if not uri:
        raise BadRequest(f"IntegrationUri is required for {kind} integrations")
    version = doc.get("PayloadFormatVersion")
    if kind == "AWS_PROXY":
        if version not in ("1.0", "2.0"):
            raise BadRequest(f"Invalid payload format version specified: {version}. Must be one of [1.0, 2.0]")
        if not (uri.startswith("arn:") and (":lambda:" in uri)):
            raise BadRequest(f"Invalid integration URI specified: {uri}. AWS_PROXY integrations take a Lambda "
                             "function ARN")
    else:
        if version != "1.0":
            raise BadRequest("HTTP_PROXY integrations support payload format version 1.0 only")
        if not re.match(r"https?://", uri):
            raise BadRequest(f"Invalid integration URI specified: {uri}. HTTP_PROXY integrations take an "
                             "http:// or https:// URL")
    timeout = doc.get("TimeoutInMillis")
    if not isinstance(timeout, int) or not 50 <= timeout <= 30000:
        raise BadRequest("Timeout must be between 50 milliseconds and 30 seconds.")


def new_integration(**members: Any) -> dict[str, Any]:
    """A checked integration document from CreateIntegration's members (also quick create's)."""
    kind = members.get("IntegrationType")
    doc: dict[str, Any] = {k: v for k, v in members.items() if v is not None}
    doc.setdefault("ConnectionType", "INTERNET")
    doc.setdefault("PayloadFormatVersion", "1.0")
    doc.setdefault("TimeoutInMillis", DEFAULT_TIMEOUT_MS)
    doc.setdefault("IntegrationMethod", "POST" if kind == "AWS_PROXY" else "ANY")
    doc["RequestParameters"] = check_request_parameters(doc.get("RequestParameters"))
    doc["ResponseParameters"] = check_response_parameters(doc.get("ResponseParameters"))
    for name in ("RequestParameters", "ResponseParameters"):
        if doc[name] is None:
            del doc[name]
    doc["IntegrationId"] = store.new_id()
    _check(doc)
    return doc


def require(tx: Tx, api_id: str, integration_id: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_INTEGRATIONS, f"{api_id}/{integration_id}") if integration_id else None
    if doc is None:
        raise not_found("Integration", integration_id)
    return doc


_UNSUPPORTED = ("ContentHandlingStrategy", "PassthroughBehavior", "RequestTemplates", "TemplateSelectionExpression")


def _refuse_websocket_members(members: dict[str, Any]) -> None:
    given = [k for k in _UNSUPPORTED if members.get(k) is not None]
    if given:
        raise BadRequest(f"{', '.join(given)} are supported only for WebSocket APIs")


async def create_integration(ctx: Any, ApiId: str, IntegrationType: str, **members: Any) -> dict[str, Any]:
    _refuse_websocket_members(members)

    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = new_integration(IntegrationType=IntegrationType, **members)
        store.save(tx, store.NS_INTEGRATIONS, f"{ApiId}/{doc['IntegrationId']}", doc)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def get_integration(ctx: Any, ApiId: str, IntegrationId: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        return store.public(require(tx, ApiId, IntegrationId))

    return await ctx.engine.read(work)


async def get_integrations(ctx: Any, ApiId: str, MaxResults: str | None = None,
                           NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.api_of(tx, ctx, ApiId)
        return [store.public(i) for i in store.children(tx, store.NS_INTEGRATIONS, ApiId)]

    return store.page(await ctx.engine.read(work), lambda i: i["IntegrationId"], MaxResults, NextToken)


async def update_integration(ctx: Any, ApiId: str, IntegrationId: str, **members: Any) -> dict[str, Any]:
    _refuse_websocket_members(members)

    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, IntegrationId)
        for name, value in members.items():
            if value is None:
                continue
            if name == "RequestParameters":  # an empty value removes that mapping
                merged = {**doc.get(name, {}), **value}
                value = check_request_parameters({k: v for k, v in merged.items() if v != ""})
            elif name == "ResponseParameters":
                merged = {**doc.get(name, {}), **value}
                value = check_response_parameters({k: v for k, v in merged.items() if v})
            doc[name] = value
        _check(doc)
        store.save(tx, store.NS_INTEGRATIONS, f"{ApiId}/{IntegrationId}", doc)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def delete_integration(ctx: Any, ApiId: str, IntegrationId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, IntegrationId)
        target = f"integrations/{IntegrationId}"
        users = [r["RouteKey"] for r in store.children(tx, store.NS_ROUTES, ApiId) if r.get("Target") == target]
        if users:
            raise BadRequest(f"Cannot delete integration {IntegrationId}: it is the target of route(s) "
                             f"{', '.join(users)}")
        tx.delete(store.NS_INTEGRATIONS, f"{ApiId}/{IntegrationId}")
        deployments.changed(tx, ctx, api)

    await ctx.engine.transact(work)
