"""The cluster backend: PostgreSQL through psycopg 3, for many squall nodes on one database.

How the primitives map:

* **transactions** — ``fn(tx)`` is synchronous, so it runs on one of a few
  worker threads, each borrowing a connection from a ``psycopg_pool`` pool,
  inside ``BEGIN … COMMIT`` (READ COMMITTED). The awaitable resolves after
  the commit returned, i.e. after PostgreSQL made it durable. Serialization
  failures and deadlocks are retried with a fresh ``Tx`` (so ``fn`` may run
  more than once; it must not have side effects outside ``tx``).
* **leases** — ``SELECT … FOR UPDATE SKIP LOCKED`` picks due items (and due
  timers), so concurrent leasers on any node never hand out the same item and
  never wait for each other. FIFO leases first take
  ``pg_advisory_xact_lock(queue)``: the "is this group blocked" decision reads
  other rows, and two leasers deciding at once could both release a group's
  next item; the lock serializes FIFO leasers per queue until commit.
* **logs** — the ``log_heads`` counter row is updated in the appending
  transaction, so concurrent appenders to one partition serialize on it and
  sequence numbers increase in commit order.
* **wake-ups** — after commit the local waiters are woken at once (as on
  SQLite); inside the transaction ``pg_notify('squall', channel)`` tells every
  other node, whose dedicated ``LISTEN`` connection fires its own waiters.
* **schema** — created at start under an advisory lock, idempotently, so two
  nodes may start together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from squall.engine.api import Engine, EngineError, Tx
from squall.engine.schema import pg_statements
from squall.engine.sqltx import SqlTx
from squall.engine.wakeups import Wakeups, run_callbacks

T = TypeVar("T")
log = logging.getLogger("squall.engine.postgres")

NOTIFY_CHANNEL = "squall"
SCHEMA_LOCK = 0x5371_7561_6C6C  # "Squall": the advisory lock key for migrations
MAX_RETRIES = 8


def _read_only(conn: Any) -> None:
    """Pool ``configure`` hook for the read pool: a write inside ``read()`` fails loudly."""
    conn.read_only = True


@functools.lru_cache(maxsize=2048)
def _pg(sql: str) -> str:
    """``?`` placeholders (the shared SQL) → psycopg's ``%s``."""
    return sql.replace("?", "%s")


class PgTx(SqlTx):
    LEASE_LOCK = " FOR UPDATE SKIP LOCKED"

    def _x(self, sql: str, params: tuple | list = ()) -> Any:
        return self._c.execute(_pg(sql), params)

    def _sql(self, sql: str) -> str:
        return _pg(sql)

    def _lock_queue(self, queue: str) -> None:
        self._c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (queue,))

    def put_many(self, ns: str, items: Iterable[tuple[str, bytes]]) -> None:
        # One statement over two arrays instead of ``executemany``'s statement per row: the arrays
        # are adapted in C and the server does the rest, so a big batch (a log sink flush) holds
        # the GIL — which the event loop thread needs — for a fraction of the time. One INSERT may
        # not touch a key twice (ON CONFLICT … cannot affect row a second time): the last value of
        # a repeated key wins, as with a statement per row.
        rows = dict(items)
        if not rows:
            return
        self._c.execute(
            "INSERT INTO records (ns, key, value) SELECT %s, k, v FROM unnest(%s::text[], %s::bytea[]) AS t(k, v) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
            (ns, list(rows), list(rows.values())))


class PostgresEngine(Engine):
    name = "postgresql"

    def __init__(self, url: str, *, workers: int = 4, readers: int = 2) -> None:
        self.url = url
        self.workers = workers
        self.readers = readers
        self.clock: Callable[[], float] = time.time
        self.wakeups = Wakeups()
        self._pool: Any = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._read_pool: Any = None
        self._read_executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._started = False

    # ---- lifecycle -----------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        from psycopg_pool import ConnectionPool

        self._loop = asyncio.get_running_loop()
        self._pool = ConnectionPool(self.url, min_size=1, max_size=self.workers, open=False,
                                    kwargs={"autocommit": False}, name="squall-engine")
        self._executor = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="squall-pg")
        # reads get their own threads and READ ONLY connections: they never queue behind writes
        self._read_pool = ConnectionPool(self.url, min_size=1, max_size=self.readers, open=False,
                                         kwargs={"autocommit": False}, configure=_read_only,
                                         name="squall-engine-read")
        self._read_executor = concurrent.futures.ThreadPoolExecutor(self.readers, thread_name_prefix="squall-pg-r")
        try:
            await self._loop.run_in_executor(self._executor, self._open)
        except Exception as exc:
            self._executor.shutdown(wait=False)
            self._read_executor.shutdown(wait=False)
            self._pool.close()
            self._read_pool.close()
            raise EngineError(f"cannot open PostgreSQL engine: {exc}") from exc
        self._listener = threading.Thread(target=self._listen, name="squall-pg-listen", daemon=True)
        self._listener.start()
        # once start() returns, NOTIFYs from other nodes reach this node's waiters
        await self._loop.run_in_executor(None, self._listening.wait, 10)
        self._started = True

    def _open(self) -> None:
        self._pool.open(wait=True, timeout=15)
        self._read_pool.open(wait=True, timeout=15)
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for stmt in pg_statements():
                conn.execute(stmt)

    async def close(self) -> None:
        """Finish running and queued transactions, stop listening, close the pool (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if not self._started:
            return
        self._stop.set()
        loop = asyncio.get_running_loop()
        executor = self._executor
        assert executor is not None
        await loop.run_in_executor(None, functools.partial(executor.shutdown, wait=True))
        if self._read_executor is not None:
            await loop.run_in_executor(None, functools.partial(self._read_executor.shutdown, wait=True))
        if self._listener is not None:
            await loop.run_in_executor(None, self._listener.join, 5)
        await loop.run_in_executor(None, self._pool.close)
        await loop.run_in_executor(None, self._read_pool.close)

    # ---- transactions ------------------------------------------------------------
    async def transact(self, fn: Callable[[Tx], T]) -> T:
        return await self._submit(fn, False)

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return await self._submit(fn, True)

    async def _submit(self, fn: Callable[[Tx], T], read: bool) -> T:
        if self._closed or not self._started:
            raise EngineError("postgresql engine is not running")
        executor = self._read_executor if read else self._executor
        assert executor is not None
        loop = asyncio.get_running_loop()
        try:
            value, channels, callbacks = await loop.run_in_executor(executor, self._run, fn, read)
        except RuntimeError as exc:  # executor shut down under us
            raise EngineError(str(exc)) from exc
        run_callbacks(callbacks)
        if channels:
            self.wakeups.fire(channels)
        return value

    def _run(self, fn: Callable[[Tx], T], read: bool = False) -> tuple[T, set[str], list]:
        import psycopg
        from psycopg import errors

        pool = self._read_pool if read else self._pool
        for attempt in range(MAX_RETRIES):
            try:
                with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                    tx = PgTx(cur, self.clock())
                    value = fn(tx)
                    if tx.channels and not read:
                        cur.execute("SELECT pg_notify(%s, c) FROM unnest(%s::text[]) AS c",
                                    (NOTIFY_CHANNEL, list(tx.channels)))
                return value, tx.channels, tx.callbacks
            except (errors.SerializationFailure, errors.DeadlockDetected):
                if attempt == MAX_RETRIES - 1:
                    raise
                time.sleep(0.002 * (2 ** attempt))
            except psycopg.OperationalError as exc:
                raise EngineError(f"PostgreSQL: {exc}") from exc
        raise AssertionError("unreachable")

    async def wait(self, channel: str, timeout: float) -> bool:
        return await self.wakeups.wait(channel, timeout)

    # ---- cross-node wake-ups ---------------------------------------------------------
    def _listen(self) -> None:
        """Own one autocommit connection that LISTENs and fires local waiters on NOTIFY."""
        import psycopg

        loop = self._loop
        assert loop is not None
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    if self._listening.is_set():  # a reconnect: anything may have been missed
                        loop.call_soon_threadsafe(self.wakeups.fire_all)
                    self._listening.set()
                    while not self._stop.is_set():
                        channels = [n.payload for n in conn.notifies(timeout=0.25)]
                        if channels:
                            loop.call_soon_threadsafe(self.wakeups.fire, channels)
            except Exception:
                if self._stop.is_set() or loop.is_closed():
                    return
                log.warning("PostgreSQL listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(1.0)
