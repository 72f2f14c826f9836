"""CreateApi, GetApi(s), UpdateApi, DeleteApi, DeleteCorsConfiguration (HTTP APIs).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop.html

Quick create: ``Target`` (a Lambda function ARN, or an HTTP URL) makes the API ready to call in
one request — an integration to the target (``AWS_PROXY`` with payload format 2.0, or
``HTTP_PROXY``), a route (``RouteKey``, ``$default`` unless given) and the ``$default`` stage with
auto-deploy, all ``ApiGatewayManaged``. UpdateApi's ``Target`` / ``RouteKey`` retarget those.

WebSocket APIs are refused with a clear BadRequest for now.
"""

from __future__ import annotations

from typing import Any

from squall.apigw.authorizers import clear_cache
from squall.engine.api import Tx
from squall.services.apigatewayv2 import cors, deployments, integrations, routes, store
from squall.services.apigatewayv2.errors import BadRequest, websocket_refused

_SETTABLE = ("ApiKeySelectionExpression", "Description", "DisableSchemaValidation", "DisableExecuteApiEndpoint",
             "IpAddressType", "Name", "RouteSelectionExpression", "Version")


def endpoint(ctx: Any, api_id: str) -> str:
    """The API's URL: its ``execute-api`` host on squall's port (``*.localhost`` resolves to the loopback)."""
    return f"http://{api_id}.execute-api.localhost:{ctx.runtime.settings.port}"


def _target_integration(target: str) -> dict[str, Any]:
    if target.startswith(("http://", "https://")):
        return integrations.new_integration(IntegrationType="HTTP_PROXY", IntegrationUri=target,
                                            IntegrationMethod="ANY", PayloadFormatVersion="1.0",
                                            ApiGatewayManaged=True)
    return integrations.new_integration(IntegrationType="AWS_PROXY", IntegrationUri=target,
                                        IntegrationMethod="POST", PayloadFormatVersion="2.0",
                                        ApiGatewayManaged=True)


def _quick_create(tx: Tx, ctx: Any, api: dict[str, Any], target: str, route_key: str | None) -> None:
    api_id = api["ApiId"]
    integration = _target_integration(target)
    store.save(tx, store.NS_INTEGRATIONS, f"{api_id}/{integration['IntegrationId']}", integration)
    route = routes.new_route(route_key or "$default", Target=f"integrations/{integration['IntegrationId']}",
                             ApiGatewayManaged=True)
    routes.check(tx, api_id, route)
    store.save(tx, store.NS_ROUTES, f"{api_id}/{route['RouteId']}", route)
    now = store.now()
    stage = {"ApiGatewayManaged": True, "AutoDeploy": True, "CreatedDate": now,
             "DefaultRouteSettings": {"DetailedMetricsEnabled": False}, "LastUpdatedDate": now,
             "RouteSettings": {}, "StageName": "$default", "StageVariables": {}, "Tags": {}}
    deployments.auto_deploy(tx, api, stage)


def _managed(tx: Tx, ns: str, api_id: str) -> dict[str, Any] | None:
    return next((d for d in store.children(tx, ns, api_id) if d.get("ApiGatewayManaged")), None)


def _retarget(tx: Tx, api: dict[str, Any], target: str | None, route_key: str | None) -> None:
    """UpdateApi's quick-create members: change the managed integration's target / route's key."""
    api_id = api["ApiId"]
    route = _managed(tx, store.NS_ROUTES, api_id)
    if route is None:
        raise BadRequest("Target and RouteKey can be updated only on APIs made by quick create")
    if target:
        ident = route["Target"].partition("/")[2]
        old = integrations.require(tx, api_id, ident)
        new = _target_integration(target)
        new["IntegrationId"] = old["IntegrationId"]
        store.save(tx, store.NS_INTEGRATIONS, f"{api_id}/{ident}", new)
    if route_key:
        route["RouteKey"] = route_key
        routes.check(tx, api_id, route)
        store.save(tx, store.NS_ROUTES, f"{api_id}/{route['RouteId']}", route)


def new_api(ctx: Any, name: str, cors_configuration: dict[str, Any] | None = None,
            tags: dict[str, str] | None = None, **members: Any) -> dict[str, Any]:
    """A new HTTP API's document (CreateApi's, and ImportApi's from the document's members)."""
    api_id = store.new_id(10)
    doc: dict[str, Any] = {
        "ApiEndpoint": endpoint(ctx, api_id), "ApiId": api_id,
        "ApiKeySelectionExpression": "$request.header.x-api-key", "CreatedDate": store.now(),
        "DisableExecuteApiEndpoint": False, "IpAddressType": "ipv4", "Name": name, "ProtocolType": "HTTP",
        "RouteSelectionExpression": "$request.method $request.path", "Tags": store.check_tags(tags),
        "_account": ctx.account_id, "_region": ctx.region, "_rev": 0,
    }
    doc.update((k, v) for k, v in members.items() if v is not None and k in _SETTABLE)
    if cors_configuration is not None:
        doc["CorsConfiguration"] = cors.normalize(cors_configuration)
    return doc


def insert(tx: Tx, ctx: Any, doc: dict[str, Any]) -> None:
    """Store a new API made by :func:`new_api` (and list it in GetApis)."""
    store.save(tx, store.NS_APIS, doc["ApiId"], doc)
    tx.put(store.NS_OWNERS, f"{ctx.account_id}/{ctx.region}/{doc['ApiId']}", b"")


async def create_api(ctx: Any, Name: str, ProtocolType: str, CorsConfiguration: dict[str, Any] | None = None,
                     RouteKey: str | None = None, Target: str | None = None, Tags: dict[str, str] | None = None,
                     CredentialsArn: str | None = None, **members: Any) -> dict[str, Any]:
    if ProtocolType == "WEBSOCKET":
        raise websocket_refused()
    if ProtocolType != "HTTP":
        raise BadRequest("Invalid protocol specified. Must be one of [HTTP, WEBSOCKET]")
    if (RouteKey or CredentialsArn) and not Target:
        raise BadRequest("RouteKey and CredentialsArn are supported only with Target (quick create)")
    doc = new_api(ctx, Name, CorsConfiguration, Tags, **members)

    def work(tx: Tx) -> dict[str, Any]:
        insert(tx, ctx, doc)
        if Target:
            _quick_create(tx, ctx, doc, Target, RouteKey)
        store.touch(tx, ctx, doc)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def get_api(ctx: Any, ApiId: str) -> dict[str, Any]:
    return store.public(await ctx.engine.read(lambda tx: store.api_of(tx, ctx, ApiId)))


async def get_apis(ctx: Any, MaxResults: str | None = None, NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        out = []
        for key, _ in tx.scan(store.NS_OWNERS, prefix=f"{ctx.account_id}/{ctx.region}/"):
            doc = store.load(tx, store.NS_APIS, key.rsplit("/", 1)[1])
            if doc is not None:
                out.append(store.public(doc))
        return out

    return store.page(await ctx.engine.read(work), lambda a: a["ApiId"], MaxResults, NextToken)


async def update_api(ctx: Any, ApiId: str, CorsConfiguration: dict[str, Any] | None = None,
                     RouteKey: str | None = None, Target: str | None = None, CredentialsArn: str | None = None,
                     **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        api.update((k, v) for k, v in members.items() if v is not None and k in _SETTABLE)
        if CorsConfiguration is not None:
            api["CorsConfiguration"] = cors.normalize(CorsConfiguration)
        if Target or RouteKey:
            _retarget(tx, api, Target, RouteKey)
        deployments.changed(tx, ctx, api)
        return store.public(api)

    return await ctx.engine.transact(work)


async def delete_cors_configuration(ctx: Any, ApiId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        api.pop("CorsConfiguration", None)
        deployments.changed(tx, ctx, api)

    await ctx.engine.transact(work)


async def delete_api(ctx: Any, ApiId: str) -> None:
    def work(tx: Tx) -> None:
        store.api_of(tx, ctx, ApiId)
        for ns in store.CHILDREN:
            tx.delete_prefix(ns, f"{ApiId}/")
        tx.delete(store.NS_OWNERS, f"{ctx.account_id}/{ctx.region}/{ApiId}")
        tx.delete(store.NS_APIS, ApiId)
        runtime = ctx.runtime
        tx.after_commit(lambda: (store.forget_served(runtime, ApiId), clear_cache(runtime, f"{ApiId}/")))

    await ctx.engine.transact(work)
