"""S3's background loops: event delivery (registered with the outbox relay) and the blob sweep."""

from __future__ import annotations

import logging

from squall.services.base import Runtime, every

log = logging.getLogger("squall.s3")

SWEEP_EVERY = 600.0


async def blob_sweep(runtime: Runtime) -> None:
    """Remove blob files no record claims (left by crashes between file and commit)."""
    await every(runtime, SWEEP_EVERY, lambda: runtime.blobs.sweep(runtime.engine), "blob sweep")


async def deliver_events(runtime: Runtime) -> None:
    """Register the S3 event delivery with the outbox relay."""
    from squall.services.s3 import events

    runtime.state["relay"].register(events.TOPIC, lambda payload: events.deliver(runtime, payload))


async def lifecycle(runtime: Runtime) -> None:
    """Apply buckets' lifecycle rules (expiration, noncurrent versions, stale uploads)."""
    from squall.services.s3 import lifecycle as rules

    await every(runtime, rules.INTERVAL, lambda: rules.run_once(runtime), "s3 lifecycle")


TASKS = [blob_sweep, deliver_events, lifecycle]
