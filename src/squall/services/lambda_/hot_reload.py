"""Hot reload: an edit under a local code directory reaches the next invocation within a second.

A function (or layer) deployed from a local directory (``Code={"S3Bucket": "hot-reload",
"S3Key": "/abs/dir"}``, see :mod:`.code`; what ``sam``-style templates with a local ``CodeUri``
become) runs that directory in place, so a cold start always sees the current files — but a
warm worker keeps the modules it imported. This background task watches every such directory
(``watchfiles``: inotify/FSEvents, polling where neither exists) and, when something under one
changes, replaces the warm workers of the functions using it (:meth:`Pool.retire
<squall.runtime.pool.Pool.retire>`: idle ones at once, busy ones after their current
invocation), logging ``code changed in DIR: replacing warm workers of FUNCTIONS``.

``requirements.txt`` in such a directory is installed when the function is created or updated
(:mod:`.activation`); here a changed file is installed again (:func:`dependencies.ensure` keys
installs by content, so an unchanged file costs a hash, never a pip run) and the versions
using the directory switch to the new install. The same check runs when a directory starts
being watched, which covers edits made while the server was down.

The set of directories is re-read from the function records every :data:`RESCAN` seconds (a
read of ``lambda/versions``, off the write path); the watcher restarts when it changes. A
directory that becomes watched also has its warm workers replaced once: an edit made between
the function's first invocation and the start of the watch would otherwise go unseen.
Each server watches for itself: in cluster mode every node replaces its own workers.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squall.engine.api import Tx
from squall.runtime.pool import get_pool
from squall.runtime.spec import FunctionSpec
from squall.services.lambda_ import dependencies, store

log = logging.getLogger("squall.lambda")

RESCAN = 2.0  # seconds between re-reads of the set of hot-reload directories
DEBOUNCE_MS = 300  # watchfiles groups a burst of writes (an editor's save) into one change set
STEP_MS = 50


@dataclass
class Users:
    """Who runs one hot-reload directory: version record keys (as code) and function names."""

    code_keys: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


def _function_name(version_key: str) -> str:
    """``{account}/{region}/{name}/{version}`` → the function name."""
    return version_key.rsplit("/", 2)[-2]


def _hot_dirs(docs: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Users]:
    """Every hot-reload directory the versions use as code or as a layer, with its users."""
    found: dict[str, Users] = {}
    for key, doc in docs:
        name = _function_name(key)
        for src in (doc, doc.get("live") or {}):
            code = src.get("code") or {}
            if code.get("hot"):
                users = found.setdefault(code["hot"], Users())
                users.code_keys.add(key)
                users.names.add(name)
            for layer in (src.get("cfg") or {}).get("Layers") or ():
                if layer.get("hot"):
                    found.setdefault(layer["hot"], Users()).names.add(name)
    return found


async def known_dirs(runtime: Any) -> dict[str, Users]:
    return await runtime.engine.read(lambda tx: _hot_dirs(store.scan(tx, store.NS_VERSIONS, "")))


def _under(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or inside it (as given, or through symlinks: some
    platforms report changes under the real path)."""
    path = os.path.normpath(path)
    for base in {os.path.normpath(directory), os.path.realpath(directory)}:
        if path == base or path.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def _uses(spec: FunctionSpec, directory: str) -> bool:
    return any(_under(str(d), directory) for d in (spec.code_dir, *spec.layer_dirs))


def replace_workers(runtime: Any, directory: str, users: Users, why: str = "code changed") -> None:
    """Retire the warm workers running ``directory`` and say so."""
    get_pool(runtime).retire(lambda spec: _uses(spec, directory))
    log.info("%s in %s: replacing warm workers of %s", why, directory, ", ".join(sorted(users.names)))


# ---- requirements.txt ----------------------------------------------------------------------
async def refresh_requirements(runtime: Any, directory: str, users: Users) -> bool:
    """Install ``directory``'s requirements.txt again if it changed, and point the versions that
    run it at the install. Returns whether any version changed."""
    changed = False
    for key in sorted(users.code_keys):
        doc = await runtime.engine.read(lambda tx, k=key: store.load(tx, store.NS_VERSIONS, k))
        live = (doc or {}).get("live")
        if live is None or live["code"].get("hot") != directory:
            continue
        try:
            deps = await dependencies.ensure(runtime, Path(directory), live["cfg"]["Runtime"], live["code"]["b64"])
        except dependencies.DependencyError as exc:
            log.error("%s/requirements.txt could not be installed; %s keeps its previous dependencies: %s",
                      directory, _function_name(key), exc)
            continue
        if deps != live.get("deps"):
            switched = await runtime.engine.transact(lambda tx, k=key, d=deps: _switch_deps(tx, runtime, k, directory, d))
            changed = changed or switched
    return changed


def _switch_deps(tx: Tx, runtime: Any, key: str, directory: str, deps: str | None) -> bool:
    doc = store.load(tx, store.NS_VERSIONS, key)
    live = (doc or {}).get("live")
    if doc is None or live is None or live["code"].get("hot") != directory or live.get("deps") == deps:
        return False
    live["deps"] = deps
    store.save(tx, store.NS_VERSIONS, key, doc)
    store.touch(tx, runtime, key.rsplit("/", 1)[0])
    return True


async def _requirements_changed(runtime: Any, directory: str, users: Users) -> None:
    try:
        if await refresh_requirements(runtime, directory, users):
            replace_workers(runtime, directory, users, "requirements.txt changed and was installed")
    except Exception:
        log.exception("re-installing %s/requirements.txt failed", directory)


# ---- the watcher ---------------------------------------------------------------------------
async def _sleep(runtime: Any, seconds: float) -> bool:
    """Sleep, woken early by the server stopping; True when it is stopping."""
    if runtime.stopping is None:
        await asyncio.sleep(seconds)
        return False
    try:
        await asyncio.wait_for(runtime.stopping.wait(), seconds)
    except TimeoutError:
        pass
    return runtime.stopping.is_set()


def _existing(dirs: Iterable[str]) -> list[str]:
    return sorted(d for d in dirs if os.path.isdir(d))


class _Watcher:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.watched: dict[str, Users] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def adopt(self, dirs: dict[str, Users]) -> None:
        """Watch ``dirs`` from now on; directories new to the watch get their warm workers
        replaced and their requirements checked."""
        for directory in sorted(set(dirs) - set(self.watched)):
            get_pool(self.runtime).retire(lambda spec, d=directory: _uses(spec, d))
            if os.path.isfile(os.path.join(directory, dependencies.REQUIREMENTS)):
                self._spawn(_requirements_changed(self.runtime, directory, dirs[directory]))
        self.watched = dirs

    def changed(self, paths: set[str]) -> None:
        for directory, users in self.watched.items():
            hit = [p for p in paths if _under(p, directory)]
            if not hit:
                continue
            replace_workers(self.runtime, directory, users)
            if any(os.path.basename(p) == dependencies.REQUIREMENTS for p in hit):
                self._spawn(_requirements_changed(self.runtime, directory, users))

    async def _until_moved(self, watching: list[str], stop: asyncio.Event) -> None:
        """Set ``stop`` when the directories to watch change (or appear, or vanish) or the server stops."""
        while not await _sleep(self.runtime, RESCAN):
            try:
                dirs = await known_dirs(self.runtime)
            except Exception:
                log.exception("listing hot-reload directories failed")
                continue
            if set(dirs) != set(self.watched) or _existing(dirs) != watching:
                break
            self.watched = dirs  # the same directories, perhaps used by other functions now
        stop.set()

    async def run(self) -> None:
        from watchfiles import awatch

        while self.runtime.stopping is None or not self.runtime.stopping.is_set():
            self.adopt(await known_dirs(self.runtime))
            watching = _existing(self.watched)
            if not watching:
                if await _sleep(self.runtime, RESCAN):
                    return
                continue
            stop = asyncio.Event()
            mover = asyncio.ensure_future(self._until_moved(watching, stop))
            try:
                async for changes in awatch(*watching, stop_event=stop, debounce=DEBOUNCE_MS, step=STEP_MS,
                                            rust_timeout=1000):
                    self.changed({path for _change, path in changes})
            finally:
                stop.set()
                mover.cancel()

    def cancel_pending(self) -> None:
        for task in list(self.tasks):
            task.cancel()


def watched(runtime: Any) -> set[str]:
    """The hot-reload directories this server watches now (for ``squall status`` and tests)."""
    watcher = runtime.state.get("lambda", {}).get("hot-reload")
    return set(watcher.watched) if watcher is not None else set()


async def watch(runtime: Any) -> None:
    """The Lambda service's background task (see the module docstring)."""
    watcher = _Watcher(runtime)
    runtime.state.setdefault("lambda", {})["hot-reload"] = watcher
    try:
        while True:
            try:
                await watcher.run()
                return
            except Exception:
                log.exception("the hot-reload watcher failed; restarting it")
                if await _sleep(runtime, RESCAN):
                    return
    finally:
        watcher.cancel_pending()
