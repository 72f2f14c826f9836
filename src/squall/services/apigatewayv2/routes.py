"""CreateRoute, GetRoute(s), UpdateRoute, DeleteRoute, DeleteRouteRequestParameter (HTTP APIs).

A route is a route key (``GET /items/{id}``, ``ANY /{proxy+}``, ``$default`` — checked by
:func:`.matching.parse_route_key`), a ``Target`` (``integrations/{id}``) and its authorization:
``NONE``, ``JWT`` or ``CUSTOM`` (a Lambda authorizer) with ``AuthorizerId``, ``AWS_IAM``.
``AuthorizationScopes`` apply to JWT authorizers. Route keys are unique within an API.
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigatewayv2 import deployments, integrations, store
from squall.services.apigatewayv2.errors import BadRequest, Conflict, NotFound, not_found
from squall.services.apigatewayv2.matching import parse_route_key

AUTHORIZATION_TYPES = ("NONE", "JWT", "CUSTOM", "AWS_IAM")
_AUTHORIZER_FOR = {"JWT": "JWT", "CUSTOM": "REQUEST"}


def require(tx: Tx, api_id: str, route_id: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_ROUTES, f"{api_id}/{route_id}") if route_id else None
    if doc is None:
        raise not_found("Route", route_id)
    return doc


def check(tx: Tx, api_id: str, doc: dict[str, Any]) -> None:
    """Route key, target and authorization of ``doc`` (BadRequest / Conflict)."""
    try:
        parse_route_key(doc["RouteKey"])
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    for other in store.children(tx, store.NS_ROUTES, api_id):
        if other["RouteKey"] == doc["RouteKey"] and other["RouteId"] != doc["RouteId"]:
            raise Conflict(f"Unable to create route {doc['RouteKey']}. The route already exists.")
    target = doc.get("Target")
    if target:
        kind, _, ident = target.partition("/")
        if kind != "integrations" or not ident:
            raise BadRequest(f"Invalid target specified: {target}. A target is integrations/{{integrationId}}")
        try:
            integrations.require(tx, api_id, ident)
        except NotFound:  # a target naming no integration is the caller's bad request
            raise BadRequest(f"Invalid target specified: {target}. No integration {ident} in this API") from None
    auth = doc.get("AuthorizationType", "NONE")
    if auth not in AUTHORIZATION_TYPES:
        raise BadRequest(f"Invalid authorization type specified: {auth}. Must be one of "
                         f"[{', '.join(AUTHORIZATION_TYPES)}]")
    if auth in _AUTHORIZER_FOR:
        ident = doc.get("AuthorizerId")
        if not ident:
            raise BadRequest(f"AuthorizerId is required for authorization type {auth}")
        authorizer = store.load(tx, store.NS_AUTHORIZERS, f"{api_id}/{ident}")
        if authorizer is None:
            raise BadRequest(f"Invalid authorizer identifier specified {ident}")
        if authorizer["AuthorizerType"] != _AUTHORIZER_FOR[auth]:
            raise BadRequest(f"Authorization type {auth} requires a {_AUTHORIZER_FOR[auth]} authorizer; "
                             f"{ident} is a {authorizer['AuthorizerType']} authorizer")
    else:
        doc.pop("AuthorizerId", None)
    if doc.get("AuthorizationScopes") and auth != "JWT":
        raise BadRequest("AuthorizationScopes are supported only for routes with JWT authorization")


def new_route(route_key: str, **members: Any) -> dict[str, Any]:
    """A route document (not yet checked: :func:`check` needs the transaction)."""
    doc: dict[str, Any] = {"ApiKeyRequired": False, "AuthorizationType": "NONE", "RouteKey": route_key}
    doc.update((k, v) for k, v in members.items() if v is not None)
    doc["RouteId"] = store.new_id()
    return doc


def prune_route_settings(tx: Tx, api_id: str) -> None:
    """Drop the stages' ``RouteSettings`` of route keys the API no longer has."""
    live = {r["RouteKey"] for r in store.children(tx, store.NS_ROUTES, api_id)}
    for stage in store.children(tx, store.NS_STAGES, api_id):
        settings = stage.get("RouteSettings") or {}
        stale = [key for key in settings if key not in live]
        if stale:
            for key in stale:
                del settings[key]
            store.save(tx, store.NS_STAGES, f"{api_id}/{stage['StageName']}", stage)


async def create_route(ctx: Any, ApiId: str, RouteKey: str, **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = new_route(RouteKey, **members)
        check(tx, ApiId, doc)
        store.save(tx, store.NS_ROUTES, f"{ApiId}/{doc['RouteId']}", doc)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def get_route(ctx: Any, ApiId: str, RouteId: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        return store.public(require(tx, ApiId, RouteId))

    return await ctx.engine.read(work)


async def get_routes(ctx: Any, ApiId: str, MaxResults: str | None = None, NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.api_of(tx, ctx, ApiId)
        return [store.public(r) for r in store.children(tx, store.NS_ROUTES, ApiId)]

    return store.page(await ctx.engine.read(work), lambda r: r["RouteId"], MaxResults, NextToken)


async def update_route(ctx: Any, ApiId: str, RouteId: str, **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, RouteId)
        for name, value in members.items():
            if value is not None:
                doc[name] = value
        if doc.get("AuthorizationType") == "NONE":
            doc.pop("AuthorizationScopes", None)
        check(tx, ApiId, doc)
        store.save(tx, store.NS_ROUTES, f"{ApiId}/{RouteId}", doc)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def delete_route(ctx: Any, ApiId: str, RouteId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, RouteId)
        tx.delete(store.NS_ROUTES, f"{ApiId}/{RouteId}")
        prune_route_settings(tx, ApiId)  # its route settings go with it
        deployments.changed(tx, ctx, api)

    await ctx.engine.transact(work)


async def delete_route_request_parameter(ctx: Any, ApiId: str, RequestParameterKey: str, RouteId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, RouteId)
        params = doc.get("RequestParameters") or {}
        if RequestParameterKey not in params:
            raise not_found("RequestParameter", RequestParameterKey)
        del params[RequestParameterKey]
        store.save(tx, store.NS_ROUTES, f"{ApiId}/{RouteId}", doc)
        deployments.changed(tx, ctx, api)

    await ctx.engine.transact(work)

