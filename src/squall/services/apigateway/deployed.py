"""What the data plane serves, looked up fast: who owns an API id, and a stage with its
deployment compiled (route tree, authorizers, models…) — cached per process.

* owners and stages are cached for :data:`store.CACHE_TTL` seconds, then refreshed in the
  background while still answering (:class:`~squall.services.refreshing.Refreshing`; another
  node's changes show within about that); this process's own changes clear the cache when they
  commit (``store.changed``);
* a compiled deployment never changes (a deployment is immutable), so it is kept by id.

No transaction per request: lookups are the engine's point reads (``engine.peek``) and only
happen when the cache has nothing fresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from squall.services.apigateway import store, tree

_COMPILED_KEY = "apigateway.deployments"
_COMPILED_LIMIT = 512


@dataclass
class Deployment:
    id: str
    api: dict[str, Any]
    root: tree.Node
    authorizers: dict[str, Any]
    models: dict[str, Any]
    validators: dict[str, Any]
    responses: dict[str, Any]
    #: per-deployment memo of derived things (compiled schemas…), filled as requests need them
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def binary_media_types(self) -> list[str]:
        return self.api.get("binaryMediaTypes") or []


@dataclass
class Stage:
    api_id: str
    account: str
    region: str
    name: str
    variables: dict[str, str]
    method_settings: dict[str, Any]
    deployment: Deployment


async def owner(runtime: Any, api_id: str) -> tuple[str, str] | None:
    """(account, region) of REST API ``api_id``, or None when it is not one."""

    async def load() -> tuple[str, str] | None:
        raw = await runtime.engine.peek(lambda tx: tx.get(store.NS_IDS, api_id))
        return tuple(raw.decode().split("/", 1)) if raw else None  # type: ignore[return-value]

    return await store.cache(runtime).get(("owner", api_id), load)


async def stage(runtime: Any, api_id: str, name: str) -> Stage | None:
    """The stage ``name`` of ``api_id`` with its deployment, or None when there is no such stage."""
    return await store.cache(runtime).get(("stage", api_id, name), lambda: _stage(runtime, api_id, name))


async def _stage(runtime: Any, api_id: str, name: str) -> Stage | None:
    where = await owner(runtime, api_id)
    if where is None:
        return None
    raw = await runtime.engine.peek(lambda tx: tx.get(store.NS_STAGES, f"{api_id}/{name}"))
    if raw is None:
        return None
    doc = orjson.loads(raw)
    deployment = await _deployment(runtime, api_id, doc["deploymentId"])
    if deployment is None:
        return None
    return Stage(api_id, where[0], where[1], name, doc.get("variables") or {}, doc.get("methodSettings") or {},
                 deployment)


async def _deployment(runtime: Any, api_id: str, deployment_id: str) -> Deployment | None:
    compiled: dict[tuple[str, str], Deployment] = runtime.state.setdefault(_COMPILED_KEY, {})
    found = compiled.get((api_id, deployment_id))
    if found is not None:
        return found
    raw = await runtime.engine.peek(lambda tx: tx.get(store.NS_DEPLOYMENTS, f"{api_id}/{deployment_id}"))
    if raw is None:
        return None
    snap = orjson.loads(raw)["snapshot"]
    found = Deployment(deployment_id, snap["api"], tree.compile_tree(snap["resources"]), snap.get("authorizers") or {},
                       snap.get("models") or {}, snap.get("validators") or {}, snap.get("responses") or {})
    if len(compiled) >= _COMPILED_LIMIT:
        compiled.clear()
    compiled[(api_id, deployment_id)] = found
    return found
