"""A per-process cache of engine-derived views for the request path: fresh for ``ttl`` seconds,
then served stale while **one** background load refreshes it.

Why not a plain TTL cache: the data plane (Invoke, function URLs, HTTP APIs) resolves the same
few records on every request. When a plain entry expires, every request in flight at that moment
misses and reads the engine at once — thousands of reads a second on a busy route, which on
PostgreSQL (a thread hop and a round trip each) showed up as a p99 spike every TTL. Here:

* a miss is loaded once; concurrent askers await that same load;
* an expired entry keeps answering while a single refresh runs in the background;
* a load that fails drops the entry, so the next ask loads again and meets the error itself;
* :meth:`drop` (called on commit of a local change) removes the entry and disowns any load in
  flight, so this node sees its own changes at once; another cluster node's changes show
  within ``ttl`` plus one load.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Refreshing(Generic[K, V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._loads: dict[K, asyncio.Task[V]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]], keep: Callable[[V], bool] | None = None) -> V:
        """The value for ``key``: cached, or loaded by ``load()`` (kept only if ``keep(value)``)."""
        hit = self._entries.get(key)
        if hit is not None:
            if hit[0] <= time.monotonic() and key not in self._loads:
                self._start(key, load, keep)
            return hit[1]
        task = self._loads.get(key) or self._start(key, load, keep)
        return await asyncio.shield(task)

    def peek(self, key: K) -> V | None:
        """The cached value, fresh or stale, without loading."""
        hit = self._entries.get(key)
        return None if hit is None else hit[1]

    def drop(self, key: K) -> None:
        self._entries.pop(key, None)
        self._loads.pop(key, None)

    def drop_where(self, match: Callable[[K], bool]) -> None:
        for key in [k for k in self._entries if match(k)] + [k for k in self._loads if match(k)]:
            self.drop(key)

    def clear(self) -> None:
        self._entries.clear()
        self._loads.clear()

    def _start(self, key: K, load: Callable[[], Awaitable[V]], keep: Callable[[V], bool] | None) -> asyncio.Task[V]:
        task = asyncio.ensure_future(load())
        self._loads[key] = task
        task.add_done_callback(lambda t: self._done(key, t, keep))
        return task

    def _done(self, key: K, task: asyncio.Task[V], keep: Callable[[V], bool] | None) -> None:
        if task.cancelled() or task.exception() is not None:  # (retrieving the exception marks it seen)
            if self._loads.get(key) is task:
                self.drop(key)
            return
        if self._loads.get(key) is not task:  # dropped meanwhile: a change overtook this load
            return
        del self._loads[key]
        value = task.result()
        if keep is not None and not keep(value):
            self._entries.pop(key, None)
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)


def kept(runtime: Any, service: str, name: str, ttl: float) -> Refreshing[Any, Any]:
    """The server's cache ``name`` of ``service`` (``runtime.state[service][name]``), made on first use."""
    state = runtime.state.setdefault(service, {})
    cache = state.get(name)
    if cache is None:
        cache = state[name] = Refreshing(ttl)
    return cache
