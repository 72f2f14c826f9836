"""API keys and usage plans on the data plane: a method with ``apiKeyRequired`` needs an
enabled key (``x-api-key``, or the authorizer's ``usageIdentifierKey`` when the API's
``apiKeySource`` is ``AUTHORIZER``) in a usage plan that covers the stage — else 403
``Forbidden``; the plan's throttle (per key; a per-method throttle of the plan's API stage
wins) answers 429 ``Too Many Requests`` and its quota 429 ``Limit Exceeded``.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html

The keys and plans of an account are read once per cache period (``store.CACHE_TTL``), not per
request. Throttle buckets and quota counts are per server process and kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.apigw import throttle
from squall.services.apigateway import store, usage
from squall.services.apigateway.call import Call


@dataclass
class _Index:
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # value → key
    #: (key id, api id, stage) → plan
    plans: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)


async def _index(runtime: Any, account: str, region: str) -> _Index:
    prefix = f"{account}/{region}/"

    def read(tx: Any) -> _Index:
        index = _Index()
        for _, key in store.scan(tx, store.NS_KEYS, prefix):
            index.keys[key["value"]] = key
        for _, plan in store.scan(tx, store.NS_PLANS, prefix):
            for key_id in plan.get("keys") or ():
                for stage in plan.get("apiStages") or ():
                    index.plans[(key_id, stage["apiId"], stage["stage"])] = plan
        return index

    return await store.cache(runtime).get(("keys", account, region), lambda: runtime.engine.read(read))


async def check(runtime: Any, call: Call, usage_key: str | None) -> str | None:
    """None when the request may go on, else the gateway response type to answer with."""
    stage = call.stage
    source = call.deployment.api.get("apiKeySource") or "HEADER"
    value = usage_key if source == "AUTHORIZER" else call.header("x-api-key")
    if not value:
        return "INVALID_API_KEY"
    index = await _index(runtime, stage.account, stage.region)
    key = index.keys.get(value)
    if key is None or not key.get("enabled"):
        return "INVALID_API_KEY"
    plan = index.plans.get((key["id"], stage.api_id, stage.name))
    if plan is None:
        return "INVALID_API_KEY"
    call.identity.update(apiKey=value, apiKeyId=key["id"])
    call.changed()
    limits = plan.get("throttle") or {}
    for api_stage in plan.get("apiStages") or ():
        if api_stage["apiId"] == stage.api_id and api_stage["stage"] == stage.name:
            per_method = (api_stage.get("throttle") or {}).get(f"{call.match.resource['path']}/{call.http_method}")
            limits = per_method or limits
    if limits and not throttle.admit(runtime, ("plan", plan["id"], key["id"]), limits.get("rateLimit"),
                                     limits.get("burstLimit")):
        return "THROTTLED"
    if not usage.take(runtime, plan, key["id"]):
        return "QUOTA_EXCEEDED"
    return None
