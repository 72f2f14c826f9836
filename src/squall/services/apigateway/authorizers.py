"""Authorizers (management): CreateAuthorizer, GetAuthorizer, GetAuthorizers, UpdateAuthorizer,
DeleteAuthorizer. Serving them is :mod:`.authorize`.

``TOKEN`` authorizers read one header (``identitySource: method.request.header.Auth``),
optionally checked against ``identityValidationExpression`` before the function is called;
``REQUEST`` authorizers read any identity sources (headers, query strings, stage variables,
context); ``authorizerResultTtlInSeconds`` (0–3600, default 300) caches a policy per identity.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, bad, not_found

TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS")

PATCH_SPEC: patch.Spec = {
    "name": "str", "type": "str", "authorizerUri": "str", "authorizerCredentials": "str", "identitySource": "str",
    "identityValidationExpression": "str", "authorizerResultTtlInSeconds": "int", "providerARNs": "list",
    "authType": "str",
}


def check(a: dict[str, Any]) -> None:
    if not a.get("name"):
        raise bad("Authorizer name must be specified")
    if a.get("type") not in TYPES:
        raise bad(f"Invalid authorizer type specified: {a.get('type')}")
    if a["type"] == "COGNITO_USER_POOLS":
        if not a.get("providerARNs"):
            raise bad("ProviderARNs need to be specified for COGNITO_USER_POOLS authorizers")
    elif not a.get("authorizerUri"):
        raise bad(f"Authorizer URI must be specified for {a['type']} authorizers")
    ttl = a.get("authorizerResultTtlInSeconds")
    if ttl is not None and not 0 <= ttl <= 3600:
        raise bad("Authorizer result TTL must be between 0 and 3600 seconds")
    source = a.get("identitySource")
    if a["type"] == "TOKEN" and not (source or "").startswith("method.request.header."):
        raise bad("Invalid identity source: a TOKEN authorizer's identity source must be "
                  "method.request.header.<name>")
    if a["type"] == "REQUEST" and (ttl or 0) > 0 and not source:
        raise bad("Identity source must be specified when caching is enabled for a REQUEST authorizer")


def authorizer(doc: dict[str, Any], authorizer_id: str) -> dict[str, Any]:
    found = doc["authorizers"].get(authorizer_id)
    if found is None:
        raise not_found("Authorizer")
    return found


def shown(a: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in a.items() if v is not None}


def add(doc: dict[str, Any], members: dict[str, Any]) -> dict[str, Any]:
    a = {"id": store.new_id(), **{k: v for k, v in members.items() if v is not None}}
    a.setdefault("authType", "custom" if a.get("type") != "COGNITO_USER_POOLS" else "cognito_user_pools")
    a.setdefault("authorizerResultTtlInSeconds", 300)
    check(a)
    doc["authorizers"][a["id"]] = a
    return a


async def create_authorizer(ctx: Any, restApiId: str, name: str, type: str, providerARNs: list[str] | None = None,
                            authType: str | None = None, authorizerUri: str | None = None,
                            authorizerCredentials: str | None = None, identitySource: str | None = None,
                            identityValidationExpression: str | None = None,
                            authorizerResultTtlInSeconds: int | None = None,
                            jwtConfiguration: dict[str, Any] | None = None) -> dict:
    members = {"name": name, "type": type, "providerARNs": providerARNs, "authType": authType,
               "authorizerUri": authorizerUri, "authorizerCredentials": authorizerCredentials,
               "identitySource": identitySource, "identityValidationExpression": identityValidationExpression,
               "authorizerResultTtlInSeconds": authorizerResultTtlInSeconds}
    return await store.change_api(ctx, restApiId, lambda tx, doc: shown(add(doc, members)))


async def get_authorizer(ctx: Any, restApiId: str, authorizerId: str) -> dict:
    return shown(authorizer(await store.read_api(ctx, restApiId), authorizerId))


async def get_authorizers(ctx: Any, restApiId: str, position: str | None = None, limit: int | None = None) -> dict:
    doc = await store.read_api(ctx, restApiId)
    return store.page([shown(a) for a in doc["authorizers"].values()], position, limit)


async def update_authorizer(ctx: Any, restApiId: str, authorizerId: str,
                            patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        a = authorizer(doc, authorizerId)
        check(patch.apply(a, patchOperations, PATCH_SPEC))
        return shown(a)

    return await store.change_api(ctx, restApiId, work)


async def delete_authorizer(ctx: Any, restApiId: str, authorizerId: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        a = authorizer(doc, authorizerId)
        for res in doc["resources"].values():
            for name, m in (res.get("resourceMethods") or {}).items():
                if m.get("authorizerId") == authorizerId:
                    raise Conflict(f"Cannot delete authorizer '{a['name']}', is referenced in method: "
                                   f"{name} {res['path']}")
        del doc["authorizers"][authorizerId]

    await store.change_api(ctx, restApiId, work)
    return {}
