"""The embedded backend: SQLite in WAL mode, durable commits, group commit.

Why one writer thread: SQLite allows one writer at a time and a durable
commit costs an fsync (~0.3 ms here). Committing each request on its own caps
throughput near 3,400 commits/s; committing *many* requests' work in one
transaction amortizes the fsync. So :meth:`SqliteEngine.transact` only
enqueues ``(fn, future)``; the writer thread drains everything pending, runs
the jobs in ONE transaction, ``COMMIT``\\ s once with ``synchronous=FULL``, and only then resolves the whole
batch with a single ``loop.call_soon_threadsafe`` — followed by after-commit
callbacks and wake-ups. An acknowledged transaction has therefore been
fsynced: it survives ``kill -9`` and power loss.

A job that raises must not take the others down with it, yet a savepoint per
job costs two statements and a copy of every page the job touches. So a batch
first runs optimistically with no savepoints; only when a job raises is that
attempt rolled back and the batch re-run with a savepoint around each job but
the first (the raising job is rolled back alone and its future gets the
exception). Jobs must therefore be safe to run twice: all their effects go
through the ``Tx`` (and ``after_commit``), never into outside state.

:meth:`SqliteEngine.read` runs on a second thread with its own read-only
connection (``query_only``): in WAL mode readers never wait for the writer,
so a long scan or a ``stats()`` over a million items does not stall commits,
and a read does not queue behind the fsync of the batch in progress. A read
job submitted after a ``transact()`` was acknowledged sees its effects (the
reader's snapshot is taken after the job was queued). ``memory`` uses the
same machinery on ``:memory:`` with reads on the writer thread (a second
connection would be a different in-memory database).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from squall.arn import ordered_uuid
from squall.engine.api import DuplicateItem, Engine, EngineError, EngineLocked, QueueItem, Tx
from squall.engine.schema import SQLITE_SCHEMA
from squall.engine.sqltx import SqlTx
from squall.engine.wakeups import Wakeups, run_callbacks

T = TypeVar("T")
log = logging.getLogger("squall.engine.sqlite")

MAX_BATCH = 1000  # jobs per commit: bounds the latency of the first job in a batch
_STOP = object()

# ``put_many`` of many rows as ONE statement over a JSON array: ``executemany`` releases and
# re-takes the GIL around every row's ``sqlite3_step``, so a big batch written on the writer
# thread (a log sink flush: thousands of rows) ping-pongs the GIL with the event loop thread,
# costing the server's request path far more than the insert itself. One ``json_each`` statement
# runs the whole insert with the GIL released. JSON is built into SQLite since 3.38.
_JSON_BATCH = 32 if sqlite3.sqlite_version_info >= (3, 38, 0) else 1 << 62
_PUT_JSON = ("INSERT INTO records (ns, key, value) "
             "SELECT ?1, json_extract(value, '$[0]'), CAST(json_extract(value, '$[1]') AS BLOB) FROM json_each(?2) "
             "WHERE true ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value")


class SqliteTx(SqlTx):
    """SQLite needs no locking: only the writer thread touches the connection.

    Items are keyed on a queue's integer id (``queues`` table, see ``schema.py``).
    ``qids`` is the engine's name → qid cache, shared by every transaction; it only
    ever holds mappings that are committed (qids are never deleted or changed).
    A mapping this transaction looked up or created goes to ``new_qids`` and the
    engine adds it to the cache only after the transaction's batch committed, so a
    rolled-back job or a failed commit can never leave a qid in the cache that the
    database does not hold.
    """

    def __init__(self, conn: Any, now: float, qids: dict[str, int]) -> None:
        super().__init__(conn, now)
        self._qids = qids
        self.new_qids: dict[str, int] | None = None

    def _qid(self, queue: str, create: bool = False) -> int:
        qid = self._qids.get(queue)
        if qid is not None:
            return qid
        row = self._c.execute("SELECT qid FROM queues WHERE name = ?", (queue,)).fetchone()
        if row is not None:
            qid = row[0]
        elif create:
            qid = self._c.execute("INSERT INTO queues (name) VALUES (?)", (queue,)).lastrowid
        else:
            return 0  # no such queue: rowids start at 1, so no item matches
        if self.new_qids is None:
            self.new_qids = {}
        self.new_qids[queue] = qid
        return qid

    def put_many(self, ns: str, items: Iterable[tuple[str, bytes]]) -> None:
        rows = items if isinstance(items, list) else list(items)
        if len(rows) >= _JSON_BATCH:
            doc = _json_rows(rows)
            if doc is not None:
                self._c.execute(_PUT_JSON, (ns, doc))
                return
        super().put_many(ns, rows)

    def enqueue(self, queue: str, body: bytes, *, id: str | None = None, delay: float = 0.0,
                group: str | None = None, enqueued_at: float | None = None) -> QueueItem:
        # The hot path: ``lastrowid`` instead of ``RETURNING`` saves a third of an insert.
        item_id = id or ordered_uuid()
        now = self.now
        visible_at = now + delay if delay > 0 else now
        enq = now if enqueued_at is None else enqueued_at
        cur = self._c.execute(
            "INSERT INTO items (queue, id, body, grp, enqueued_at, visible_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (queue, id) DO NOTHING",
            (self._qids.get(queue) or self._qid(queue, True), item_id, body, group, enq, visible_at),
        )
        if cur.rowcount != 1:
            raise DuplicateItem(f"queue {queue!r} already holds item {item_id!r}")
        self.channels.add("queue:" + queue)
        return QueueItem(queue, item_id, body, group, enq, visible_at, 0, None, None, cur.lastrowid)


    def enqueue_many(self, queue: str, entries: Iterable[tuple[str, bytes, float]]) -> None:
        # One executemany, no QueueItem per row. A plain INSERT stops at the first
        # duplicate with the rows before it kept, like a loop of ``enqueue``.
        qid = self._qids.get(queue) or self._qid(queue, True)
        now = self.now
        rows = [(qid, item_id, body, now + delay if delay > 0 else now, now) for item_id, body, delay in entries]
        if not rows:
            return
        conn = self._c
        before = conn.total_changes
        try:
            conn.executemany(
                "INSERT INTO items (queue, id, body, grp, visible_at, enqueued_at) VALUES (?, ?, ?, NULL, ?, ?)", rows)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            done = conn.total_changes - before
            if done:
                self.channels.add("queue:" + queue)
            raise DuplicateItem(f"queue {queue!r} already holds item {rows[done][1]!r}") from None
        self.channels.add("queue:" + queue)


def _json_rows(rows: list[tuple[str, bytes]]) -> bytes | None:
    """``[[key, value], …]`` as JSON for :data:`_PUT_JSON`, or None when a value is not plain
    UTF-8 text (binary, NUL bytes, lone surrogates): those rows go through ``executemany``."""
    try:
        pairs = [(key, value.decode()) for key, value in rows if b"\0" not in value]
        if len(pairs) != len(rows):
            return None
        return orjson.dumps(pairs)
    except (UnicodeDecodeError, orjson.JSONEncodeError):
        return None


_Job = tuple[Callable[[Tx], Any], asyncio.Future, asyncio.AbstractEventLoop]


class _Lane:
    """One thread, one connection, a queue of jobs run in batches by ``run_batch``."""

    def __init__(self, name: str, conn: sqlite3.Connection,
                 run_batch: Callable[[sqlite3.Connection, list[_Job]], None]) -> None:
        self.conn = conn
        self.run_batch = run_batch
        self.jobs: deque[_Job | object] = deque()
        self.cond = threading.Condition()
        self.busy = threading.Lock()  # held while the connection runs a batch (or an inline read)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def submit(self, job: _Job | object) -> None:
        with self.cond:
            self.jobs.append(job)
            if len(self.jobs) == 1:
                self.cond.notify()

    def _run(self) -> None:
        conn = self.conn
        try:
            while True:
                with self.cond:
                    while not self.jobs:
                        self.cond.wait()
                    n = min(len(self.jobs), MAX_BATCH)
                    batch = [self.jobs.popleft() for _ in range(n)]
                stop = any(j is _STOP for j in batch)
                jobs = [j for j in batch if j is not _STOP]
                if jobs:
                    with self.busy:
                        self.run_batch(conn, jobs)  # type: ignore[arg-type]
                if stop:
                    with self.cond:
                        rest = [j for j in self.jobs if j is not _STOP]
                        self.jobs.clear()
                    if rest:
                        self.run_batch(conn, rest)  # type: ignore[arg-type]
                    return
        finally:
            try:
                conn.close()
            except Exception:
                log.exception("closing sqlite failed")


class SqliteEngine(Engine):
    def __init__(self, path: Path | None, *, name: str = "sqlite") -> None:
        """``path`` None means an in-memory database (the ``memory`` backend)."""
        self.name = name
        self.path = path
        self.clock: Callable[[], float] = time.time
        self.wakeups = Wakeups()
        self.batches = 0  # commits so far (for benchmarks and tests)
        self._qids: dict[str, int] = {}  # queue name -> committed qid (see SqliteTx)
        self._writer: _Lane | None = None
        self._reader: _Lane | None = None
        self._lock_fd: int | None = None
        self._closed = False
        self._stopped: asyncio.Future | None = None

    # ---- lifecycle ---------------------------------------------------------
    async def start(self) -> None:
        if self._writer is not None:
            return
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._take_lock(self.path.parent / (self.path.name + ".lock"))
        try:
            conn = self._open()
            reader = self._open_reader() if self.path is not None else None
        except BaseException:
            self._release_lock()
            raise
        self._writer = _Lane(f"squall-{self.name}-writer", conn, self._commit_batch)
        self._writer.thread.start()
        if reader is not None:
            self._reader = _Lane(f"squall-{self.name}-reader", reader, self._read_batch)
            self._reader.thread.start()

    def _take_lock(self, lock_path: Path) -> None:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EngineLocked(f"another squall process is using {lock_path.parent}") from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def _open(self) -> sqlite3.Connection:
        target = ":memory:" if self.path is None else str(self.path)
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False, cached_statements=256)
        if self.path is not None:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise EngineError(f"cannot switch {self.path} to WAL (got {mode})")
            conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.executescript(SQLITE_SCHEMA)
        return conn

    def _open_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                               cached_statements=256)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")  # a write in read() fails instead of racing the writer
        conn.execute("PRAGMA cache_size=-32768")
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn

    async def close(self) -> None:
        """Finish every queued transaction and read, then close the database (idempotent)."""
        if self._closed:
            if self._stopped is not None:
                await asyncio.shield(self._stopped)
            return
        self._closed = True
        lanes = [lane for lane in (self._writer, self._reader) if lane is not None]
        if not lanes:
            self._release_lock()
            return
        loop = asyncio.get_running_loop()
        self._stopped = loop.create_future()
        for lane in lanes:
            lane.submit(_STOP)
        for lane in lanes:
            await loop.run_in_executor(None, lane.thread.join)
        self._release_lock()
        self._stopped.set_result(None)

    # ---- transactions ----------------------------------------------------------
    async def transact(self, fn: Callable[[Tx], T]) -> T:
        return await self._submit(self._writer, fn)

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return await self._submit(self._reader or self._writer, fn)

    async def peek(self, fn: Callable[[Tx], T]) -> T:
        """A few point lookups run right here on the event loop's thread when the reader
        connection is idle: waking the reader thread and coming back costs more (~70 µs of
        GIL hand-offs) than the lookups. Queued as a normal read when the reader is busy."""
        lane = self._reader
        if lane is None or self._closed or lane.jobs or not lane.busy.acquire(blocking=False):
            return await self.read(fn)
        try:
            conn = lane.conn
            conn.execute("BEGIN")
            try:
                return fn(SqliteTx(conn, self.clock(), self._qids))
            finally:
                conn.execute("COMMIT")
        finally:
            lane.busy.release()

    async def _submit(self, lane: _Lane | None, fn: Callable[[Tx], T]) -> T:
        if self._closed or lane is None:
            raise EngineError(f"{self.name} engine is not running")
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        lane.submit((fn, fut, loop))
        return await fut

    async def wait(self, channel: str, timeout: float) -> bool:
        return await self.wakeups.wait(channel, timeout)

    # ---- the writer thread --------------------------------------------------------
    def _commit_batch(self, conn: sqlite3.Connection, jobs: list[_Job]) -> None:
        """Run ``jobs`` in one transaction, commit once, resolve.

        Optimistic first: the jobs run back to back with no savepoints (two
        statements per job saved). Only if one raises is that attempt rolled
        back and the batch re-run with a savepoint per job, so the failure is
        undone alone; this is why ``transact`` functions must be safe to run
        again (see :meth:`Engine.transact`)."""
        if len(jobs) > 1:
            done = self._run_jobs(conn, jobs, isolate=False)
            if done is None:
                done = self._run_jobs(conn, jobs, isolate=True)
        else:
            done = self._run_jobs(conn, jobs, isolate=True)
        self.batches += 1
        self._hand_back(jobs, *done)  # type: ignore[misc]

    def _run_jobs(self, conn: sqlite3.Connection, jobs: list[_Job], *, isolate: bool) -> tuple | None:
        """One attempt at a batch. ``isolate=False``: None as soon as a job raises
        (everything rolled back). ``isolate=True``: each job but the first in
        its own savepoint, a raising job rolled back alone."""
        results: list[tuple[asyncio.Future, bool, Any]] = []
        channels: set[str] = set()
        callbacks: list[Callable[[], Any]] = []
        new_qids: list[dict[str, int]] = []
        clock, qids = self.clock, self._qids
        try:
            conn.execute("BEGIN")
            dirty = False  # has a job's work been kept in this transaction yet?
            for fn, fut, _loop in jobs:
                tx = SqliteTx(conn, clock(), qids)
                savepoint = isolate and dirty
                if savepoint:
                    conn.execute("SAVEPOINT job")
                try:
                    value = fn(tx)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    if not isolate:
                        conn.execute("ROLLBACK")
                        return None
                    if savepoint:
                        conn.execute("ROLLBACK TO job")
                        conn.execute("RELEASE job")
                    else:  # nothing else in the transaction yet: drop it whole
                        conn.execute("ROLLBACK")
                        conn.execute("BEGIN")
                    results.append((fut, False, exc))
                    continue
                if savepoint:
                    conn.execute("RELEASE job")
                dirty = True
                results.append((fut, True, value))
                channels |= tx.channels
                callbacks.extend(tx.callbacks)
                if tx.new_qids:
                    new_qids.append(tx.new_qids)
            conn.execute("COMMIT")
            for found in new_qids:  # committed now: safe to cache
                qids.update(found)
        except Exception as exc:
            log.exception("sqlite commit failed")
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except Exception:  # noqa: BLE001, S110 - the commit error is what we report
                pass
            err = EngineError(f"commit failed: {exc}")
            err.__cause__ = exc
            return [(fut, False, err) for _fn, fut, _loop in jobs], set(), []
        return results, channels, callbacks

    # ---- the reader thread ----------------------------------------------------------
    def _read_batch(self, conn: sqlite3.Connection, jobs: list[_Job]) -> None:
        """Run read jobs in one read transaction: one snapshot, taken after they were all queued."""
        results: list[tuple[asyncio.Future, bool, Any]] = []
        channels: set[str] = set()
        callbacks: list[Callable[[], Any]] = []
        clock, qids = self.clock, self._qids
        conn.execute("BEGIN")
        for fn, fut, _loop in jobs:
            tx = SqliteTx(conn, clock(), qids)
            try:
                results.append((fut, True, fn(tx)))
                channels |= tx.channels
                callbacks.extend(tx.callbacks)
                if tx.new_qids:  # a reader only sees committed rows (memory: on the writer, after its commits)
                    qids.update(tx.new_qids)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                results.append((fut, False, exc))
            if not conn.in_transaction:  # an error ended it; keep the rest in one
                conn.execute("BEGIN")
        try:
            conn.execute("COMMIT")  # nothing was written: no fsync, just ends the snapshot
        except sqlite3.Error:
            log.exception("ending a read transaction failed")
        self._hand_back(jobs, results, channels, callbacks)

    def _hand_back(self, jobs: list[_Job], results: list, channels: set[str], callbacks: list) -> None:
        """Resolve a batch with one ``call_soon_threadsafe`` per event loop."""
        loops: dict[asyncio.AbstractEventLoop, list] = {}
        for (_fn, _fut, loop), res in zip(jobs, results):
            loops.setdefault(loop, []).append(res)
        for loop, res in loops.items():  # one loop in practice; hooks run once, on the first
            try:
                loop.call_soon_threadsafe(self._resolve, res, channels, callbacks)
                channels, callbacks = set(), []
            except RuntimeError:  # the caller's loop is gone; nobody is waiting
                log.debug("dropping results for a closed event loop")

    def _resolve(self, results: list, channels: set[str], callbacks: list) -> None:
        for fut, ok, value in results:
            if fut.done():
                continue
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
        run_callbacks(callbacks)
        if channels:
            self.wakeups.fire(channels)
