"""GetAccount / UpdateAccount: the account-level settings of API Gateway in a region — the
CloudWatch role and the account's default throttle (10,000 requests/s, burst 5,000).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store

RATE_LIMIT = 10000.0
BURST_LIMIT = 5000
PATCH_SPEC: patch.Spec = {"cloudwatchRoleArn": "str", "features": "list"}


def _account(tx: Tx, ctx: Any) -> dict[str, Any]:
    return store.load(tx, store.NS_ACCOUNT, store.owner(ctx)) or {}


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    out = {"throttleSettings": {"burstLimit": BURST_LIMIT, "rateLimit": RATE_LIMIT},
           "features": doc.get("features") or ["UsagePlans"], "apiKeyVersion": "4"}
    if doc.get("cloudwatchRoleArn"):
        out["cloudwatchRoleArn"] = doc["cloudwatchRoleArn"]
    return out


async def get_account(ctx: Any) -> dict:
    return shown(await ctx.engine.read(lambda tx: _account(tx, ctx)))


async def update_account(ctx: Any, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        doc = patch.apply(_account(tx, ctx), patchOperations, PATCH_SPEC)
        store.save(tx, store.NS_ACCOUNT, store.owner(ctx), doc)
        return shown(doc)

    return await ctx.engine.transact(work)
