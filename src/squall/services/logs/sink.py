"""The buffered, durable writer Lambda's runtime uses for function logs.

Functions log at a high rate (thousands of invocations a second, several lines each); one
engine transaction per line — or per invocation — would spend the whole write budget on
commits. So :meth:`LogSink.put` only appends to an in-memory buffer (synchronous, never
blocks), and a flush loop writes everything buffered in **one** transaction every
:attr:`~LogSink.interval` seconds, or as soon as :attr:`~LogSink.max_batch` events wait.
A flush creates missing log groups and streams on the way (as Lambda does: the function's
``/aws/lambda/<name>`` group and a stream per execution environment), appends the events
and updates each stream's statistics once.

Durability: an event is durable once the flush that carries it has committed —
``await sink.flush()`` forces one; :meth:`LogSink.close` (run when the server stops) flushes
what is left. A failing flush keeps its events for the next attempt (up to
:data:`MAX_ATTEMPTS`), then drops them with an error in the server log; a buffer grown past
:attr:`~LogSink.max_buffered` (the engine cannot keep up) drops the oldest events, counted
in :attr:`~LogSink.dropped`.

One sink per server: :func:`get_sink` keeps it in ``runtime.state["logs"]``; the logs
service's background task :func:`flush_on_shutdown` closes it when the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from squall.engine.api import Engine, Tx
from squall.services.logs import eventstore, store

log = logging.getLogger("squall.logs")

StreamId = tuple[str, str, str, str]  # (account, region, group, stream)
MAX_ATTEMPTS = 3
MAX_MESSAGE_BYTES = 1_048_576 - 26  # an event can be no larger than 1 MB (PutLogEvents' limit)


def _truncate(message: str) -> str:
    if len(message) * 4 <= MAX_MESSAGE_BYTES:
        return message
    raw = message.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_MESSAGE_BYTES:
        return message
    return raw[:MAX_MESSAGE_BYTES].decode("utf-8", "ignore")


class LogSink:
    """Buffers ``(timestamp ms, message)`` events per stream and writes them in batches."""

    def __init__(self, engine: Engine, *, interval: float = 0.1, max_batch: int = 2000,
                 max_buffered: int = 200_000) -> None:
        self.engine = engine
        self.interval = interval
        self.max_batch = max_batch
        self.max_buffered = max_buffered
        self.dropped = 0
        self.written = 0
        self._pending: deque[tuple[StreamId, list[tuple[int, str]], int]] = deque()  # (stream, events, attempts)
        self._count = 0
        self._wake: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def buffered(self) -> int:
        """Events waiting for a flush."""
        return self._count

    # ---- producer side -------------------------------------------------------------------------------
    def put(self, account: str, region: str, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        """Buffer ``events`` (``(timestamp ms, message)``) for ``group``/``stream``; returns at once.

        Call it on the event loop's thread (the flush loop starts there). Names are trusted
        (Lambda builds them); messages over 1 MB are truncated as AWS does."""
        if not events:
            return
        batch = [(int(ts), _truncate(message)) for ts, message in events]
        self._pending.append(((account, region, group, stream), batch, 0))
        self._count += len(batch)
        if self._count > self.max_buffered:
            self._shed()
        self.start()
        if self._count >= self.max_batch and self._wake is not None:
            self._wake.set()

    def _shed(self) -> None:
        while self._count > self.max_buffered and self._pending:
            _, events, _ = self._pending.popleft()
            self._count -= len(events)
            self.dropped += len(events)
        log.warning("log sink over %d buffered events: dropped the oldest (%d so far)", self.max_buffered,
                    self.dropped)

    # ---- flushing ----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the flush loop on the running event loop (a no-op outside one, or if running)."""
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._closed:
            return
        self._wake = asyncio.Event()
        self._lock = self._lock or asyncio.Lock()
        self._task = loop.create_task(self._run(), name="logs.sink")

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            if self._pending:
                try:
                    await self.flush()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001, S110 - logged in flush; the loop must survive
                    pass

    async def flush(self) -> int:
        """Write everything buffered now in one transaction; returns how many events were written."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._pending:
                return 0
            taken = list(self._pending)
            self._pending.clear()
            count = sum(len(events) for _, events, _ in taken)
            self._count -= count
            batch = eventstore.new_batch()
            try:
                await self.engine.transact(lambda tx: _write(tx, taken, batch))
            except Exception:
                self._retry(taken)
                log.exception("log sink: writing %d events failed", count)
                raise
            self.written += count
            return count

    def _retry(self, taken: list[tuple[StreamId, list[tuple[int, str]], int]]) -> None:
        keep = [(sid, events, attempts + 1) for sid, events, attempts in taken if attempts + 1 < MAX_ATTEMPTS]
        lost = sum(len(events) for _, events, attempts in taken if attempts + 1 >= MAX_ATTEMPTS)
        if lost:
            self.dropped += lost
            log.error("log sink: dropped %d events after %d failed writes", lost, MAX_ATTEMPTS)
        self._pending.extendleft(reversed(keep))
        self._count += sum(len(events) for _, events, _ in keep)

    async def close(self) -> None:
        """Stop the flush loop (letting a flush in progress finish) and write what is left."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            if self._wake is not None:
                self._wake.set()
            await asyncio.gather(task, return_exceptions=True)
        if self._pending:
            try:
                await self.flush()
            except Exception:  # noqa: BLE001, S110 - logged by flush; nothing more to do at shutdown
                pass


def _write(tx: Tx, taken: list[tuple[StreamId, list[tuple[int, str]], int]], batch: int) -> None:
    """One flush: every buffered event, each stream's record updated once."""
    by_stream: dict[StreamId, list[tuple[int, str]]] = {}
    for sid, events, _ in taken:
        by_stream.setdefault(sid, []).extend(events)
    groups: dict[tuple[str, str, str], store.LogGroup] = {}
    now = store.now_ms(tx)
    index = 0
    for (account, region, group_name, stream_name), events in by_stream.items():
        group = groups.get((account, region, group_name))
        if group is None:
            group = groups[(account, region, group_name)] = store.ensure_group(tx, account, region, group_name)
        stream = store.ensure_stream(tx, group, stream_name)
        index, size = eventstore.write(tx, group.gid, stream.sid, events, batch, index, now)
        stream.record(min(ts for ts, _ in events), max(ts for ts, _ in events), now, size)
        store.save_stream(tx, stream)


def get_sink(runtime: Any) -> LogSink:
    """The server's log sink (created on first use, kept in ``runtime.state["logs"]``); its flush
    loop starts on the running event loop."""
    sink = runtime.state.get("logs")
    if sink is None:
        sink = runtime.state["logs"] = LogSink(runtime.engine)
    sink.start()
    return sink


async def flush_on_shutdown(runtime: Any) -> None:
    """A logs-service background task: waits for the server to stop, then closes the sink so
    buffered function logs are committed before the engine closes. (The server cancels its
    background tasks right after signalling the stop; the flush runs in ``finally``.)"""
    try:
        if runtime.stopping is not None:
            await runtime.stopping.wait()
        else:  # pragma: no cover - a runtime without a stop signal: wait to be cancelled
            await asyncio.Event().wait()
    finally:
        sink = runtime.state.get("logs")
        if sink is not None:
            await sink.close()
