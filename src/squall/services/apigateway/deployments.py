"""Deployments: CreateDeployment, GetDeployment, GetDeployments, UpdateDeployment, DeleteDeployment.

A deployment is a snapshot of the API document as it was at that moment: the stages that
point at it serve that snapshot, never later edits, until the API is deployed again.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-deployments.html
"""

from __future__ import annotations

import copy
from typing import Any

from squall.apigw.announce import announce
from squall.engine.api import Tx
from squall.services.apigateway import patch, stages, store
from squall.services.apigateway.errors import bad, not_found

PATCH_SPEC: patch.Spec = {"description": "str"}


def dkey(api_id: str, deployment_id: str) -> str:
    return f"{api_id}/{deployment_id}"


def snapshot(doc: dict[str, Any]) -> dict[str, Any]:
    """What a stage serves: the API document without what serving never reads."""
    methods = [m for r in doc["resources"].values() for m in (r.get("resourceMethods") or {}).values()]
    if not methods:
        raise bad("The REST API doesn't contain any methods")
    if any(not m.get("methodIntegration") for m in methods):
        raise bad("No integration defined for method")
    snap = copy.deepcopy(doc)
    snap["api"].pop("tags", None)
    return snap


def summary(snap: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``apiSummary``: path → method → {authorizationType, apiKeyRequired}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for res in snap["resources"].values():
        for name, m in (res.get("resourceMethods") or {}).items():
            out.setdefault(res["path"], {})[name] = {"authorizationType": m.get("authorizationType", "NONE"),
                                                     "apiKeyRequired": bool(m.get("apiKeyRequired"))}
    return out


def shown(dep: dict[str, Any], embed: list[str] | None = None) -> dict[str, Any]:
    out = {k: dep[k] for k in ("id", "description", "createdDate") if dep.get(k) is not None}
    if embed and "apisummary" in embed:
        out["apiSummary"] = summary(dep["snapshot"])
    return out


def get(tx: Tx, api_id: str, deployment_id: str) -> dict[str, Any]:
    dep = store.load(tx, store.NS_DEPLOYMENTS, dkey(api_id, deployment_id))
    if dep is None:
        raise not_found("Deployment")
    return dep


async def create_deployment(ctx: Any, restApiId: str, stageName: str | None = None,
                            stageDescription: str | None = None, description: str | None = None,
                            cacheClusterEnabled: bool | None = None, cacheClusterSize: str | None = None,
                            variables: dict[str, str] | None = None, canarySettings: dict[str, Any] | None = None,
                            tracingEnabled: bool | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        doc = store.get_api(tx, ctx, restApiId)
        dep = {"id": store.new_id(), "description": description, "createdDate": round(tx.now, 3),
               "snapshot": snapshot(doc)}
        while tx.get(store.NS_DEPLOYMENTS, dkey(restApiId, dep["id"])) is not None:
            dep["id"] = store.new_id()
        store.save(tx, store.NS_DEPLOYMENTS, dkey(restApiId, dep["id"]), dep)
        if stageName:
            stages.deploy_to(tx, restApiId, stageName, dep["id"], stageDescription, variables,
                             cacheClusterEnabled, tracingEnabled)
            routes = [f"{method} {path}" for path, methods in summary(dep["snapshot"]).items() for method in methods]
            announce(tx, kind="REST API", api_id=restApiId, stage=stageName, routes=routes)
        store.changed(tx, ctx.runtime)
        return shown(dep)

    return await ctx.engine.transact(work)


async def get_deployment(ctx: Any, restApiId: str, deploymentId: str, embed: list[str] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        return shown(get(tx, restApiId, deploymentId), embed)

    return await ctx.engine.read(work)


async def get_deployments(ctx: Any, restApiId: str, position: str | None = None, limit: int | None = None) -> dict:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.get_api(tx, ctx, restApiId)
        return [shown(d) for _, d in store.scan(tx, store.NS_DEPLOYMENTS, restApiId + "/")]

    items = sorted(await ctx.engine.read(work), key=lambda d: (d["createdDate"], d["id"]))
    return store.page(items, position, limit)


async def update_deployment(ctx: Any, restApiId: str, deploymentId: str,
                            patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        dep = get(tx, restApiId, deploymentId)
        patch.apply(dep, patchOperations, PATCH_SPEC)
        store.save(tx, store.NS_DEPLOYMENTS, dkey(restApiId, deploymentId), dep)
        return shown(dep)

    return await ctx.engine.transact(work)


async def delete_deployment(ctx: Any, restApiId: str, deploymentId: str) -> dict:
    def work(tx: Tx) -> None:
        store.get_api(tx, ctx, restApiId)
        get(tx, restApiId, deploymentId)
        if any(s.get("deploymentId") == deploymentId for _, s in store.scan(tx, store.NS_STAGES, restApiId + "/")):
            raise bad("Active stages pointing to this deployment must be moved or deleted")
        tx.delete(store.NS_DEPLOYMENTS, dkey(restApiId, deploymentId))
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}
