"""SQS's background loops, started by the server for its whole life.

* :func:`move_tasks` — claims due message-move-task timers and advances each task
  (see :mod:`.redrive`); woken early when a task starts.
* :func:`housekeeping` — drops messages past their queue's retention period (they
  are never delivered anyway: receive skips them), expired FIFO dedup records and
  old deleted-queue tombstones.

Both are safe to run on every node of a cluster: timer claims are leases, and
housekeeping deletions are idempotent.
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from squall.engine.api import Tx
from squall.services.base import Runtime, every
from squall.services.sqs import fifo, redrive
from squall.services.sqs.catalog import NS_DELETED, NS_QUEUES, Queue

log = logging.getLogger("squall.sqs")
HOUSEKEEPING_INTERVAL = 30.0
MOVE_POLL = 0.5


def _stopping(runtime: Runtime) -> bool:
    return runtime.stopping is not None and runtime.stopping.is_set()


async def move_tasks(runtime: Runtime) -> None:
    engine = runtime.engine
    while not _stopping(runtime):
        try:
            timers = await engine.transact(lambda tx: tx.claim_timers(20, 30.0, prefix=redrive.TIMER_PREFIX))
            for timer in timers:
                key = timer.payload.decode()
                await engine.transact(lambda tx, key=key, token=timer.lease_token: redrive.step(tx, key, token))
            if timers:
                continue
            due = await engine.read(lambda tx: tx.next_timer_due(redrive.TIMER_PREFIX))
            timeout = MOVE_POLL if due is None else min(MOVE_POLL, max(0.01, due - engine.now()))
            await engine.wait(redrive.WAKE_CHANNEL, timeout)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sqs message move loop")
            await asyncio.sleep(1.0)


def _housekeep(tx: Tx) -> int:
    removed = 0
    after = None
    while True:
        rows = tx.scan(NS_QUEUES, after=after, limit=500)
        if not rows:
            break
        for _, raw in rows:
            q = Queue.from_doc(orjson.loads(raw))
            removed += tx.expire_items(q.engine_queue, tx.now - q.retention, limit=5000)
        after = rows[-1][0]
    fifo.sweep(tx)
    for key, raw in tx.scan(NS_DELETED, limit=1000):
        if tx.now - float(raw) > 120:
            tx.delete(NS_DELETED, key)
    return removed


async def housekeeping(runtime: Runtime) -> None:
    await every(runtime, HOUSEKEEPING_INTERVAL, lambda: runtime.engine.transact(_housekeep), "sqs housekeeping",
                first_delay=1.0)
