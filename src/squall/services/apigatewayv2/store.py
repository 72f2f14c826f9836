"""Where HTTP APIs live (engine records, never SQL) and the helpers every operation shares.

Records, all orjson documents holding the model's output members under their own names (so a
Get returns the document minus the internal ``_``-prefixed keys):

* ``apigwv2/apis`` ``{apiId}`` → the API (``_account``, ``_region``, ``_rev``: bumped by every change
  to the API or anything in it, which is how serving caches notice); API ids are global, which
  lets the data plane find an API from the id in the URL alone;
* ``apigwv2/owners`` ``{account}/{region}/{apiId}`` → ``b""``: GetApis' listing;
* ``apigwv2/routes``, ``apigwv2/integrations``, ``apigwv2/authorizers`` ``{apiId}/{id}``;
* ``apigwv2/stages`` ``{apiId}/{stageName}``;
* ``apigwv2/deployments`` ``{apiId}/{deploymentId}`` → the deployment and ``_snapshot``: the
  routes, integrations, authorizers and API settings it froze (what a stage serves).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.apigatewayv2.errors import BadRequest, api_not_found
from squall.services.records import load, save
from squall.services.refreshing import Refreshing, kept

NS_APIS = "apigwv2/apis"
NS_OWNERS = "apigwv2/owners"
NS_ROUTES = "apigwv2/routes"
NS_INTEGRATIONS = "apigwv2/integrations"
NS_AUTHORIZERS = "apigwv2/authorizers"
NS_STAGES = "apigwv2/stages"
NS_DEPLOYMENTS = "apigwv2/deployments"
CHILDREN = (NS_ROUTES, NS_INTEGRATIONS, NS_AUTHORIZERS, NS_STAGES, NS_DEPLOYMENTS)

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_id(length: int = 7) -> str:
    """A random id of lower-case letters and digits: APIs have 10 characters, the rest 7."""
    return "".join(_ALPHABET[b % 36] for b in os.urandom(length))


def now() -> float:
    return time.time()




def children(tx: Tx, ns: str, api_id: str) -> list[dict[str, Any]]:
    return [orjson.loads(v) for _, v in tx.scan(ns, prefix=f"{api_id}/")]


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the model's output: internal ``_`` keys dropped."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def api_of(tx: Tx, ctx: Any, api_id: str) -> dict[str, Any]:
    """The caller's API ``api_id`` or AWS's NotFoundException."""
    doc = load(tx, NS_APIS, api_id) if api_id else None
    if doc is None or doc["_account"] != ctx.account_id or doc["_region"] != ctx.region:
        raise api_not_found(ctx.account_id, api_id)
    return doc


SERVED_TTL = 1.0  # seconds a serving view is used before its revision is checked again


def served_cache(runtime: Any) -> Refreshing[str, Any]:
    """apiId → the serving view (:mod:`.served`): dropped on commit of any change to the API."""
    return kept(runtime, "apigatewayv2", "served", SERVED_TTL)


def forget_served(runtime: Any, api_id: str) -> None:
    served_cache(runtime).drop(api_id)


def touch(tx: Tx, ctx: Any, api: dict[str, Any]) -> None:
    """Record a change to ``api`` or anything in it: bump its revision and drop this process's
    serving view once ``tx`` commits (other nodes notice the revision within a second)."""
    api["_rev"] = api.get("_rev", 0) + 1
    save(tx, NS_APIS, api["ApiId"], api)
    api_id, runtime = api["ApiId"], ctx.runtime
    tx.after_commit(lambda: forget_served(runtime, api_id))


def page(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str], max_results: str | None,
         next_token: str | None) -> dict[str, Any]:
    """``{"Items": […], "NextToken": …}``: ``items`` in ``key`` order after ``next_token`` (the key
    of the previous page's last item), at most ``MaxResults`` (a string in this model)."""
    limit = None
    if max_results not in (None, ""):
        try:
            limit = int(max_results)
        except ValueError:
            raise BadRequest(f"Invalid MaxResults: {max_results}") from None
        if limit < 1:
            raise BadRequest("MaxResults must be greater than 0")
    items = sorted(items, key=key)
    if next_token:
        items = [i for i in items if key(i) > next_token]
    out: dict[str, Any] = {"Items": items[:limit] if limit else items}
    if limit and len(items) > limit:
        out["NextToken"] = key(items[limit - 1])
    return out


def check_tags(tags: dict[str, str] | None) -> dict[str, str]:
    tags = dict(tags or {})
    if len(tags) > 50:
        raise BadRequest("Too many tags: a resource can have at most 50 tags")
    for k, v in tags.items():
        if not 1 <= len(k) <= 128 or len(v or "") > 256 or k.lower().startswith("aws:"):
            raise BadRequest(f"Invalid tag: {k}")
    return tags
