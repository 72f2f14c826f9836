"""Usage plans and their keys: CreateUsagePlan, GetUsagePlan, GetUsagePlans, UpdateUsagePlan,
DeleteUsagePlan, CreateUsagePlanKey, GetUsagePlanKey, GetUsagePlanKeys, DeleteUsagePlanKey.

A plan covers API stages (``apiStages``) and sets a ``throttle`` (steady rate and burst, per
key) and a ``quota`` (requests per DAY / WEEK / MONTH, per key); the data plane enforces both
(:mod:`.keys`). An API key may not be in two plans that cover the same stage.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import api_keys, patch, store
from squall.services.apigateway.errors import Conflict, NotFound, bad, not_found

PATCH_SPEC: patch.Spec = {
    "name": "str", "description": "str", "productCode": "str", "throttle/burstLimit": "int",
    "throttle/rateLimit": "float", "quota/limit": "int", "quota/period": "str", "quota/offset": "int",
}
_PERIODS = ("DAY", "WEEK", "MONTH")


def pkey(ctx: Any, plan_id: str) -> str:
    return f"{ctx.account_id}/{ctx.region}/{plan_id}"


def get(tx: Tx, ctx: Any, plan_id: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_PLANS, pkey(ctx, plan_id))
    if doc is None:
        raise NotFound("Invalid Usage Plan ID specified")
    return doc


def shown(plan: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plan.items() if v not in (None, {}) and k != "keys"} | {
        "apiStages": plan.get("apiStages") or []}


def _check(tx: Tx, ctx: Any, plan: dict[str, Any]) -> None:
    quota = plan.get("quota")
    if quota:
        if quota.get("period") not in _PERIODS:
            raise bad("Invalid quota period specified: DAY, WEEK or MONTH")
        if quota.get("limit") is None or quota["limit"] < 0:
            raise bad("Invalid quota limit specified")
    for stage in plan.get("apiStages") or ():
        api_id, name = stage.get("apiId"), stage.get("stage")
        if tx.get(store.NS_STAGES, f"{api_id}/{name}") is None or tx.get(store.NS_IDS, api_id) is None:
            raise NotFound(f"Invalid stage identifier specified: {api_id}:{name}")


def _api_stages(op: str, segs: list[str], value: Any, plan: dict[str, Any]) -> bool:
    """``add``/``remove`` ``/apiStages`` with value ``{apiId}:{stage}``."""
    if segs[0] != "apiStages":
        return False
    if len(segs) != 1 or op not in ("add", "remove") or ":" not in str(value or ""):
        raise bad(f"Invalid patch operation for /{'/'.join(segs)}: add or remove {{apiId}}:{{stage}}")
    api_id, stage = str(value).split(":", 1)
    stages = [s for s in plan.get("apiStages") or [] if (s["apiId"], s["stage"]) != (api_id, stage)]
    if op == "add":
        stages.append({"apiId": api_id, "stage": stage})
    plan["apiStages"] = stages
    return True


def _overlap(tx: Tx, ctx: Any, plan: dict[str, Any], key_id: str) -> None:
    mine = {(s["apiId"], s["stage"]) for s in plan.get("apiStages") or ()}
    for _, other in store.scan(tx, store.NS_PLANS, store.owner(ctx) + "/"):
        if other["id"] == plan["id"] or key_id not in other.get("keys", ()):
            continue
        common = mine & {(s["apiId"], s["stage"]) for s in other.get("apiStages") or ()}
        if common:
            api_id, stage = min(common)
            raise Conflict(f"Usage Plan {plan['id']} cannot be added because API Key {key_id} cannot reference "
                           f"multiple Usage Plans with the same API Stage: {api_id}:{stage}")


def attach(tx: Tx, ctx: Any, plan_id: str, key_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = get(tx, ctx, plan_id)
    key = api_keys.get(tx, ctx, key_id)
    if key_id in plan["keys"]:
        raise Conflict(f"Usage Plan {plan_id} already contains API Key {key_id}")
    _overlap(tx, ctx, plan, key_id)
    plan["keys"].append(key_id)
    store.save(tx, store.NS_PLANS, pkey(ctx, plan_id), plan)
    store.changed(tx, ctx.runtime)
    return plan, key


def key_shown(key: dict[str, Any]) -> dict[str, Any]:
    return {"id": key["id"], "type": "API_KEY", "value": key["value"], "name": key.get("name")}


# ---- usage plans ------------------------------------------------------------------------------
async def create_usage_plan(ctx: Any, name: str, description: str | None = None,
                            apiStages: list[dict[str, Any]] | None = None, throttle: dict[str, Any] | None = None,
                            quota: dict[str, Any] | None = None, tags: dict[str, str] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        plan = {"id": store.new_id(), "name": name, "description": description, "apiStages": apiStages or [],
                "throttle": throttle, "quota": quota, "tags": dict(tags or {}), "keys": []}
        _check(tx, ctx, plan)
        store.save(tx, store.NS_PLANS, pkey(ctx, plan["id"]), plan)
        store.changed(tx, ctx.runtime)
        return shown(plan)

    return await ctx.engine.transact(work)


async def get_usage_plan(ctx: Any, usagePlanId: str) -> dict:
    return shown(await ctx.engine.read(lambda tx: get(tx, ctx, usagePlanId)))


async def get_usage_plans(ctx: Any, position: str | None = None, keyId: str | None = None,
                          limit: int | None = None) -> dict:
    plans = [p for _, p in await ctx.engine.read(lambda tx: store.scan(tx, store.NS_PLANS, store.owner(ctx) + "/"))
             if keyId is None or keyId in p.get("keys", ())]
    result = store.page(sorted(plans, key=lambda p: p["id"]), position, limit)
    result["items"] = [shown(p) for p in result["items"]]
    return result


async def update_usage_plan(ctx: Any, usagePlanId: str, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        plan = patch.apply(get(tx, ctx, usagePlanId), patchOperations, PATCH_SPEC, _api_stages)
        _check(tx, ctx, plan)
        for key_id in plan["keys"]:
            _overlap(tx, ctx, plan, key_id)
        store.save(tx, store.NS_PLANS, pkey(ctx, usagePlanId), plan)
        store.changed(tx, ctx.runtime)
        return shown(plan)

    return await ctx.engine.transact(work)


async def delete_usage_plan(ctx: Any, usagePlanId: str) -> dict:
    def work(tx: Tx) -> None:
        get(tx, ctx, usagePlanId)
        tx.delete(store.NS_PLANS, pkey(ctx, usagePlanId))
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}


# ---- usage plan keys --------------------------------------------------------------------------
async def create_usage_plan_key(ctx: Any, usagePlanId: str, keyId: str, keyType: str) -> dict:
    if keyType != "API_KEY":
        raise bad("Invalid key type specified: API_KEY is the only type")
    return await ctx.engine.transact(lambda tx: key_shown(attach(tx, ctx, usagePlanId, keyId)[1]))


async def get_usage_plan_key(ctx: Any, usagePlanId: str, keyId: str) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        if keyId not in get(tx, ctx, usagePlanId)["keys"]:
            raise not_found("Usage Plan Key")
        return key_shown(api_keys.get(tx, ctx, keyId))

    return await ctx.engine.read(work)


async def get_usage_plan_keys(ctx: Any, usagePlanId: str, position: str | None = None, limit: int | None = None,
                              nameQuery: str | None = None) -> dict:
    def work(tx: Tx) -> list[dict[str, Any]]:
        plan = get(tx, ctx, usagePlanId)
        keys = [store.load(tx, store.NS_KEYS, api_keys.kkey(ctx, k)) for k in plan["keys"]]
        return [key_shown(k) for k in keys if k and (not nameQuery or (k.get("name") or "").startswith(nameQuery))]

    return store.page(await ctx.engine.read(work), position, limit)


async def delete_usage_plan_key(ctx: Any, usagePlanId: str, keyId: str) -> dict:
    def work(tx: Tx) -> None:
        plan = get(tx, ctx, usagePlanId)
        if keyId not in plan["keys"]:
            raise not_found("Usage Plan Key")
        plan["keys"].remove(keyId)
        store.save(tx, store.NS_PLANS, pkey(ctx, usagePlanId), plan)
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}
