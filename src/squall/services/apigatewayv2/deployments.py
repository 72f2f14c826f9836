"""CreateDeployment, GetDeployment(s), UpdateDeployment, DeleteDeployment — and the snapshot a
deployment is, plus auto-deploy.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html: "A deployment is
a snapshot of your API configuration. After you deploy an API to a stage, it's available for
clients to invoke. […] If you enable automatic deployments, changes to an API are automatically
released for you." So a deployment freezes the API's routes, integrations, authorizers and the
API-level settings that shape serving (CORS, the disabled execute-api endpoint); the stage's own
settings (variables, throttling, access logs) take effect without one.

Every operation that changes what a deployment freezes calls :func:`changed`, which redeploys the
stages with ``AutoDeploy`` in the same transaction (``AutoDeployed: true`` deployments).
"""

from __future__ import annotations

from typing import Any

from squall.apigw.announce import announce
from squall.engine.api import Tx
from squall.services.apigatewayv2 import store
from squall.services.apigatewayv2.errors import BadRequest, not_found, stage_not_found

#: API members a deployment freezes
_API_SETTINGS = ("CorsConfiguration", "DisableExecuteApiEndpoint")
NO_ROUTES = "Unable to deploy API because no routes exist in this API"


def freeze(tx: Tx, api: dict[str, Any]) -> dict[str, Any]:
    """What a deployment of ``api`` would serve now (ExportApi describes this too, routes or not)."""
    api_id = api["ApiId"]
    return {
        "api": {k: api[k] for k in _API_SETTINGS if k in api},
        "routes": [store.public(r) for r in store.children(tx, store.NS_ROUTES, api_id)],
        "integrations": {i["IntegrationId"]: store.public(i) for i in store.children(tx, store.NS_INTEGRATIONS, api_id)},
        "authorizers": {a["AuthorizerId"]: store.public(a) for a in store.children(tx, store.NS_AUTHORIZERS, api_id)},
    }


def snapshot(tx: Tx, api: dict[str, Any]) -> dict[str, Any] | None:
    """What a deployment of ``api`` serves now, or None when it has no route to serve."""
    frozen = freeze(tx, api)
    return frozen if frozen["routes"] else None


def deploy(tx: Tx, api: dict[str, Any], *, description: str | None = None, auto: bool = False) -> dict[str, Any]:
    """A new deployment of ``api`` (BadRequest when it has no routes)."""
    frozen = snapshot(tx, api)
    if frozen is None:
        raise BadRequest(NO_ROUTES)
    doc: dict[str, Any] = {"AutoDeployed": auto, "CreatedDate": store.now(), "DeploymentId": store.new_id(),
                           "DeploymentStatus": "DEPLOYED", "_snapshot": frozen}
    if description is not None:
        doc["Description"] = description
    store.save(tx, store.NS_DEPLOYMENTS, f"{api['ApiId']}/{doc['DeploymentId']}", doc)
    return doc


def point(tx: Tx, api_id: str, stage: dict[str, Any], deployment: dict[str, Any]) -> None:
    """Make ``stage`` serve ``deployment``."""
    stage["DeploymentId"] = deployment["DeploymentId"]
    stage["LastUpdatedDate"] = store.now()
    stage["LastDeploymentStatusMessage"] = (
        f"Successfully deployed stage with deployment ID '{deployment['DeploymentId']}'")
    store.save(tx, store.NS_STAGES, f"{api_id}/{stage['StageName']}", stage)
    routes = [r["RouteKey"] for r in (deployment.get("_snapshot") or {}).get("routes", [])]
    announce(tx, kind="HTTP API", api_id=api_id, stage=stage["StageName"], routes=routes)


def auto_deploy(tx: Tx, api: dict[str, Any], stage: dict[str, Any]) -> None:
    """Deploy ``api`` to an auto-deploy ``stage`` now (a note in the stage when there is nothing to deploy)."""
    try:
        deployment = deploy(tx, api, auto=True)
    except BadRequest as exc:
        stage["LastDeploymentStatusMessage"] = f"Deployment attempt failed: {exc.message}"
        store.save(tx, store.NS_STAGES, f"{api['ApiId']}/{stage['StageName']}", stage)
        return
    point(tx, api["ApiId"], stage, deployment)


def changed(tx: Tx, ctx: Any, api: dict[str, Any]) -> None:
    """``api`` (or a route, integration or authorizer of it) changed: redeploy its auto-deploy
    stages and record the change (:func:`store.touch`)."""
    for stage in store.children(tx, store.NS_STAGES, api["ApiId"]):
        if stage.get("AutoDeploy"):
            auto_deploy(tx, api, stage)
    store.touch(tx, ctx, api)


def require(tx: Tx, api_id: str, deployment_id: str) -> dict[str, Any]:
    """The deployment, or NotFound."""
    doc = store.load(tx, store.NS_DEPLOYMENTS, f"{api_id}/{deployment_id}") if deployment_id else None
    if doc is None:
        raise not_found("Deployment", deployment_id)
    return doc


# ---- operations -----------------------------------------------------------------------------------
async def create_deployment(ctx: Any, ApiId: str, Description: str | None = None,
                            StageName: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        api = store.api_of(tx, ctx, ApiId)
        stage = None
        if StageName:
            stage = store.load(tx, store.NS_STAGES, f"{ApiId}/{StageName}")
            if stage is None:
                raise stage_not_found(StageName)
            if stage.get("AutoDeploy"):
                raise BadRequest(f"Stage {StageName} has AutoDeploy enabled: deployments to it are made "
                                 "automatically and cannot be created manually")
        deployment = deploy(tx, api, description=Description)
        if stage is not None:
            point(tx, ApiId, stage, deployment)
        store.touch(tx, ctx, api)
        return store.public(deployment)

    return await ctx.engine.transact(work)


async def get_deployment(ctx: Any, ApiId: str, DeploymentId: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        return store.public(require(tx, ApiId, DeploymentId))

    return await ctx.engine.read(work)


async def get_deployments(ctx: Any, ApiId: str, MaxResults: str | None = None,
                          NextToken: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> list[dict[str, Any]]:
        store.api_of(tx, ctx, ApiId)
        return [store.public(d) for d in store.children(tx, store.NS_DEPLOYMENTS, ApiId)]

    items = await ctx.engine.read(work)
    return store.page(items, lambda d: d["DeploymentId"], MaxResults, NextToken)


async def update_deployment(ctx: Any, ApiId: str, DeploymentId: str, Description: str | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        store.api_of(tx, ctx, ApiId)
        doc = require(tx, ApiId, DeploymentId)
        if Description is not None:
            doc["Description"] = Description
        store.save(tx, store.NS_DEPLOYMENTS, f"{ApiId}/{DeploymentId}", doc)
        return store.public(doc)

    return await ctx.engine.transact(work)


async def delete_deployment(ctx: Any, ApiId: str, DeploymentId: str) -> None:
    def work(tx: Tx) -> None:
        api = store.api_of(tx, ctx, ApiId)
        require(tx, ApiId, DeploymentId)
        users = [s["StageName"] for s in store.children(tx, store.NS_STAGES, ApiId)
                 if s.get("DeploymentId") == DeploymentId]
        if users:
            raise BadRequest(f"Active stages pointing to this deployment must be moved or deleted: {', '.join(users)}")
        tx.delete(store.NS_DEPLOYMENTS, f"{ApiId}/{DeploymentId}")
        store.touch(tx, ctx, api)

    await ctx.engine.transact(work)
