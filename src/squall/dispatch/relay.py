"""The outbox relay: delivers events recorded with ``Tx.emit`` at least once.

A state change and the events it causes commit together (the outbox); this
loop leases them from the engine's ``outbox/<topic>`` queues, calls the
handler registered for the topic and acks only after the handler returned. A
crash between delivery and ack re-delivers after the lease expires — hence
at-least-once, and consumers are idempotent where AWS promises more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from squall.engine.api import OUTBOX_PREFIX, Engine, queue_channel

log = logging.getLogger("squall.relay")

Handler = Callable[[bytes], Awaitable[None]]


class OutboxRelay:
    LEASE_SECONDS = 10.0  # an event leased by a process that died is redelivered this soon
    BATCH = 32
    RETRY_DELAY = 1.0

    def __init__(self, engine: Engine, stopping: asyncio.Event) -> None:
        self.engine = engine
        self.stopping = stopping
        self.handlers: dict[str, Handler] = {}
        self._changed = asyncio.Event()

    def register(self, topic: str, handler: Handler) -> None:
        """Deliver events of ``topic`` to ``handler`` (one handler per topic)."""
        self.handlers[topic] = handler
        self._changed.set()

    async def run(self) -> None:
        while not self.stopping.is_set():
            delivered = 0
            for topic, handler in list(self.handlers.items()):
                delivered += await self._drain(topic, handler)
            if delivered:
                continue
            await self._wait()

    async def _wait(self) -> None:
        """Sleep until any topic's queue is notified (or a short safety timeout)."""
        if not self.handlers:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=5.0)
            except TimeoutError:
                pass
            return
        waits = [
            asyncio.ensure_future(self.engine.wait(queue_channel(OUTBOX_PREFIX + t), 1.0))
            for t in self.handlers
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _drain(self, topic: str, handler: Handler) -> int:
        queue = OUTBOX_PREFIX + topic
        items = await self.engine.transact(lambda tx: tx.lease(queue, self.BATCH, self.LEASE_SECONDS))
        done = []
        for item in items:
            try:
                await handler(item.body)
                done.append(item)
            except Exception:
                log.exception("outbox handler for %s failed; will retry", topic)
                await self.engine.transact(
                    lambda tx, i=item: tx.set_visibility(queue, i.id, i.lease_token, self.RETRY_DELAY)
                )
        if done:
            await self.engine.transact(lambda tx: [tx.ack(queue, i.id, i.lease_token) for i in done])
        return len(items)
