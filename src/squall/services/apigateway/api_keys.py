"""API keys: CreateApiKey, GetApiKey, GetApiKeys, UpdateApiKey, DeleteApiKey, ImportApiKeys.

A key is looked up by its value on every request to a method with ``apiKeyRequired`` (the
``x-api-key`` header, or the authorizer's ``usageIdentifierKey`` when the API's
``apiKeySource`` is ``AUTHORIZER``); it must be enabled and belong to a usage plan that covers
the API's stage. Keys are disabled unless created with ``enabled``, as in AWS.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

import csv
import io
import secrets
import string
from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, bad, not_found

PATCH_SPEC: patch.Spec = {"name": "str", "description": "str", "enabled": "bool", "customerId": "str",
                          "stages": "list"}
_VALUE_CHARS = string.ascii_letters + string.digits


def kkey(ctx: Any, key_id: str) -> str:
    return f"{ctx.account_id}/{ctx.region}/{key_id}"


def vkey(ctx: Any, value: str) -> str:
    return f"{ctx.account_id}/{ctx.region}/{value}"


def get(tx: Tx, ctx: Any, key_id: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_KEYS, kkey(ctx, key_id))
    if doc is None:
        raise not_found("API Key")
    return doc


def shown(key: dict[str, Any], include_value: bool = False) -> dict[str, Any]:
    out = {k: v for k, v in key.items() if v is not None and k != "value"}
    out["stageKeys"] = list(key.get("stages") or [])
    out.pop("stages", None)
    if include_value:
        out["value"] = key["value"]
    return out


def add(tx: Tx, ctx: Any, name: str | None, value: str | None, enabled: bool, description: str | None = None,
        customer_id: str | None = None, stage_keys: list[dict[str, str]] | None = None,
        tags: dict[str, str] | None = None) -> dict[str, Any]:
    if value is not None and len(value) < 20:
        raise bad("API Key value should be at least 20 characters")
    value = value or "".join(secrets.choice(_VALUE_CHARS) for _ in range(40))
    if tx.get(store.NS_KEY_VALUES, vkey(ctx, value)) is not None:
        raise Conflict("API Key already exists")
    stages = []
    for sk in stage_keys or ():
        stages.append(f"{sk.get('restApiId')}/{sk.get('stageName')}")
    key = {"id": store.new_id(10), "value": value, "name": name, "customerId": customer_id,
           "description": description, "enabled": enabled, "createdDate": round(tx.now, 3),
           "lastUpdatedDate": round(tx.now, 3), "stages": stages, "tags": dict(tags or {})}
    store.save(tx, store.NS_KEYS, kkey(ctx, key["id"]), key)
    tx.put(store.NS_KEY_VALUES, vkey(ctx, value), key["id"].encode())
    store.changed(tx, ctx.runtime)
    return key


async def create_api_key(ctx: Any, name: str | None = None, description: str | None = None,
                         enabled: bool | None = None, generateDistinctId: bool | None = None,
                         value: str | None = None, stageKeys: list[dict[str, str]] | None = None,
                         customerId: str | None = None, tags: dict[str, str] | None = None) -> dict:
    return await ctx.engine.transact(lambda tx: shown(
        add(tx, ctx, name, value, bool(enabled), description, customerId, stageKeys, tags), include_value=True))


async def get_api_key(ctx: Any, apiKey: str, includeValue: bool | None = None) -> dict:
    return shown(await ctx.engine.read(lambda tx: get(tx, ctx, apiKey)), bool(includeValue))


async def get_api_keys(ctx: Any, position: str | None = None, limit: int | None = None,
                       nameQuery: str | None = None, customerId: str | None = None,
                       includeValues: bool | None = None) -> dict:
    prefix = store.owner(ctx) + "/"
    keys = [k for _, k in await ctx.engine.read(lambda tx: store.scan(tx, store.NS_KEYS, prefix))]
    keys = [k for k in keys if (not nameQuery or (k.get("name") or "").startswith(nameQuery))
            and (not customerId or k.get("customerId") == customerId)]
    keys.sort(key=lambda k: (k["createdDate"], k["id"]))
    result = store.page(keys, position, limit)
    result["items"] = [shown(k, bool(includeValues)) for k in result["items"]]
    return result


async def update_api_key(ctx: Any, apiKey: str, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx) -> dict[str, Any]:
        key = patch.apply(get(tx, ctx, apiKey), patchOperations, PATCH_SPEC)
        key["lastUpdatedDate"] = round(tx.now, 3)
        store.save(tx, store.NS_KEYS, kkey(ctx, apiKey), key)
        store.changed(tx, ctx.runtime)
        return shown(key)

    return await ctx.engine.transact(work)


async def delete_api_key(ctx: Any, apiKey: str) -> dict:
    def work(tx: Tx) -> None:
        key = get(tx, ctx, apiKey)
        tx.delete(store.NS_KEYS, kkey(ctx, apiKey))
        tx.delete(store.NS_KEY_VALUES, vkey(ctx, key["value"]))
        for plan_key, plan in store.scan(tx, store.NS_PLANS, store.owner(ctx) + "/"):
            if apiKey in plan.get("keys", ()):
                plan["keys"].remove(apiKey)
                store.save(tx, store.NS_PLANS, plan_key, plan)
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}


async def import_api_keys(ctx: Any, body: bytes, format: str, failOnWarnings: bool | None = None) -> dict:
    """The CSV format of the console's import: ``name,key,description,enabled,usageplanIds``
    (header names case-insensitive; ``key``/``value`` both accepted)."""
    if format != "csv":
        raise bad("Invalid format specified: only csv is supported")
    from squall.services.apigateway.openapi import read

    text = (await read(body)).decode("utf-8-sig", "replace")
    rows = list(csv.DictReader(io.StringIO(text)))

    def work(tx: Tx) -> list[str]:
        from squall.services.apigateway.usage_plans import attach

        ids = []
        for row in rows:
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            key = add(tx, ctx, row.get("name") or None, row.get("key") or row.get("value") or None,
                      row.get("enabled", "true").lower() != "false", row.get("description") or None)
            for plan_id in filter(None, (row.get("usageplanids") or "").split(":")):
                attach(tx, ctx, plan_id, key["id"])
            ids.append(key["id"])
        return ids

    return {"ids": await ctx.engine.transact(work), "warnings": []}
