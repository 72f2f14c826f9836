"""Usage of API keys in usage plans: the counts the quota is enforced on, and GetUsage /
UpdateUsage reporting and adjusting them.

Counts live in this server process's memory: per (plan, key, quota period) for the quota, and
per (plan, key, day) for GetUsage's daily report. A restart starts them again, and each node
of a cluster counts its own requests.
https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsage.html
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from squall.services.apigateway import api_keys, usage_plans
from squall.services.apigateway.errors import bad, not_found

_STATE_KEY = "apigateway.usage"


def _counts(runtime: Any) -> dict[tuple[str, ...], int]:
    return runtime.state.setdefault(_STATE_KEY, {})


def window(period: str, day: datetime.date, offset: int = 0) -> str:
    """The quota period ``day`` falls in (``offset`` days into a week or month start it later)."""
    if period == "DAY":
        return day.isoformat()
    shifted = day - datetime.timedelta(days=offset or 0)
    if period == "WEEK":
        year, week, _ = shifted.isocalendar()
        return f"{year}-W{week}"
    return f"{shifted.year}-{shifted.month:02d}"


def _today() -> datetime.date:
    return datetime.datetime.fromtimestamp(time.time(), datetime.UTC).date()


def take(runtime: Any, plan: dict[str, Any], key_id: str) -> bool:
    """Count one request of ``key_id`` in ``plan``; False (and nothing counted) past its quota."""
    counts = _counts(runtime)
    today = _today()
    quota = plan.get("quota")
    if quota and quota.get("limit") is not None:
        slot = ("quota", plan["id"], key_id, window(quota.get("period") or "MONTH", today, quota.get("offset", 0)))
        if counts.get(slot, 0) >= quota["limit"]:
            return False
        counts[slot] = counts.get(slot, 0) + 1
    daily = ("day", plan["id"], key_id, today.isoformat())
    counts[daily] = counts.get(daily, 0) + 1
    return True


async def get_usage(ctx: Any, usagePlanId: str, startDate: str, endDate: str, keyId: str | None = None,
                    position: str | None = None, limit: int | None = None) -> dict:
    try:
        start, end = datetime.date.fromisoformat(startDate), datetime.date.fromisoformat(endDate)
    except ValueError:
        raise bad("Invalid date format: dates are yyyy-MM-dd") from None
    if end < start or (end - start).days > 90:
        raise bad("The usage period must be at most 90 days, the end after the start")
    plan = await ctx.engine.read(lambda tx: usage_plans.get(tx, ctx, usagePlanId))
    counts = _counts(ctx.runtime)
    quota = plan.get("quota") or {}
    items: dict[str, list[list[int]]] = {}
    for key in [keyId] if keyId else plan.get("keys") or []:
        rows = []
        for n in range((end - start).days + 1):
            day = start + datetime.timedelta(days=n)
            used = counts.get(("day", plan["id"], key, day.isoformat()), 0)
            if quota.get("limit") is not None:
                slot = ("quota", plan["id"], key, window(quota.get("period") or "MONTH", day, quota.get("offset", 0)))
                remaining = max(quota["limit"] - counts.get(slot, 0), 0)
            else:
                remaining = 0
            rows.append([used, remaining])
        items[key] = rows
    return {"usagePlanId": usagePlanId, "startDate": startDate, "endDate": endDate, "items": items}


async def update_usage(ctx: Any, usagePlanId: str, keyId: str, patchOperations: list[dict] | None = None) -> dict:
    """``replace /remaining`` sets how many requests the key has left in the current quota period."""

    def read(tx: Any) -> dict[str, Any]:
        plan = usage_plans.get(tx, ctx, usagePlanId)
        api_keys.get(tx, ctx, keyId)
        if keyId not in plan["keys"]:
            raise not_found("Usage Plan Key")
        return plan

    plan = await ctx.engine.read(read)
    quota = plan.get("quota")
    if not quota:
        raise bad("The usage plan has no quota")
    today = _today()
    slot = ("quota", plan["id"], keyId, window(quota.get("period") or "MONTH", today, quota.get("offset", 0)))
    for operation in patchOperations or ():
        if operation.get("op") != "replace" or operation.get("path") != "/remaining":
            raise bad(f"Invalid patch path {operation.get('path')}: only replace /remaining is supported")
        try:
            remaining = int(operation.get("value"))
        except (TypeError, ValueError):
            raise bad("Invalid value for /remaining") from None
        _counts(ctx.runtime)[slot] = max(quota["limit"] - remaining, 0)
    today_text = today.isoformat()
    return await get_usage(ctx, usagePlanId, today_text, today_text, keyId)
