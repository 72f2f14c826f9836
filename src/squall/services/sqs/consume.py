"""Consuming a queue from inside the server (Lambda's event source pollers), not over the API.

An internal consumer is an SQS consumer like any other: it leases messages with the queue's
own visibility timeout through the same code as ``ReceiveMessage`` (:func:`.messages.lease`:
receive counts grow, expired messages are dropped, messages past ``maxReceiveCount`` move to
the dead-letter queue), and deletes them with their receipt (item id + lease token), so a
message received again since is never deleted by a stale receipt. What it adds is batch
shape: several batches leased in one transaction and a whole set deleted in one transaction
(:class:`Deleter` gathers the deletes of batches finishing together), because a poller moving
thousands of messages a second cannot afford a commit per message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from squall.engine.api import QueueItem, Tx, queue_channel
from squall.services.sqs import catalog
from squall.services.sqs.catalog import Queue
from squall.services.sqs.messages import lease

log = logging.getLogger("squall.sqs")

Leased = tuple[QueueItem, dict[str, Any]]  # an item and its decoded stored form (see content.py)
Receipt = tuple[str, str | None]  # (item id, lease token)


async def queue_by_arn(runtime: Any, arn: str) -> Queue | None:
    """The queue an ``arn:aws:sqs:region:account:name`` names (cached like API lookups), or None."""
    key = catalog.key_from_arn(arn)
    return await catalog.find(runtime, key) if key else None


async def dead_letter_queue(runtime: Any, q: Queue) -> Queue | None:
    """``q``'s RedrivePolicy target, if it has one that exists."""
    if not q.dlq_arn:
        return None
    return await queue_by_arn(runtime, q.dlq_arn)


async def receive(runtime: Any, q: Queue, dlq: Queue | None, *, batches: int, per_batch: int,
                  visibility: float | None = None) -> tuple[list[list[Leased]], float | None]:
    """Lease up to ``batches`` lots of up to ``per_batch`` messages, in one transaction.

    Each lot is one lease: on a FIFO queue the groups a lot holds are in flight once it is
    leased, so a later lot never holds another message of those groups — lots can be invoked
    concurrently without breaking group order. Returns the lots and, when nothing was due,
    the time the next message becomes due (a delay or visibility timeout ending), since only
    sends wake waiters of :func:`channel`.
    """
    timeout = float(q.visibility if visibility is None else visibility)

    def work(tx: Tx) -> tuple[list[list[Leased]], float | None]:
        lots: list[list[Leased]] = []
        for _ in range(batches):
            got = lease(tx, q, dlq, per_batch, timeout)
            if not got:
                break
            lots.append(got)
        return lots, (None if lots else tx.next_due(q.engine_queue))

    return await runtime.engine.transact(work)


async def delete(runtime: Any, lots: Iterable[tuple[Queue, Iterable[Receipt]]]) -> int:
    """Delete messages by receipt — of one queue or several — in one transaction; returns how
    many were deleted (a receipt whose message was received again since, or is gone, deletes
    nothing, as with DeleteMessage)."""
    todo = [(q, list(receipts)) for q, receipts in lots]
    if not any(receipts for _, receipts in todo):
        return 0

    def work(tx: Tx) -> int:
        total = 0
        for q, receipts in todo:
            n = sum(1 for item_id, token in receipts if tx.ack(q.engine_queue, item_id, token))
            if n and q.fifo:  # deleting unblocks the messages' groups: wake consumers
                tx.notify(queue_channel(q.engine_queue))
            total += n
        return total

    return await runtime.engine.transact(work)


async def release(runtime: Any, q: Queue, receipts: Iterable[Receipt]) -> None:
    """Make leased messages visible again now (``ChangeMessageVisibility`` to 0) — for messages
    a consumer leased but will not process, e.g. when it stops."""
    todo = list(receipts)
    if not todo:
        return

    def work(tx: Tx) -> None:
        released = 0
        for item_id, token in todo:
            released += tx.set_visibility(q.engine_queue, item_id, token, 0.0)
        if released:  # visible again now: wake consumers (the engine only wakes them on sends)
            tx.notify(queue_channel(q.engine_queue))

    await runtime.engine.transact(work)


class Deleter:
    """Deletes of batches that finish at the same moment share one transaction: group commit on
    top of the engine's, for consumers finishing many batches concurrently (on PostgreSQL every
    transaction is a round trip; on SQLite a hand-off to the writer thread)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self._pending: list[tuple[Queue, list[Receipt], asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    def delete(self, q: Queue, receipts: list[Receipt]) -> asyncio.Future:
        """Schedule the deletes; the future resolves (to True, or False after a storage error
        — then the messages simply come back) once they are committed."""
        fut = asyncio.get_running_loop().create_future()
        if not receipts:
            fut.set_result(True)
            return fut
        self._pending.append((q, receipts, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        return fut

    async def _flush(self) -> None:
        while self._pending:
            todo, self._pending = self._pending, []
            ok = True
            try:
                await delete(self.runtime, [(q, receipts) for q, receipts, _ in todo])
            except asyncio.CancelledError:
                raise
            except Exception:  # storage trouble: the messages are redelivered, nothing is lost
                log.exception("deleting processed SQS messages failed; they will be delivered again")
                ok = False
            for _, _, fut in todo:
                if not fut.done():
                    fut.set_result(ok)


def channel(q: Queue) -> str:
    """The wake-up channel a consumer of ``q`` waits on (``engine.wait``)."""
    return queue_channel(q.engine_queue)


__all__ = ["Deleter", "Leased", "Receipt", "channel", "dead_letter_queue", "delete", "queue_by_arn", "receive", "release"]
