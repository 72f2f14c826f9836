"""CreateStage, GetStage(s), UpdateStage, DeleteStage, DeleteAccessLogSettings,
DeleteRouteSettings, ResetAuthorizersCache (HTTP APIs).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html

A stage serves one deployment (``DeploymentId``; with ``AutoDeploy`` every change of the API is
deployed to it at once). ``$default`` is served at the API's root, any other stage under its
name. Its own settings take effect without a deployment: ``StageVariables``,
``DefaultRouteSettings`` / ``RouteSettings`` (per route key; ``ThrottlingBurstLimit`` and
``ThrottlingRateLimit`` are enforced) and ``AccessLogSettings`` (``DestinationArn`` of a
CloudWatch Logs group and a ``Format`` of ``$context`` variables).
"""

from __future__ import annotations

import re
from typing import Any

from squall.apigw.authorizers import clear_cache
from squall.engine.api import Tx
from squall.services.apigatewayv2 import deployments, store
from squall.services.apigatewayv2.errors import BadRequest, Conflict, NotFound, stage_not_found

_NAME = re.compile(r"\$default|[A-Za-z0-9_-]{1,128}")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{0,512}")
_LOG_GROUP_ARN = re.compile(r"arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w#./-]+(:\*)?")
_ROUTE_SETTINGS = ("DataTraceEnabled", "DetailedMetricsEnabled", "LoggingLevel", "ThrottlingBurstLimit",
                   "ThrottlingRateLimit")


def require(tx: Tx, api_id: str, name: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_STAGES, f"{api_id}/{name}") if name else None
    if doc is None:
        raise stage_not_found(name)
    return doc


def _route_settings(value: dict[str, Any] | None, where: str) -> dict[str, Any]:
    out = {k: v for k, v in (value or {}).items() if k in _ROUTE_SETTINGS and v is not None}
    if out.get("LoggingLevel") is not None or out.get("DataTraceEnabled"):
        raise BadRequest(f"Execution logs are not supported on protocolType HTTP ({where})")
    burst, rate = out.get("ThrottlingBurstLimit"), out.get("ThrottlingRateLimit")
    if burst is not None and burst < 0 or rate is not None and rate < 0:
        raise BadRequest(f"Throttling limits must not be negative ({where})")
    out.setdefault("DetailedMetricsEnabled", False)
    return out


def _variables(value: dict[str, str]) -> dict[str, str]:
    for name, val in value.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise BadRequest(f"Stage variable name {name} must be alphanumeric or underscores, 1-64 characters")
        if not _VARIABLE_VALUE.fullmatch(val or ""):
            raise BadRequest(f"Stage variable value {val} contains characters API Gateway does not allow")
    return value


def _access_logs(value: dict[str, Any]) -> dict[str, Any]:
    arn, fmt = value.get("DestinationArn"), value.get("Format")
    if not arn or not _LOG_GROUP_ARN.fullmatch(arn):
        raise BadRequest(f"Invalid destination ARN specified: {arn}. Use the ARN of a CloudWatch Logs log group")
    if not fmt or "$context.requestId" not in fmt and "$context.extendedRequestId" not in fmt:
        raise BadRequest("Access log format must include at least $context.requestId or $context.extendedRequestId")
    return {"DestinationArn": arn, "Format": fmt}


def _check_route_keys(tx: Tx, api_id: str, settings: dict[str, Any]) -> None:
    keys = {r["RouteKey"] for r in store.children(tx, store.NS_ROUTES, api_id)}
    for key in settings:
        if key not in keys:
            raise NotFound(f"Unable to find Route by key {key} within the provided RouteSettings")


def _apply(tx: Tx, api_id: str, doc: dict[str, Any], members: dict[str, Any]) -> None:
    """Set the stage members given (merging RouteSettings and StageVariables per key)."""
    for name, value in members.items():
        if value is None:
            continue
        if name == "StageVariables":
            merged = {**doc.get("StageVariables", {}), **_variables(value)}
            doc[name] = {k: v for k, v in merged.items() if v != ""}
        elif name == "DefaultRouteSettings":
            doc[name] = _route_settings({**doc.get(name, {}), **value}, "DefaultRouteSettings")
        elif name == "RouteSettings":
            _check_route_keys(tx, api_id, value)
            current = doc.get("RouteSettings", {})
            for key, settings in value.items():
                current[key] = _route_settings({**current.get(key, {}), **(settings or {})}, key)
            doc[name] = current
        elif name == "AccessLogSettings":
            doc[name] = _access_logs(value)
        elif name == "DeploymentId":
            deployments.require(tx, api_id, value)
            doc[name] = value
        else:
            doc[name] = value


async def create_stage(ctx: Any, ApiId: str, StageName: str, Tags: dict[str, str] | None = None,
                       **members: Any) -> dict[str, Any]:
    if not _NAME.fullmatch(StageName or ""):
        raise BadRequest(f"Stage name {StageName} is invalid: use $default or letters, digits, '-' and '_'")

    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        if store.load(tx, store.NS_STAGES, f"{ApiId}/{StageName}") is not None:
            raise Conflict(f"Stage {StageName} already exists")
        now = store.now()
        doc: dict[str, Any] = {"CreatedDate": now, "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
                               "LastUpdatedDate": now, "RouteSettings": {}, "StageName": StageName,
                               "StageVariables": {}, "Tags": store.check_tags(Tags), "AutoDeploy": False}
        _apply(tx, ApiId, doc, members)
        store.save(tx, store.NS_STAGES, f"{ApiId}/{StageName}", doc)
        if doc["AutoDeploy"]:
            deployments.auto_deploy(tx, api, doc)
        store.touch(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def get_stage(ctx: Any, ApiId: str, StageName: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        return store.public(require(tx, ApiId, StageName))

    return await ctx.engine.read(work)


async def get_stages(ctx: Any, ApiId: str, MaxResults: str | None = None, NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.api_of(tx, ctx, ApiId)
        return [store.public(s) for s in store.children(tx, store.NS_STAGES, ApiId)]

    return store.page(await ctx.engine.read(work), lambda s: s["StageName"], MaxResults, NextToken)


async def update_stage(ctx: Any, ApiId: str, StageName: str, **members: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, StageName)
        was_auto = doc.get("AutoDeploy")
        _apply(tx, ApiId, doc, members)
        doc["LastUpdatedDate"] = store.now()
        store.save(tx, store.NS_STAGES, f"{ApiId}/{StageName}", doc)
        if doc.get("AutoDeploy") and not was_auto:
            deployments.auto_deploy(tx, api, doc)
        store.touch(tx, ctx, api)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def _edit(ctx: Any, api_id: str, name: str, edit: Any) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, api_id)
        doc = require(tx, api_id, name)
        edit(doc)
        store.save(tx, store.NS_STAGES, f"{api_id}/{name}", doc)
        store.touch(tx, ctx, api)

    await ctx.engine.transact(work)


async def delete_stage(ctx: Any, ApiId: str, StageName: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, StageName)
        tx.delete(store.NS_STAGES, f"{ApiId}/{StageName}")
        store.touch(tx, ctx, api)

    await ctx.engine.transact(work)


async def delete_access_log_settings(ctx: Any, ApiId: str, StageName: str) -> None:
    await _edit(ctx, ApiId, StageName, lambda doc: doc.pop("AccessLogSettings", None))


async def delete_route_settings(ctx: Any, ApiId: str, RouteKey: str, StageName: str) -> None:
    def edit(doc: dict[str, Any]) -> None:
        if RouteKey not in (doc.get("RouteSettings") or {}):
            raise NotFound(f"Unable to find route settings for route key {RouteKey}")
        del doc["RouteSettings"][RouteKey]

    await _edit(ctx, ApiId, StageName, edit)


async def reset_authorizers_cache(ctx: Any, ApiId: str, StageName: str) -> None:
    def work(tx: Tx) -> None:
        store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, StageName)

    await ctx.engine.read(work)
    clear_cache(ctx.runtime, f"{ApiId}/{StageName}/")
