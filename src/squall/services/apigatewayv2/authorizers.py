"""CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer, DeleteAuthorizer (HTTP APIs).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html

* ``JWT``: ``JwtConfiguration`` {``Issuer``, ``Audience``} and one ``IdentitySource``
  (``$request.header.Authorization`` usually); validated by :mod:`squall.apigw.jwt`.
* ``REQUEST`` (Lambda): ``AuthorizerUri``, ``AuthorizerPayloadFormatVersion`` 1.0 or 2.0 (required,
  as the SDKs must send it), ``EnableSimpleResponses`` (2.0 only), ``IdentitySource`` (selection
  expressions), ``AuthorizerResultTtlInSeconds`` 0–3600 (0, the default, disables caching; caching
  needs an identity source); run by :mod:`squall.apigw.authorizers`.
"""

from __future__ import annotations

import re
from typing import Any

from squall.apigw.authorizers import clear_cache
from squall.engine.api import Tx
from squall.services.apigatewayv2 import deployments, store
from squall.services.apigatewayv2.errors import BadRequest, not_found

TYPES = ("REQUEST", "JWT")
_SOURCE = re.compile(r"\$(request\.header|request\.querystring|context|stageVariables)\.[A-Za-z0-9._-]+")


def require(tx: Tx, api_id: str, authorizer_id: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_AUTHORIZERS, f"{api_id}/{authorizer_id}") if authorizer_id else None
    if doc is None:
        raise not_found("Authorizer", authorizer_id)
    return doc


def _check(doc: dict[str, Any]) -> None:
    kind = doc.get("AuthorizerType")
    if kind not in TYPES:
        raise BadRequest(f"Invalid authorizer type specified: {kind}. Must be one of [{', '.join(TYPES)}]")
    if not doc.get("Name"):
        raise BadRequest("Name is required")
    sources = doc.get("IdentitySource") or []
    for source in sources:
        if not _SOURCE.fullmatch(source):
            raise BadRequest(f"Invalid identity source specified: {source}. Use $request.header.NAME, "
                             "$request.querystring.NAME, $context.NAME or $stageVariables.NAME")
    if kind == "JWT":
        issuer = (doc.get("JwtConfiguration") or {}).get("Issuer")
        if not issuer:
            raise BadRequest("JwtConfiguration.Issuer is required for JWT authorizers")
        if not re.match(r"https?://", issuer):
            raise BadRequest(f"Invalid issuer specified: {issuer}. The issuer is a URL")
        if len(sources) != 1:
            raise BadRequest("A JWT authorizer takes exactly one identity source")
        for name in ("AuthorizerUri", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses"):
            if doc.get(name) is not None:
                raise BadRequest(f"{name} is not supported for JWT authorizers")
        return
    if not doc.get("AuthorizerUri"):
        raise BadRequest("AuthorizerUri is required for REQUEST authorizers")
    version = doc.get("AuthorizerPayloadFormatVersion")
    if version not in ("1.0", "2.0"):
        raise BadRequest(f"Invalid authorizer payload format version specified: {version}. "
                         "Must be one of [1.0, 2.0]")
    if doc.get("EnableSimpleResponses") and version != "2.0":
        raise BadRequest("Simple responses are supported only with authorizer payload format version 2.0")
    ttl = doc.get("AuthorizerResultTtlInSeconds", 0)
    if not 0 <= ttl <= 3600:
        raise BadRequest("AuthorizerResultTtlInSeconds must be between 0 and 3600")
    if ttl and not sources:
        raise BadRequest("Caching requires at least one identity source (AuthorizerResultTtlInSeconds > 0)")
    if doc.get("JwtConfiguration") is not None:
        raise BadRequest("JwtConfiguration is supported only for JWT authorizers")


def new_authorizer(kind: str, name: str, identity_source: list[str] | None = None, **members: Any) -> dict[str, Any]:
    """A checked authorizer document (CreateAuthorizer's, and ImportApi's)."""
    doc: dict[str, Any] = {"AuthorizerType": kind, "Name": name}
    if identity_source is not None:
        doc["IdentitySource"] = identity_source
    doc.update((k, v) for k, v in members.items() if v is not None)
    if kind == "REQUEST":
        doc.setdefault("AuthorizerResultTtlInSeconds", 0)
        if doc.get("AuthorizerPayloadFormatVersion") == "2.0":
            doc.setdefault("EnableSimpleResponses", False)
    doc["AuthorizerId"] = store.new_id()
    _check(doc)
    return doc


def forget_results(tx: Tx, ctx: Any, api_id: str) -> None:
    """Drop this process's cached authorizer results for the API once ``tx`` commits."""
    runtime = ctx.runtime
    tx.after_commit(lambda: clear_cache(runtime, f"{api_id}/"))


async def create_authorizer(ctx: Any, ApiId: str, AuthorizerType: str, Name: str,
                            IdentitySource: list[str] | None = None, **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = new_authorizer(AuthorizerType, Name, IdentitySource, **members)
        store.save(tx, store.NS_AUTHORIZERS, f"{ApiId}/{doc['AuthorizerId']}", doc)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def get_authorizer(ctx: Any, ApiId: str, AuthorizerId: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        return store.public(require(tx, ApiId, AuthorizerId))

    return await ctx.engine.read(work)


async def get_authorizers(ctx: Any, ApiId: str, MaxResults: str | None = None,
                          NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.api_of(tx, ctx, ApiId)
        return [store.public(a) for a in store.children(tx, store.NS_AUTHORIZERS, ApiId)]

    return store.page(await ctx.engine.read(work), lambda a: a["AuthorizerId"], MaxResults, NextToken)


async def update_authorizer(ctx: Any, ApiId: str, AuthorizerId: str, **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, AuthorizerId)
        doc.update((k, v) for k, v in members.items() if v is not None)
        _check(doc)
        used_as = "JWT" if doc["AuthorizerType"] == "JWT" else "CUSTOM"
        for route in store.children(tx, store.NS_ROUTES, ApiId):
            if route.get("AuthorizerId") == AuthorizerId and route.get("AuthorizationType") != used_as:
                raise BadRequest(f"Authorizer {AuthorizerId} is used by route {route['RouteKey']} with "
                                 f"authorization type {route.get('AuthorizationType')}")
        store.save(tx, store.NS_AUTHORIZERS, f"{ApiId}/{AuthorizerId}", doc)
        forget_results(tx, ctx, ApiId)
        deployments.changed(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def delete_authorizer(ctx: Any, ApiId: str, AuthorizerId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, AuthorizerId)
        users = [r["RouteKey"] for r in store.children(tx, store.NS_ROUTES, ApiId) if r.get("AuthorizerId") == AuthorizerId]
        if users:
            raise BadRequest(f"Cannot delete authorizer {AuthorizerId}: it is referenced by route(s) {', '.join(users)}")
        tx.delete(store.NS_AUTHORIZERS, f"{ApiId}/{AuthorizerId}")
        forget_results(tx, ctx, ApiId)
        deployments.changed(tx, ctx, api)

    await ctx.engine.transact(work)
