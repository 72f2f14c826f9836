"""The retention sweep: deletes events older than their group's retention period.

Reads never return expired events (GetLogEvents and FilterLogEvents raise their start
time to the group's cutoff), so the sweep only reclaims storage and corrects each
stream's first-event time and stored bytes. AWS too deletes lazily — "typically up to 72
hours" after events expire (PutRetentionPolicy's documentation).

The sweep walks only ``logs/retention`` (groups with a policy), and within a group only
streams whose first event is older than the cutoff. Work per transaction is bounded
(:data:`CHUNK` events) so a large backlog never holds the writer for long; the loop
continues in the next transaction. Running it on every node of a cluster is safe: each
deletion is idempotent.
"""

from __future__ import annotations

import logging

from squall.engine.api import Tx
from squall.services.base import Runtime, every
from squall.services.logs import eventstore, store

log = logging.getLogger("squall.logs")
INTERVAL = 60.0
CHUNK = 5000


def trim_group(tx: Tx, key: str, budget: int = CHUNK) -> tuple[int, bool]:
    """Delete up to ``budget`` expired events of the group at ``key``; (deleted, finished)."""
    group = store.load_group(tx, key)
    if group is None or not group.retention:
        tx.delete(store.NS_RETENTION, key)
        return 0, True
    cutoff = group.cutoff(store.now_ms(tx))
    deleted = 0
    for stream in store.scan_streams(tx, group):
        if stream.first is None or stream.first >= cutoff:
            continue
        count, size = eventstore.expire(tx, group.gid, stream.sid, cutoff, budget - deleted)
        deleted += count
        stream.bytes = max(0, stream.bytes - size)
        stream.first = eventstore.first_timestamp(tx, group.gid, stream.sid)
        if stream.first is None:
            stream.last = None
        store.save_stream(tx, stream)
        if deleted >= budget:
            return deleted, False
    return deleted, True


def _groups(tx: Tx) -> list[str]:
    return [key for key, _ in tx.scan(store.NS_RETENTION)]


async def sweep(runtime: Runtime) -> int:
    """One pass over every group with a retention policy; returns how many events it deleted."""
    engine = runtime.engine
    total = 0
    for key in await engine.read(_groups):
        while True:
            deleted, finished = await engine.transact(lambda tx, key=key: trim_group(tx, key))
            total += deleted
            if finished:
                break
    if total:
        log.debug("retention sweep deleted %d log events", total)
    return total


async def retention_loop(runtime: Runtime) -> None:
    await every(runtime, INTERVAL, lambda: sweep(runtime), "logs retention sweep", first_delay=5.0)
