"""The step that makes a function version ready: Pending → Active (or Failed) after a create,
LastUpdateStatus InProgress → Successful (or Failed) after an update.

https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html: a new function is
``Pending`` ("The function is being created.", reason code ``Creating``) until Lambda has
prepared it; an update is ``InProgress`` while invocations keep running the previous code
and configuration. squall's preparation is: make sure the code (and layers) are extracted,
then install ``requirements.txt`` (:mod:`.dependencies`). Without requirements that takes
milliseconds; boto3's ``function_active_v2`` / ``function_updated_v2`` waiters see it.

The step runs as an asyncio task started after the commit that left the version pending
(:func:`schedule`). Its outcome is written only if the version has not changed since
(``irev``), so a newer update supersedes an older one. A server stopped mid-step leaves the
version pending in the database: :func:`recover` (a background task at start-up) picks
every such version up again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import code, dependencies, store

log = logging.getLogger("squall.lambda")

CREATING_REASON = "The function is being created."


def pending(doc: dict[str, Any]) -> bool:
    update = doc.get("update") or {}
    return doc["state"] == "Pending" or update.get("status") == "InProgress"


def _tasks(runtime: Any) -> dict[str, asyncio.Task[None]]:
    return runtime.state.setdefault("lambda", {}).setdefault("activations", {})


def schedule(tx: Tx, runtime: Any, key: str) -> None:
    """Activate version ``key`` once ``tx`` commits."""
    tx.after_commit(lambda: start(runtime, key))


def start(runtime: Any, key: str) -> asyncio.Task[None]:
    tasks = _tasks(runtime)
    task = asyncio.ensure_future(_run(runtime, key))
    tasks[key] = task

    def done(t: asyncio.Task[None]) -> None:
        if tasks.get(key) is t:
            del tasks[key]

    task.add_done_callback(done)
    return task


async def settle(runtime: Any, key: str, timeout: float) -> None:
    """Wait (at most ``timeout`` seconds) for this process's activation of ``key``, if one runs."""
    task = _tasks(runtime).get(key)
    if task is None or task.done():
        return
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        return  # still running: the caller reads whatever state the version is in


async def _run(runtime: Any, key: str) -> None:
    try:
        await activate(runtime, key)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("activating %s failed", key)


async def activate(runtime: Any, key: str) -> None:
    doc = await runtime.engine.read(lambda tx: store.load(tx, store.NS_VERSIONS, key))
    if doc is None or not pending(doc):
        return
    irev = doc["irev"]
    deps: str | None = None
    failure: tuple[str, str] | None = None
    try:
        path = await code.ensure_dir(runtime, doc["code"])
        for layer in doc["cfg"].get("Layers") or ():
            await code.ensure_dir(runtime, layer)
        if doc["code"].get("hot") and not path.is_dir():
            raise FileNotFoundError(f"The hot-reload directory {path} does not exist.")
        deps = await dependencies.ensure(runtime, path, doc["cfg"]["Runtime"], doc["code"]["b64"])
    except dependencies.DependencyError as exc:
        failure = ("DependencyError", str(exc))
    except FileNotFoundError as exc:
        failure = ("InvalidConfiguration", f"The function's code is not available: {exc}")
    except Exception as exc:
        log.exception("preparing %s failed", key)
        failure = ("InternalError", f"squall could not prepare the function: {exc}")

    def work(tx: Tx) -> None:
        cur = store.load(tx, store.NS_VERSIONS, key)
        if cur is None or cur["irev"] != irev:
            return  # deleted or changed meanwhile: a newer activation owns it
        cur["rev"] = store.new_revision()
        if failure is None:
            cur["live"] = {"cfg": cur["cfg"], "code": cur["code"], "deps": deps, "rev": cur["rev"]}
            if cur["state"] == "Pending":
                cur["state"], cur["state_reason"], cur["state_code"] = "Active", None, None
            cur["update"] = {"status": "Successful"}
        else:
            reason_code, reason = failure
            if cur["state"] == "Pending":
                cur["state"], cur["state_reason"], cur["state_code"] = "Failed", reason, reason_code
            cur["update"] = {"status": "Failed", "reason": reason, "code": reason_code}
        store.save(tx, store.NS_VERSIONS, key, cur)
        store.touch(tx, runtime, key.rsplit("/", 1)[0])

    await runtime.engine.transact(work)


async def recover(runtime: Any) -> None:
    """At start-up: finish every activation a previous run left pending."""
    found = await runtime.engine.read(
        lambda tx: [k for k, d in store.scan(tx, store.NS_VERSIONS, "") if pending(d)])
    for key in found:
        start(runtime, key)
    if found:
        log.info("resuming the activation of %d function version(s)", len(found))
