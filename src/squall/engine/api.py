"""The engine's contract: the few durable primitives every service is built from.

Services never write SQL. They describe a unit of work as a plain synchronous
function ``fn(tx) -> T`` and hand it to :meth:`Engine.transact`; the backend runs
it inside one database transaction and resolves the awaitable only once that
transaction is durably committed. Everything a state change causes (an outbox
event, a wake-up of waiting consumers) is part of the same transaction.

Primitives (all on :class:`Tx`):

* **records** — an ordered key/value map per namespace (``ns``). Keys are
  strings compared bytewise (UTF-8), values are bytes. Range scans in both
  directions. Used for queue metadata now; S3 listings, DynamoDB items and
  indexes later.
* **leased queues** — work items with a due time (``visible_at``), a receive
  count, an optional ordering group (FIFO: a group with an item in flight
  yields nothing more until it is acked or its lease expires) and a lease
  token that changes on every lease. Waiting consumers are woken on commit.
* **logs** — partitioned append-only logs with monotonically increasing
  sequence numbers per partition, time-based trimming and consumer
  checkpoints (DynamoDB Streams, Kinesis).
* **timers** — named due-time work that survives restarts; a timer is claimed
  with a lease like a queue item so a crash mid-handling re-fires it.
* **outbox** — :meth:`Tx.emit` records an event in the same transaction as
  the state change; the relay (``squall.dispatch.relay``) delivers it at least
  once to the handler registered for its topic. It is built on the leased
  queue primitive (queue name ``"outbox/" + topic``).

All times are float seconds since the epoch (``time.time()``), as the
engine's clock (:meth:`Engine.now`) reports them; tests may replace the clock.

Two backends implement this contract: :mod:`squall.engine.sqlite`
(embedded default, group commit through one writer thread) and
:mod:`squall.engine.postgres` (clusters: ``FOR UPDATE SKIP LOCKED`` leases,
``LISTEN/NOTIFY`` wake-ups). ``tests/engine`` is the conformance suite; it
runs against both.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

OUTBOX_PREFIX = "outbox/"


class EngineError(Exception):
    """A storage failure (not the client's fault)."""


class EngineLocked(EngineError):
    """Another squall process already owns this data directory / database."""


class DuplicateItem(EngineError, ValueError):
    """:meth:`Tx.enqueue` with an ``id`` the queue already holds (nothing was changed)."""


@dataclass(slots=True)
class QueueItem:
    """One item handed out by :meth:`Tx.lease` (or read by :meth:`Tx.peek_items`)."""

    queue: str
    id: str
    body: bytes
    group: str | None
    enqueued_at: float
    visible_at: float
    receive_count: int
    first_received_at: float | None
    lease_token: str | None
    seq: int


@dataclass(slots=True)
class QueueStats:
    visible: int  # due now, not leased
    in_flight: int  # leased, lease not yet expired
    delayed: int  # never leased, due in the future


@dataclass(slots=True)
class LogRecord:
    log: str
    partition: str
    seq: int
    at: float
    data: bytes


@dataclass(slots=True)
class Timer:
    name: str
    due: float
    payload: bytes
    lease_token: str | None


class Tx(abc.ABC):
    """One transaction. Methods are synchronous; they run on the engine's thread."""

    now: float  # the engine clock, read once when the transaction started

    # ---- records -------------------------------------------------------
    @abc.abstractmethod
    def get(self, ns: str, key: str) -> bytes | None: ...

    @abc.abstractmethod
    def put(self, ns: str, key: str, value: bytes) -> None: ...

    def put_many(self, ns: str, items: Iterable[tuple[str, bytes]]) -> None:
        """``put`` for each ``(key, value)``; a backend sends them in one statement (log events)."""
        for key, value in items:
            self.put(ns, key, value)

    @abc.abstractmethod
    def insert(self, ns: str, key: str, value: bytes) -> bool:
        """Put only if absent; returns False (and changes nothing) if the key exists."""

    @abc.abstractmethod
    def delete(self, ns: str, key: str) -> bool:
        """Returns whether a record was deleted."""

    @abc.abstractmethod
    def scan(
        self,
        ns: str,
        *,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[tuple[str, bytes]]:
        """Records of ``ns`` in key order: ``prefix`` restricts to keys starting
        with it; ``start`` is inclusive, ``end`` exclusive, ``after`` exclusive
        (pagination); ``reverse`` walks from the end."""

    @abc.abstractmethod
    def delete_prefix(self, ns: str, prefix: str = "") -> int:
        """Delete every record of ``ns`` whose key starts with ``prefix``."""

    # ---- leased queues ---------------------------------------------------
    @abc.abstractmethod
    def enqueue(
        self,
        queue: str,
        body: bytes,
        *,
        id: str | None = None,
        delay: float = 0.0,
        group: str | None = None,
        enqueued_at: float | None = None,
    ) -> QueueItem:
        """Add an item, due after ``delay`` seconds. ``id`` defaults to a fresh
        time-ordered UUID (cheap to index); ids are unique per queue. ``enqueued_at`` lets a move to
        another queue keep the original age. Wakes consumers of ``queue`` on commit."""

    def enqueue_many(self, queue: str, entries: Iterable[tuple[str, bytes, float]]) -> None:
        """``enqueue(queue, body, id=id, delay=delay)`` for each ``(id, body, delay)`` in
        order, returning nothing (a backend may skip building the items: the fast path
        for batched sends). A duplicate id raises ``DuplicateItem`` with the entries
        before it enqueued and none after it, exactly like the loop."""
        for item_id, body, delay in entries:
            self.enqueue(queue, body, id=item_id, delay=delay)

    @abc.abstractmethod
    def lease(
        self,
        queue: str,
        limit: int,
        visibility: float,
        *,
        fifo: bool = False,
        max_receive: int | None = None,
    ) -> list[QueueItem]:
        """Take up to ``limit`` due items, make them invisible for ``visibility``
        seconds, increment their receive counts and give each a fresh lease token.
        Standard queues: any due items, oldest due first. ``fifo``: items in
        ``seq`` order; only the head of each group, and nothing from a group that
        has an item in flight (contiguous heads of one group may be returned
        together). Returned items carry the *new* receive count."""

    @abc.abstractmethod
    def ack(self, queue: str, id: str, lease_token: str | None = None) -> bool:
        """Remove an item. With a ``lease_token`` only if it still matches."""

    @abc.abstractmethod
    def set_visibility(self, queue: str, id: str, lease_token: str | None, delay: float) -> bool:
        """Make a leased item visible again after ``delay`` seconds from now."""

    @abc.abstractmethod
    def get_item(self, queue: str, id: str) -> QueueItem | None: ...

    @abc.abstractmethod
    def peek_items(self, queue: str, *, limit: int = 100, after_seq: int = 0) -> list[QueueItem]:
        """Items in ``seq`` order without leasing them (for moves, expiry, admin)."""

    @abc.abstractmethod
    def remove_items(self, queue: str, ids: Iterable[str]) -> int: ...

    @abc.abstractmethod
    def expire_items(self, queue: str, enqueued_before: float, limit: int = 1000) -> int:
        """Delete items enqueued before a time (retention)."""

    @abc.abstractmethod
    def purge(self, queue: str) -> int:
        """Delete every item of the queue; returns how many."""

    @abc.abstractmethod
    def stats(self, queue: str) -> QueueStats: ...

    @abc.abstractmethod
    def next_due(self, queue: str) -> float | None:
        """The earliest ``visible_at`` among the queue's items (None if empty)."""

    # ---- logs --------------------------------------------------------------
    @abc.abstractmethod
    def append(self, log: str, partition: str, data: bytes) -> int:
        """Append a record; returns its sequence number (per partition, > 0, increasing)."""

    @abc.abstractmethod
    def read_log(self, log: str, partition: str, *, after_seq: int = 0, limit: int = 100) -> list[LogRecord]: ...

    @abc.abstractmethod
    def trim_log(self, log: str, *, before: float | None = None, upto_seq: int | None = None,
                 partition: str | None = None) -> int:
        """Drop records older than ``before`` (retention) or with seq <= ``upto_seq``."""

    @abc.abstractmethod
    def log_partitions(self, log: str) -> list[str]: ...

    @abc.abstractmethod
    def log_bounds(self, log: str, partition: str) -> tuple[int, int]:
        """(oldest seq, newest seq) present; (0, 0) if empty."""

    @abc.abstractmethod
    def set_checkpoint(self, log: str, consumer: str, partition: str, seq: int) -> None: ...

    @abc.abstractmethod
    def get_checkpoint(self, log: str, consumer: str, partition: str) -> int:
        """0 if the consumer has none."""

    @abc.abstractmethod
    def drop_log(self, log: str) -> None: ...

    # ---- timers ------------------------------------------------------------
    @abc.abstractmethod
    def set_timer(self, name: str, due: float, payload: bytes = b"") -> None:
        """Create or replace the named timer."""

    @abc.abstractmethod
    def cancel_timer(self, name: str) -> bool: ...

    @abc.abstractmethod
    def claim_timers(self, limit: int, lease: float, *, prefix: str = "") -> list[Timer]:
        """Timers due now (optionally only names with ``prefix``), each leased for
        ``lease`` seconds: unless completed, they fire again after the lease."""

    @abc.abstractmethod
    def complete_timer(self, name: str, lease_token: str) -> bool:
        """Delete a claimed timer if it was not replaced since it was claimed."""

    @abc.abstractmethod
    def next_timer_due(self, prefix: str = "") -> float | None: ...

    # ---- outbox / wake-ups --------------------------------------------------
    def emit(self, topic: str, payload: bytes, *, delay: float = 0.0) -> None:
        """Record an event for ``topic`` in this transaction (see module doc)."""
        self.enqueue(OUTBOX_PREFIX + topic, payload, delay=delay)

    @abc.abstractmethod
    def notify(self, channel: str) -> None:
        """Wake waiters of ``channel`` once this transaction commits."""

    # ---- transaction-scoped helpers -----------------------------------------
    @abc.abstractmethod
    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` on the event loop after a successful commit."""


class Engine(abc.ABC):
    """A backend: owns the storage, the transaction runner and wake-ups."""

    name: str  # "sqlite" | "postgresql" | "memory"

    @abc.abstractmethod
    async def start(self) -> None:
        """Open storage, run migrations, take the ownership lock (EngineLocked)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Finish queued transactions, close storage, release the lock."""

    @abc.abstractmethod
    async def transact(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in one transaction; return its result after a durable commit.
        If ``fn`` raises, the transaction is rolled back and the exception
        propagates unchanged (no other transaction is affected).

        ``fn`` may be called more than once (a backend may re-run a batch of
        transactions, as SQLite's group commit does when one of them fails):
        it must act only through ``tx`` and ``tx.after_commit``, never change
        outside state itself."""

    async def read(self, fn: Callable[[Tx], T]) -> T:
        """Run a read-only ``fn``; backends may serve it without a commit."""
        return await self.transact(fn)

    async def peek(self, fn: Callable[[Tx], T]) -> T:
        """``read`` for a handful of point lookups on a hot path (S3 GetObject): a backend may
        run it inline on the event loop's thread when that is cheaper than a hand-off.
        Never use it for scans: it may block the loop for as long as ``fn`` runs."""
        return await self.read(fn)

    @abc.abstractmethod
    async def wait(self, channel: str, timeout: float) -> bool:
        """Wait until ``channel`` is notified (True) or ``timeout`` passes (False).
        Queue channels are named ``"queue:" + queue``; enqueue notifies them."""

    clock: Callable[[], float]  # the engine's clock; tests may assign ``lambda: t``

    def now(self) -> float:
        """The engine clock (``self.clock`` when a backend sets one, else ``time.time``)."""
        clock = getattr(self, "clock", None)
        if clock is not None:
            return clock()
        import time

        return time.time()


def queue_channel(queue: str) -> str:
    """The wake-up channel that :meth:`Tx.enqueue` notifies."""
    return "queue:" + queue
