"""From a function name (or ARN, with or without a qualifier) to the FunctionSpec the runtime runs.

This runs on every invocation, so it is built for the hit path: the name is parsed once and
memoized (:func:`names.locate`), and the resolved target sits in a per-process cache
(:class:`~squall.services.refreshing.Refreshing`: fresh for :data:`store.CACHE_TTL` seconds, then
refreshed in the background while still answering), dropped on commit by every local change of
the function (``store.touch``) — another node's changes are seen within about the TTL. A miss
costs one ``engine.peek`` of a few point lookups.

An alias resolves to its version; with ``RoutingConfig`` the additional version is picked at
random by weight on every call (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html).
A version is served as of its last successful activation (``live``): while an update is in
progress invocations keep running the previous code, as on Lambda. A version that is still
being created is waited for briefly when this process is activating it; a version that is
not ready (still Pending, or Failed) comes back with that ``FunctionSpec.state`` and is not
cached — callers refuse to run it (Invoke answers Lambda's ResourceConflictException).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from squall.engine.api import Tx
from squall.runtime.spec import FunctionSpec
from squall.services.lambda_ import activation, code, names, store
from squall.services.lambda_.dependencies import deps_dir
from squall.services.lambda_.errors import function_not_found
from squall.services.lambda_.names import LATEST, function_arn

PENDING_WAIT = 3.0  # seconds an invoke waits for a version this process is still activating


class _Routed:
    """A resolved qualifier: the main version's spec and, for a weighted alias, one more."""

    __slots__ = ("extra", "main", "ready", "weight")

    def __init__(self, main: FunctionSpec, extra: FunctionSpec | None = None, weight: float = 0.0,
                 ready: bool = True) -> None:
        self.main, self.extra, self.weight, self.ready = main, extra, weight, ready

    def pick(self) -> FunctionSpec:
        if self.extra is not None and random.random() < self.weight:
            return self.extra
        return self.main


async def resolve(ctx: Any, function_name: str, qualifier: str | None) -> FunctionSpec:
    """The version an Invoke of ``function_name`` (+ ``Qualifier``) runs, or Lambda's error for it."""
    account, region, name, qual = names.locate(function_name, qualifier, ctx.account_id, ctx.region)
    return await _resolve(ctx.runtime, account, region, name, qual)


async def resolve_arn(runtime: Any, arn: str) -> FunctionSpec:
    """The same for background callers holding a function ARN (optionally qualified)."""
    parsed = names.parse_function_arn(arn)
    if parsed is None:
        raise function_not_found(arn)
    account, region, name, qual = parsed
    return await _resolve(runtime, account, region, name, qual)


async def _resolve(runtime: Any, account: str, region: str, name: str, qualifier: str | None) -> FunctionSpec:
    fk = store.fkey(account, region, name)
    qual = qualifier or LATEST
    routed = await store.cache(runtime).get((fk, qual), lambda: _load(runtime, account, region, name, qual, qualifier),
                                            keep=lambda routed: routed.ready)
    return routed.pick()


def _read(tx: Tx, fk: str, qual: str) -> tuple[dict[str, Any] | None, list[tuple[str, dict[str, Any] | None]],
                                                dict[str, Any] | None]:
    """(function record, [(version key, version doc)] — main first, then a weighted one —, alias)."""
    fn = store.load(tx, store.NS_FUNCTIONS, fk)
    if fn is None:
        return None, [], None
    alias = None
    wanted = [qual]
    if qual != LATEST and not names.is_version(qual):
        alias = store.load(tx, store.NS_ALIASES, f"{fk}/{qual}")
        if alias is None:
            return fn, [], None
        wanted = [alias["FunctionVersion"], *(alias.get("Weights") or {})]
    keys = [store.vkey(fk, v) for v in wanted]
    return fn, [(k, store.load(tx, store.NS_VERSIONS, k)) for k in keys], alias


async def _load(runtime: Any, account: str, region: str, name: str, qual: str, asked: str | None) -> _Routed:
    """The routed specs; ``ready`` says whether they may be cached (only versions that are ready)."""
    fk = store.fkey(account, region, name)
    fn, docs, alias = await runtime.engine.peek(lambda tx: _read(tx, fk, qual))
    if fn is None or not docs or any(doc is None for _, doc in docs):
        raise function_not_found(function_arn(region, account, name, asked))
    specs = []
    ready = True
    for key, doc in docs:
        assert doc is not None
        if doc.get("live") is None and doc["state"] == "Pending":
            await activation.settle(runtime, key, PENDING_WAIT)
            doc = await runtime.engine.peek(lambda tx, k=key: store.load(tx, store.NS_VERSIONS, k))
            if doc is None:
                raise function_not_found(function_arn(region, account, name, asked))
        ready = ready and doc.get("live") is not None
        specs.append(await _spec(runtime, account, region, name, doc, fn))
    if alias is not None and len(specs) > 1:
        weight = float(next(iter(alias["Weights"].values())))
        return _Routed(specs[0], specs[1], weight, ready)
    return _Routed(specs[0], ready=ready)


async def _spec(runtime: Any, account: str, region: str, name: str, doc: dict[str, Any],
                fn: dict[str, Any]) -> FunctionSpec:
    """The spec of a version as it runs: its ``live`` configuration when it has one (State
    Active, even while an update is in progress); otherwise its configuration as submitted,
    with ``state`` Pending or Failed — the caller must not run it."""
    live = doc.get("live")
    ready = live is not None
    src = live if ready else {"cfg": doc["cfg"], "code": doc["code"], "deps": None, "rev": doc["rev"]}
    cfg = src["cfg"]
    code_dir = code.code_dir(runtime, src["code"])
    if ready and not src["code"].get("hot") and not code_dir.is_dir():
        code_dir = await code.ensure_dir(runtime, src["code"])  # removed by hand: extract it again
    layer_dirs: list[Path] = []
    for layer in cfg.get("Layers") or ():
        path = code.code_dir(runtime, layer)
        if ready and not layer.get("hot") and not path.is_dir():
            path = await code.ensure_dir(runtime, layer)
        layer_dirs.append(path)
    logging_cfg = cfg.get("LoggingConfig") or {}
    return FunctionSpec(
        account=account, region=region, name=name, version=doc["v"],
        arn=function_arn(region, account, name),
        runtime=cfg["Runtime"], handler=cfg["Handler"],
        code_dir=code_dir, layer_dirs=tuple(layer_dirs),
        extra_paths=(deps_dir(runtime, src["deps"]),) if src.get("deps") else (),
        memory_size=cfg.get("MemorySize", 128), timeout=cfg.get("Timeout", 3),
        ephemeral_storage=cfg.get("EphemeralStorage", 512),
        environment=dict(cfg.get("Environment") or {}),
        log_group=logging_cfg.get("LogGroup") or f"/aws/lambda/{name}",
        log_format=logging_cfg.get("LogFormat", "Text"),
        application_log_level=logging_cfg.get("ApplicationLogLevel"),
        system_log_level=logging_cfg.get("SystemLogLevel"),
        reserved_concurrency=fn.get("reserved"),
        code_sha256=src["code"]["b64"], revision_id=src["rev"],
        dead_letter_arn=cfg.get("DeadLetterConfig"), role=cfg.get("Role", ""),
        architecture=(cfg.get("Architectures") or ["x86_64"])[0],
        state="Active" if ready else doc["state"],
    )
