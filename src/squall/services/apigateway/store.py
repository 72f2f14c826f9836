"""Where API Gateway (REST APIs) keeps its state — engine records, never SQL — and the
per-process cache the data plane reads.

Records (orjson documents):

* ``apigateway/apis`` ``{account}/{region}/{apiId}`` → one REST API *as edited*: ``api`` (the
  RestApi members), ``resources`` (id → Resource with its ``resourceMethods``, each method
  holding its ``methodResponses`` and ``methodIntegration`` with ``integrationResponses``),
  ``authorizers``, ``models`` (by name), ``validators``, ``responses`` (customized gateway
  responses by type). Kept whole because a deployment snapshots exactly this, and an API is
  a few kilobytes;
* ``apigateway/api-ids`` ``{apiId}`` → ``{account}/{region}``: who owns an id (the data plane
  sees nothing but the id);
* ``apigateway/deployments`` ``{apiId}/{deploymentId}`` → a deployment with ``snapshot``, the
  API document as it was when deployed: a stage serves its deployment, never live edits;
* ``apigateway/stages`` ``{apiId}/{stageName}``;
* ``apigateway/api-keys`` ``{account}/{region}/{keyId}`` and ``apigateway/api-key-values``
  ``{account}/{region}/{value}`` → key id (the data plane looks keys up by value);
* ``apigateway/usage-plans`` ``{account}/{region}/{planId}`` (its keys inside, as ``keys``).

Every change clears this process's serving cache once it commits (:func:`changed`); another
node sees changes within the cache's TTL (``serving`` module).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from typing import Any, TypeVar

from squall.engine.api import Tx
from squall.services.apigateway.errors import api_not_found, bad
from squall.services.records import load, save, scan  # noqa: F401 - the store's own API
from squall.services.refreshing import Refreshing, kept

T = TypeVar("T")

NS_APIS = "apigateway/apis"
NS_IDS = "apigateway/api-ids"
NS_DEPLOYMENTS = "apigateway/deployments"
NS_STAGES = "apigateway/stages"
NS_KEYS = "apigateway/api-keys"
NS_KEY_VALUES = "apigateway/api-key-values"
NS_PLANS = "apigateway/usage-plans"
NS_ACCOUNT = "apigateway/account"

_ALPHABET = string.ascii_lowercase + string.digits


def new_id(length: int = 6) -> str:
    """API Gateway's ids: lower-case alphanumerics (10 for APIs and keys, 6 for the rest)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def owner(ctx: Any) -> str:
    return f"{ctx.account_id}/{ctx.region}"





CACHE_TTL = 1.0  # seconds the serving cache's entries are used before they are looked up again


def cache(runtime: Any) -> Refreshing[tuple[Any, ...], Any]:
    """This process's serving cache (see ``deployed``): cleared whole on any change."""
    return kept(runtime, "apigateway", "serving", CACHE_TTL)


def changed(tx: Tx, runtime: Any) -> None:
    """Drop the serving cache once ``tx`` commits (changes are rare; serving reads are not)."""
    tx.after_commit(lambda: cache(runtime).clear())


# ---- the API document ------------------------------------------------------------------------
def api_key(ctx: Any, api_id: str) -> str:
    return f"{ctx.account_id}/{ctx.region}/{api_id}"


def get_api(tx: Tx, ctx: Any, api_id: str) -> dict[str, Any]:
    doc = load(tx, NS_APIS, api_key(ctx, api_id))
    if doc is None:
        raise api_not_found(ctx.account_id, api_id)
    return doc


async def read_api(ctx: Any, api_id: str) -> dict[str, Any]:
    return await ctx.engine.read(lambda tx: get_api(tx, ctx, api_id))


async def change_api(ctx: Any, api_id: str, fn: Callable[[Tx, dict[str, Any]], T]) -> T:
    """Run ``fn(tx, doc)`` on the API document and store the document as ``fn`` left it."""

    def work(tx: Tx) -> T:
        doc = get_api(tx, ctx, api_id)
        result = fn(tx, doc)
        save(tx, NS_APIS, api_key(ctx, api_id), doc)
        changed(tx, ctx.runtime)
        return result

    return await ctx.engine.transact(work)


# ---- listing ---------------------------------------------------------------------------------
def page(items: list[Any], position: str | None, limit: int | None, default: int = 25) -> dict[str, Any]:
    """``{"items": [...], "position": next}``: API Gateway's pagination (``limit`` ≤ 500; the
    position is opaque to clients — here the offset of the next page)."""
    if limit is not None and not 1 <= limit <= 500:
        raise bad("The limit must be between 1 and 500")
    size = limit or default
    try:
        start = int(position) if position else 0
    except ValueError:
        raise bad("Invalid position parameter") from None
    chunk = items[start:start + size]
    out: dict[str, Any] = {"items": chunk}
    if start + size < len(items):
        out["position"] = str(start + size)
    return out
