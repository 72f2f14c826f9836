"""SQS → Lambda event source mappings: poll queues, invoke functions with batches, delete what succeeded.

:func:`run` is the Lambda service's background task. It keeps one :class:`Poller` per enabled
SQS mapping, started, stopped or replaced within half a second of a mapping being created,
disabled, enabled, updated or deleted.

A poller is one receive loop feeding concurrent invoke tasks
(https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):

* It leases messages like any consumer — the queue's own visibility timeout, receive counts
  that grow, a RedrivePolicy that moves a message to its dead-letter queue once it was
  received ``maxReceiveCount`` times — through :mod:`squall.services.sqs.consume`, leasing
  as many batches as it has free invoke slots in one transaction.
* Batches hold up to ``BatchSize`` records and never more than a 6 MB event; with
  ``MaximumBatchingWindowInSeconds`` the loop keeps gathering until the batch is full or the
  window (counted from the first message) ends. Messages stay in flight while that happens
  and while the function runs, which is why AWS asks for a visibility timeout of at least the
  function timeout plus the window.
* Success deletes the batch (one transaction, shared with every batch finishing at the same
  moment: :class:`squall.services.sqs.consume.Deleter`). A function error, timeout or crash
  deletes nothing: the messages come back after their visibility timeout. With ``ReportBatchItemFailures`` only the reported
  items come back (:func:`.sqs_batch.failed_ids`). Nothing is deleted before the function
  succeeded, so a kill -9 mid-batch only means the batch comes back.
* ``FilterCriteria``: messages no filter matches are deleted without an invocation, as AWS does.
* FIFO queues: each batch is one lease, and the engine never leases a message of a group
  that has one in flight, so concurrent batches never share a group and a group's records
  arrive in order. (A FIFO batch over 6 MB is split and its parts invoked in order.)
* Concurrency: Lambda starts with 5 concurrent batches and adds more while messages keep
  coming (:class:`Scaler`, up to ``ScalingConfig.MaximumConcurrency`` or
  :data:`DEFAULT_MAX_CONCURRENCY`), never beyond the function's reserved concurrency.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from typing import Any

import orjson

from squall.dispatch import sqs_batch
from squall.dispatch.sqs_batch import Record
from squall.patterns import Matcher, compile_pattern
from squall.services.sqs import consume
from squall.services.sqs.catalog import Queue

log = logging.getLogger("squall.lambda.sqs")

RESCAN_SECONDS = 0.5  # how often the mappings' revision is checked
FULL_RESCAN_SECONDS = 10.0
IDLE_WAIT = 1.0  # an empty queue is looked at again this often (sends wake the poller sooner)
START_CONCURRENCY = 5
DEFAULT_MAX_CONCURRENCY = int(os.environ.get("SQUALL_SQS_POLLER_MAX_CONCURRENCY", "50"))
MAX_LEASE = 1000  # messages leased in one transaction
# what makes two mapping documents the same poller
_CONFIG_KEYS = ("EventSourceArn", "FunctionArn", "BatchSize", "MaximumBatchingWindowInSeconds",
                "FunctionResponseTypes", "FilterCriteria", "ScalingConfig")


# ---- the supervisor ------------------------------------------------------------------------------
async def run(runtime: Any) -> None:
    """Keep one poller per enabled SQS mapping until the server stops. The mappings are listed
    again whenever their revision counter moves (checked every :data:`RESCAN_SECONDS`) and at
    least every :data:`FULL_RESCAN_SECONDS` (a function created or deleted moves no counter)."""
    deleter = consume.Deleter(runtime)
    pollers: dict[str, Poller] = {}
    seen: Any = object()
    listed_at = 0.0
    try:
        while not _server_stopping(runtime):
            try:
                revision = await _revision(runtime)
                if revision != seen or revision is None or time.monotonic() - listed_at > FULL_RESCAN_SECONDS:
                    wanted = {doc["UUID"]: doc for doc in await _enabled_sqs_mappings(runtime)}
                    _reconcile(runtime, deleter, pollers, wanted)
                    seen, listed_at = revision, time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:  # try again on the next round
                log.exception("listing event source mappings failed")
            await asyncio.sleep(RESCAN_SECONDS)  # (a server stop cancels this task)
    finally:
        await asyncio.gather(*(p.close() for p in pollers.values()), return_exceptions=True)


def _server_stopping(runtime: Any) -> bool:
    return runtime.stopping is not None and runtime.stopping.is_set()


async def _revision(runtime: Any) -> int | None:
    from squall.services.lambda_ import event_source_mappings

    revision = getattr(event_source_mappings, "mappings_revision", None)
    return await revision(runtime) if revision is not None else None


async def _enabled_sqs_mappings(runtime: Any) -> list[dict[str, Any]]:
    from squall.services.lambda_.event_source_mappings import list_enabled_mappings

    return [doc for doc in await list_enabled_mappings(runtime)
            if doc.get("State", "Enabled") == "Enabled" and str(doc.get("EventSourceArn", "")).startswith("arn:")
            and doc["EventSourceArn"].split(":")[2] == "sqs"]


def _reconcile(runtime: Any, deleter: consume.Deleter, pollers: dict[str, Poller], wanted: dict[str, dict]) -> None:
    for key in list(pollers):
        doc = wanted.get(key)
        if doc is None or config_of(doc) != pollers[key].config:
            pollers.pop(key).stop()  # in-flight batches finish; nothing new is received
    for key, doc in wanted.items():
        if key not in pollers:
            try:
                pollers[key] = Poller(runtime, doc, deleter)
            except Exception:
                log.exception("event source mapping %s cannot be polled", key)
                continue
            pollers[key].start()


def config_of(doc: dict[str, Any]) -> bytes:
    return orjson.dumps({k: doc.get(k) for k in _CONFIG_KEYS}, option=orjson.OPT_SORT_KEYS)


# ---- one mapping --------------------------------------------------------------------------------
class Poller:
    """The receive loop of one mapping and the invoke tasks it feeds (see the module doc)."""

    def __init__(self, runtime: Any, mapping: dict[str, Any], deleter: consume.Deleter) -> None:
        self.runtime = runtime
        self.deleter = deleter
        self.uuid: str = mapping["UUID"]
        self.config = config_of(mapping)
        self.queue_arn: str = mapping["EventSourceArn"]
        self.function_arn: str = mapping["FunctionArn"]
        self.batch_size = int(mapping.get("BatchSize") or 10)
        self.window = float(mapping.get("MaximumBatchingWindowInSeconds") or 0)
        self.report_failures = "ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or ())
        self.filters: list[Matcher] = [compile_pattern(f["Pattern"])
                                       for f in (mapping.get("FilterCriteria") or {}).get("Filters") or ()
                                       if f.get("Pattern")]
        self.scaler = Scaler((mapping.get("ScalingConfig") or {}).get("MaximumConcurrency"))
        self.in_flight = 0
        self.carry: list[Record] = []  # leased by the batching window, not yet in a batch
        self.carry_queue: Queue | None = None
        self.tasks: set[asyncio.Task] = set()
        self.stopped = asyncio.Event()
        self._freed = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._problem: str | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"sqs-poller:{self.uuid}")

    def stop(self) -> None:
        """Receive nothing more; batches being processed finish (and delete) on their own."""
        self.stopped.set()
        self._freed.set()

    async def close(self) -> None:
        """Server shutdown: stop everything now. Messages of an interrupted batch stay in
        flight and come back after their visibility timeout (they were not deleted)."""
        self.stop()
        for task in [self._task, *self.tasks]:
            if task is not None and not task.done():
                task.cancel()
        await asyncio.gather(*(t for t in [self._task, *self.tasks] if t is not None), return_exceptions=True)

    def _stopping(self) -> bool:
        return self.stopped.is_set() or _server_stopping(self.runtime)

    async def _loop(self) -> None:
        try:
            while not self._stopping():
                try:
                    await self._round()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("event source mapping %s: polling failed", self.uuid)
                    await self._wait(None, 1.0)
        finally:
            if self.carry and self.carry_queue is not None:  # give back what no batch took
                carry, self.carry = self.carry, []
                await asyncio.shield(consume.release(self.runtime, self.carry_queue, [r.receipt for r in carry]))

    async def _round(self) -> None:
        q = await consume.queue_by_arn(self.runtime, self.queue_arn)
        spec = await self._function() if q is not None else None
        limit = self._limit(spec) if spec is not None else 0
        if q is None or spec is None or limit <= 0:
            await self._wait(None, IDLE_WAIT)
            return
        if self.in_flight >= limit:
            self._freed.clear()
            try:
                await asyncio.wait_for(self._freed.wait(), IDLE_WAIT)
            except TimeoutError:
                pass
            return
        dlq = await consume.dead_letter_queue(self.runtime, q)
        if self.window and not q.fifo:  # "Batching window is not supported for FIFO queues"
            batch = await self._gather(q, dlq)
            if batch:
                self._dispatch(q, spec, [batch])
            return
        free = limit - self.in_flight
        if q.fifo:
            lots, due = await consume.receive(self.runtime, q, dlq, batches=free, per_batch=self.batch_size)
            self.scaler.observe(full=len(lots) == free, empty=not lots)
        else:
            want = min(free * self.batch_size, MAX_LEASE)
            lots, due = await consume.receive(self.runtime, q, dlq, batches=1, per_batch=want)
            self.scaler.observe(full=bool(lots) and len(lots[0]) >= want, empty=not lots)
        if not lots:
            await self._wait(q, self._until(due, IDLE_WAIT))
            return
        for lot in lots:
            records = self._admit(q, lot)
            if not records:
                continue
            if q.fifo:  # one task, parts in order
                self._dispatch(q, spec, sqs_batch.split(records, self.batch_size))
            else:
                for batch in sqs_batch.split(records, self.batch_size):
                    self._dispatch(q, spec, [batch])

    async def _gather(self, q: Queue, dlq: Queue | None) -> list[Record]:
        """One batch, gathered for up to the batching window (from its first message)."""
        loop = asyncio.get_running_loop()
        records, self.carry = self.carry, []
        self.carry_queue = q
        deadline = loop.time() + self.window if records else None
        try:
            while not self._stopping():
                if (len(records) >= self.batch_size or sqs_batch.payload_size(records) >= sqs_batch.MAX_PAYLOAD
                        or (deadline is not None and loop.time() >= deadline)):
                    break
                want = min(self.batch_size - len(records), MAX_LEASE)
                lots, due = await consume.receive(self.runtime, q, dlq, batches=1, per_batch=want)
                self.scaler.observe(full=bool(lots) and len(lots[0]) >= want, empty=not lots and not records)
                if lots:
                    sqs_batch.merge(records, self._admit(q, lots[0]))
                    if records and deadline is None:
                        deadline = loop.time() + self.window
                    continue
                timeout = IDLE_WAIT if deadline is None else deadline - loop.time()
                await self._wait(q, self._until(due, timeout))
        except BaseException:
            self.carry = records + self.carry
            raise
        batches = sqs_batch.split(records, self.batch_size)
        if self._stopping():
            self.carry = records
            return []
        self.carry = [r for batch in batches[1:] for r in batch]
        return batches[0] if batches else []

    def _admit(self, q: Queue, lot: list[consume.Leased]) -> list[Record]:
        """The lot as records; those no filter matches are deleted now, without an invocation."""
        records = [sqs_batch.to_record(q, item, stored) for item, stored in lot]
        if not self.filters:
            return records
        keep: list[Record] = []
        drop: list[consume.Receipt] = []
        for record in records:
            if sqs_batch.passes(record, self.filters):
                keep.append(record)
            else:
                drop.append(record.receipt)
        if drop:
            self.deleter.delete(q, drop)
        return keep

    # ---- invoking -------------------------------------------------------------------------------
    def _dispatch(self, q: Queue, spec: Any, batches: list[list[Record]]) -> None:
        self.in_flight += 1
        task = asyncio.create_task(self._process(q, spec, batches))
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        self.in_flight -= 1
        self._freed.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("event source mapping %s: batch failed in squall", self.uuid, exc_info=task.exception())

    async def _process(self, q: Queue, spec: Any, batches: list[list[Record]]) -> None:
        for batch in batches:
            if not await self._invoke(q, spec, batch):
                return  # a FIFO batch's later parts must wait for the failed part's retry

    async def _invoke(self, q: Queue, spec: Any, batch: list[Record]) -> bool:
        """Invoke the function with one batch; delete what succeeded. True if all of it did."""
        from squall.runtime.pool import get_pool

        try:
            result = await get_pool(self.runtime).invoke(spec, sqs_batch.event_payload(batch),
                                                         request_id=str(uuid.uuid4()), sync=False,
                                                         invoked_arn=self.function_arn)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event source mapping %s: invoking %s failed", self.uuid, spec.arn)
            return False
        if result.function_error:
            return False
        done = batch
        if self.report_failures:
            failed = sqs_batch.failed_ids(result.payload, {r.item_id for r in batch})
            if failed is None:
                log.warning("event source mapping %s: invalid batchItemFailures response; the whole batch "
                            "failed", self.uuid)
                return False
            done = [r for r in batch if r.item_id not in failed]
        await self.deleter.delete(q, [r.receipt for r in done])
        return len(done) == len(batch)

    async def _function(self) -> Any:
        """The function to invoke now, or None while it is missing or not Active."""
        from squall.services.lambda_.functions import resolve_arn

        try:
            spec = await resolve_arn(self.runtime, self.function_arn)
        except Exception as exc:  # noqa: BLE001 - deleted, or its alias is gone: wait
            self._note(f"function {self.function_arn} unavailable: {getattr(exc, 'message', exc)}")
            return None
        if spec.state != "Active":
            self._note(f"function {self.function_arn} is {spec.state}")
            return None
        self._problem = None
        return spec

    def _note(self, problem: str) -> None:
        if problem != self._problem:
            log.warning("event source mapping %s: %s", self.uuid, problem)
            self._problem = problem

    def _limit(self, spec: Any) -> int:
        reserved = getattr(spec, "reserved_concurrency", None)
        return self.scaler.limit if reserved is None else min(self.scaler.limit, reserved)

    # ---- waiting --------------------------------------------------------------------------------
    def _until(self, due: float | None, cap: float) -> float:
        """Seconds to wait: ``cap``, or less when a message becomes due (visible) sooner. A due
        time already past means messages of FIFO groups blocked by one in flight: look again
        in 0.1 s (a delete wakes us sooner), as ReceiveMessage's long poll does."""
        if due is None:
            return max(cap, 0.0)
        until = due - self.runtime.engine.now()
        return min(cap, until + 0.002 if until > 0 else 0.1)

    async def _wait(self, q: Queue | None, timeout: float) -> None:
        """Sleep until a send to ``q`` wakes us, ``timeout`` passes or the poller stops."""
        if timeout <= 0:
            return
        stop = asyncio.ensure_future(self.stopped.wait())
        waits = [stop]
        if q is not None:
            waits.append(asyncio.ensure_future(self.runtime.engine.wait(consume.channel(q), timeout)))
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()


class Scaler:
    """How many batches of one mapping may be in flight: 5 to start, doubled each second the
    queue keeps a backlog (a receive came back full), halved each second it is empty, within
    [5, maximum]. (AWS: "Lambda starts with five concurrent batches … and keeps adding".)"""

    STEP_SECONDS = 1.0

    def __init__(self, maximum: int | None) -> None:
        self.cap = int(maximum) if maximum else DEFAULT_MAX_CONCURRENCY
        self.floor = min(START_CONCURRENCY, self.cap)
        self.limit = self.floor
        self._changed = time.monotonic()

    def observe(self, *, full: bool, empty: bool) -> None:
        now = time.monotonic()
        if now - self._changed < self.STEP_SECONDS or not (full or empty):
            return
        new = min(self.cap, self.limit * 2) if full else max(self.floor, self.limit // 2)
        if new != self.limit:
            self.limit = new
            self._changed = now
