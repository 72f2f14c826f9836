"""Stages: CreateStage, GetStage, GetStages, UpdateStage, DeleteStage, FlushStageCache,
FlushStageAuthorizersCache.

A stage names the deployment it serves, its stage variables (``$stageVariables`` / the event's
``stageVariables``) and per-method settings; squall serves the throttling settings
(``throttlingRateLimit`` / ``throttlingBurstLimit``, 429 when exceeded). Method settings are
patched as ``/{resource path, '/' as ~1}/{METHOD}/{group}/{setting}`` (``/*/*/throttling/rateLimit``).
https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, bad, not_found

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_VARIABLE = re.compile(r"^[A-Za-z0-9_]{1,64}$")

PATCH_SPEC: patch.Spec = {
    "deploymentId": "str", "description": "str", "variables": "map", "cacheClusterEnabled": "bool",
    "cacheClusterSize": "str", "tracingEnabled": "bool", "clientCertificateId": "str", "webAclArn": "str",
    "documentationVersion": "str", "accessLogSettings/format": "str", "accessLogSettings/destinationArn": "str",
    "canarySettings/percentTraffic": "float", "canarySettings/deploymentId": "str",
    "canarySettings/useStageCache": "bool",
}

#: ``{group}/{setting}`` of a patch path → (MethodSetting member, kind)
_SETTINGS = {
    "metrics/enabled": ("metricsEnabled", "bool"), "logging/loglevel": ("loggingLevel", "str"),
    "logging/dataTrace": ("dataTraceEnabled", "bool"), "throttling/burstLimit": ("throttlingBurstLimit", "int"),
    "throttling/rateLimit": ("throttlingRateLimit", "float"), "caching/enabled": ("cachingEnabled", "bool"),
    "caching/ttlInSeconds": ("cacheTtlInSeconds", "int"), "caching/dataEncrypted": ("cacheDataEncrypted", "bool"),
    "caching/requireAuthorizationForCacheControl": ("requireAuthorizationForCacheControl", "bool"),
    "caching/unauthorizedCacheControlHeaderStrategy": ("unauthorizedCacheControlHeaderStrategy", "str"),
}
_METHOD_SETTING_DEFAULTS = {
    "metricsEnabled": False, "loggingLevel": "OFF", "dataTraceEnabled": False, "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0, "cachingEnabled": False, "cacheTtlInSeconds": 300, "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


def skey(api_id: str, stage: str) -> str:
    return f"{api_id}/{stage}"


def get(tx: Tx, api_id: str, stage: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_STAGES, skey(api_id, stage))
    if doc is None:
        raise not_found("Stage")
    return doc


def check_variables(variables: dict[str, str] | None) -> None:
    for name, value in (variables or {}).items():
        if not _VARIABLE.match(name):
            raise bad(f"Stage variable name {name} is invalid: only alphanumeric characters and underscores")
        if len(value) > 512:
            raise bad(f"Stage variable value for {name} is too long: at most 512 characters")


def new_stage(name: str, deployment_id: str, now: float, **members: Any) -> dict[str, Any]:
    if not _NAME.match(name or ""):
        raise bad("Stage name only allows a-zA-Z0-9_-")
    check_variables(members.get("variables"))
    stage = {"stageName": name, "deploymentId": deployment_id, "description": members.get("description"),
             "cacheClusterEnabled": bool(members.get("cacheClusterEnabled")),
             "cacheClusterSize": members.get("cacheClusterSize"), "cacheClusterStatus": "NOT_AVAILABLE",
             "methodSettings": {}, "variables": dict(members.get("variables") or {}),
             "tracingEnabled": bool(members.get("tracingEnabled")), "tags": dict(members.get("tags") or {}),
             "createdDate": round(now, 3), "lastUpdatedDate": round(now, 3)}
    return stage


def deploy_to(tx: Tx, api_id: str, name: str, deployment_id: str, description: str | None,
              variables: dict[str, str] | None, cache: bool | None, tracing: bool | None) -> None:
    """CreateDeployment with a stage name: point the stage at the deployment, creating it if needed
    (the deployment's ``variables`` are merged into an existing stage's)."""
    stage = store.load(tx, store.NS_STAGES, skey(api_id, name))
    if stage is None:
        stage = new_stage(name, deployment_id, tx.now, description=description, variables=variables,
                          cacheClusterEnabled=cache, tracingEnabled=tracing)
    else:
        check_variables(variables)
        stage["deploymentId"] = deployment_id
        stage["variables"] = {**(stage.get("variables") or {}), **(variables or {})}
        if description is not None:
            stage["description"] = description
        stage["lastUpdatedDate"] = round(tx.now, 3)
    store.save(tx, store.NS_STAGES, skey(api_id, name), stage)


def shown(stage: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stage.items() if v is not None}


def _method_settings(op: str, segs: list[str], value: Any, stage: dict[str, Any]) -> bool:
    """``/{resource}/{METHOD}/{group}/{setting}`` patches of ``methodSettings``."""
    if segs[0] in PATCH_SPEC or segs[0].split("/")[0] in ("accessLogSettings", "canarySettings") or len(segs) < 2:
        return False
    key = f"{segs[0].replace('/', '~1')}/{segs[1]}"
    settings = stage.setdefault("methodSettings", {})
    if len(segs) == 2:
        if op != "remove":
            raise bad(f"Invalid method setting path: /{'/'.join(segs)}")
        settings.pop(key, None)
        return True
    setting = _SETTINGS.get("/".join(segs[2:]))
    if setting is None:
        raise bad(f"Invalid method setting path: /{'/'.join(segs)}")
    member, kind = setting
    entry = settings.setdefault(key, dict(_METHOD_SETTING_DEFAULTS))
    if op == "remove":
        entry[member] = _METHOD_SETTING_DEFAULTS[member]
    else:
        entry[member] = patch.convert(kind, value, "/" + "/".join(segs))
    return True


# ---- operations -------------------------------------------------------------------------------
async def create_stage(ctx: Any, restApiId: str, stageName: str, deploymentId: str,
                       description: str | None = None, cacheClusterEnabled: bool | None = None,
                       cacheClusterSize: str | None = None, variables: dict[str, str] | None = None,
                       documentationVersion: str | None = None, canarySettings: dict[str, Any] | None = None,
                       tracingEnabled: bool | None = None, tags: dict[str, str] | None = None) -> dict:
    from squall.services.apigateway import deployments

    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        deployments.get(tx, restApiId, deploymentId)
        if tx.get(store.NS_STAGES, skey(restApiId, stageName)) is not None:
            raise Conflict("Stage already exists")
        stage = new_stage(stageName, deploymentId, tx.now, description=description,
                          cacheClusterEnabled=cacheClusterEnabled, cacheClusterSize=cacheClusterSize,
                          variables=variables, tracingEnabled=tracingEnabled, tags=tags)
        store.save(tx, store.NS_STAGES, skey(restApiId, stageName), stage)
        store.changed(tx, ctx.runtime)
        return shown(stage)

    return await ctx.engine.transact(work)


async def get_stage(ctx: Any, restApiId: str, stageName: str) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        return shown(get(tx, restApiId, stageName))

    return await ctx.engine.read(work)


async def get_stages(ctx: Any, restApiId: str, deploymentId: str | None = None) -> dict:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.get_api(tx, ctx, restApiId)
        return [shown(s) for _, s in store.scan(tx, store.NS_STAGES, restApiId + "/")
                if deploymentId is None or s.get("deploymentId") == deploymentId]

    return {"item": await ctx.engine.read(work)}


async def update_stage(ctx: Any, restApiId: str, stageName: str, patchOperations: list[dict] | None = None) -> dict:
    from squall.services.apigateway import deployments

    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        stage = get(tx, restApiId, stageName)
        patch.apply(stage, patchOperations, PATCH_SPEC, _method_settings)
        deployments.get(tx, restApiId, stage["deploymentId"])
        check_variables(stage.get("variables"))
        stage["lastUpdatedDate"] = round(tx.now, 3)
        store.save(tx, store.NS_STAGES, skey(restApiId, stageName), stage)
        store.changed(tx, ctx.runtime)
        return shown(stage)

    return await ctx.engine.transact(work)


async def delete_stage(ctx: Any, restApiId: str, stageName: str) -> dict:
    def work(tx: Tx) -> None:
        store.get_api(tx, ctx, restApiId)
        get(tx, restApiId, stageName)
        tx.delete(store.NS_STAGES, skey(restApiId, stageName))
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}


async def flush_stage_cache(ctx: Any, restApiId: str, stageName: str) -> dict:
    """Squall keeps no response cache: nothing to flush (the stage must exist)."""
    await get_stage(ctx, restApiId, stageName)
    return {}


async def flush_stage_authorizers_cache(ctx: Any, restApiId: str, stageName: str) -> dict:
    """Drop this process's cached authorizer results for the stage (another node's expire by TTL)."""
    from squall.apigw.authorizers import clear_cache

    await get_stage(ctx, restApiId, stageName)
    clear_cache(ctx.runtime, f"{restApiId}/{stageName}/")
    return {}
