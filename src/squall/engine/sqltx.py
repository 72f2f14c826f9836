"""The :class:`~squall.engine.api.Tx` primitives in SQL, shared by both backends.

SQLite and PostgreSQL speak the same SQL for everything here (upserts with
``ON CONFLICT``, ``RETURNING``, ``CASE``), so the primitives are written once
with ``?`` placeholders against a DB-API connection. A backend subclasses
:class:`SqlTx` only where the databases really differ: placeholder style, row
locking for concurrent leasers (``FOR UPDATE SKIP LOCKED``), the per-queue lock
that makes FIFO group blocking correct with many nodes, and cross-node
notification. With one SQLite writer thread none of the locking is needed.

Nothing about items is cached in Python: every call reads the database, so
memory stays flat however many items a queue holds. The one hook for that,
:meth:`SqlTx._qid`, lets SQLite key items on a small integer per queue name
(PostgreSQL keeps the name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from os import urandom
from typing import Any

from squall.arn import ordered_uuid
from squall.engine.api import DuplicateItem, LogRecord, QueueItem, QueueStats, Timer, Tx, queue_channel

ITEM_COLS = "seq, id, body, grp, enqueued_at, visible_at, receive_count, first_received_at, lease_token"


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``
    (bytewise UTF-8 order = code point order); None when there is none."""
    chars = list(prefix)
    while chars:
        c = ord(chars.pop())
        if c < 0x10FFFF:
            c += 1
            if 0xD800 <= c <= 0xDFFF:  # surrogates are not encodable; skip past them
                c = 0xE000
            return "".join(chars) + chr(c)
    return None


def _token() -> str:
    """A fresh lease token: 128 random bits as hex (``os.urandom`` is ~4x cheaper than ``uuid4``)."""
    return urandom(16).hex()


class SqlTx(Tx):
    """One transaction over a DB-API connection ``conn`` (``conn.execute`` → cursor)."""

    #: appended to SELECTs that pick rows to lease (PostgreSQL: skip rows other leasers hold)
    LEASE_LOCK = ""

    def __init__(self, conn: Any, now: float) -> None:
        self._c = conn
        self.now = now
        self.channels: set[str] = set()
        self.callbacks: list[Callable[[], Any]] = []

    # ---- backend hooks -------------------------------------------------------
    def _x(self, sql: str, params: tuple | list = ()) -> Any:
        return self._c.execute(sql, params)

    def _qid(self, queue: str, create: bool = False) -> Any:
        """The value the ``items.queue`` column holds for ``queue``: the name itself here;
        SQLite overrides this with a small integer id (see ``SqliteTx``). ``create`` is
        True only on enqueue; otherwise an unknown queue may map to a value no item holds."""
        return queue

    def _lock_queue(self, queue: str) -> None:
        """Serialize FIFO leasers of ``queue`` for the rest of the transaction (no-op: one writer)."""

    # ---- records -------------------------------------------------------------
    def get(self, ns: str, key: str) -> bytes | None:
        row = self._x("SELECT value FROM records WHERE ns = ? AND key = ?", (ns, key)).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, ns: str, key: str, value: bytes) -> None:
        self._x(
            "INSERT INTO records (ns, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
            (ns, key, value),
        )

    def put_many(self, ns: str, items: Iterable[tuple[str, bytes]]) -> None:
        self._c.executemany(self._sql(
            "INSERT INTO records (ns, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value"),
            [(ns, key, value) for key, value in items])

    def insert(self, ns: str, key: str, value: bytes) -> bool:
        cur = self._x(
            "INSERT INTO records (ns, key, value) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO NOTHING",
            (ns, key, value),
        )
        return cur.rowcount == 1

    def delete(self, ns: str, key: str) -> bool:
        return self._x("DELETE FROM records WHERE ns = ? AND key = ?", (ns, key)).rowcount > 0

    @staticmethod
    def _range(prefix: str | None, start: str | None, end: str | None, after: str | None) -> tuple[str, list]:
        sql, params = "", []
        if prefix:
            sql += " AND key >= ?"
            params.append(prefix)
            stop = prefix_end(prefix)
            if stop is not None:
                sql += " AND key < ?"
                params.append(stop)
        if start is not None:
            sql += " AND key >= ?"
            params.append(start)
        if end is not None:
            sql += " AND key < ?"
            params.append(end)
        if after is not None:
            sql += " AND key > ?"
            params.append(after)
        return sql, params

    def scan(self, ns: str, *, prefix: str | None = None, start: str | None = None, end: str | None = None,
             after: str | None = None, limit: int | None = None, reverse: bool = False) -> list[tuple[str, bytes]]:
        cond, params = self._range(prefix, start, end, after)
        sql = "SELECT key, value FROM records WHERE ns = ?" + cond + (" ORDER BY key DESC" if reverse else " ORDER BY key")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(limit, 0))
        return [(k, bytes(v)) for k, v in self._x(sql, [ns, *params]).fetchall()]

    def delete_prefix(self, ns: str, prefix: str = "") -> int:
        cond, params = self._range(prefix, None, None, None)
        return self._x("DELETE FROM records WHERE ns = ?" + cond, [ns, *params]).rowcount

    # ---- leased queues -------------------------------------------------------
    @staticmethod
    def _item(queue: str, row: tuple) -> QueueItem:
        seq, id_, body, grp, enq, vis, rc, first, token = row
        return QueueItem(queue, id_, bytes(body), grp, enq, vis, rc, first, token, seq)

    def enqueue(self, queue: str, body: bytes, *, id: str | None = None, delay: float = 0.0,
                group: str | None = None, enqueued_at: float | None = None) -> QueueItem:
        item_id = id or ordered_uuid()
        visible_at = self.now + max(delay, 0.0)
        enq = self.now if enqueued_at is None else enqueued_at
        row = self._x(
            "INSERT INTO items (queue, id, body, grp, enqueued_at, visible_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (queue, id) DO NOTHING RETURNING seq",
            (self._qid(queue, True), item_id, body, group, enq, visible_at),
        ).fetchone()
        if row is None:
            raise DuplicateItem(f"queue {queue!r} already holds item {item_id!r}")
        self.channels.add(queue_channel(queue))
        return QueueItem(queue, item_id, body, group, enq, visible_at, 0, None, None, row[0])

    def lease(self, queue: str, limit: int, visibility: float, *, fifo: bool = False,
              max_receive: int | None = None) -> list[QueueItem]:
        if limit <= 0:
            return []
        rows = self._pick_fifo(queue, limit, max_receive) if fifo else self._pick(queue, limit, max_receive)
        if not rows:
            return []
        now, until, q = self.now, self.now + visibility, self._qid(queue)
        out, updates = [], []
        for seq, id_, body, grp, enq, _vis, rc, first, _tok in rows:
            token = _token()
            first = now if first is None else first
            out.append(QueueItem(queue, id_, bytes(body), grp, enq, until, rc + 1, first, token, seq))
            updates.append((until, rc + 1, token, first, q, seq))
        self._c.executemany(self._sql(
            "UPDATE items SET visible_at = ?, receive_count = ?, lease_token = ?, first_received_at = ? "
            "WHERE queue = ? AND seq = ?"), updates)
        return out

    def _sql(self, sql: str) -> str:
        return sql

    def _pick(self, queue: str, limit: int, max_receive: int | None) -> list[tuple]:
        extra, params = "", [self._qid(queue), self.now]
        if max_receive is not None:
            extra, params = " AND receive_count < ?", [*params, max_receive]
        return self._x(
            f"SELECT {ITEM_COLS} FROM items WHERE queue = ? AND visible_at <= ?{extra} "
            f"ORDER BY visible_at, seq LIMIT ?{self.LEASE_LOCK}",
            [*params, limit],
        ).fetchall()

    def _pick_fifo(self, queue: str, limit: int, max_receive: int | None) -> list[tuple]:
        """Due items in seq order, skipping groups that are blocked: a group
        yields only its due items below its first not-due item, and nothing
        at all while one of its items is in flight."""
        self._lock_queue(queue)
        now, picked, after, q = self.now, [], 0, self._qid(queue)
        barrier: dict[str, float] = {}  # group -> first seq it may not pass
        batch = max(limit * 4, 64)
        while len(picked) < limit:
            rows = self._x(
                f"SELECT {ITEM_COLS} FROM items WHERE queue = ? AND seq > ? AND visible_at <= ? "
                f"ORDER BY seq LIMIT ?", (q, after, now, batch)).fetchall()
            for row in rows:
                seq, grp, rc = row[0], row[3], row[6]
                if grp is not None:
                    stop = barrier.get(grp)
                    if stop is None:
                        stop = barrier[grp] = self._group_barrier(queue, grp)
                    if seq >= stop:
                        continue
                if max_receive is not None and rc >= max_receive:
                    if grp is not None:
                        barrier[grp] = seq  # order within the group: nothing may pass it
                    continue
                picked.append(row)
                if len(picked) == limit:
                    break
            if len(rows) < batch:
                break
            after = rows[-1][0]
        return picked

    def _group_barrier(self, queue: str, grp: str) -> float:
        row = self._x(
            "SELECT min(seq), max(CASE WHEN receive_count > 0 THEN 1 ELSE 0 END) FROM items "
            "WHERE queue = ? AND grp = ? AND visible_at > ?", (self._qid(queue), grp, self.now)).fetchone()
        if row[0] is None:
            return float("inf")
        return -1.0 if row[1] else float(row[0])

    def ack(self, queue: str, id: str, lease_token: str | None = None) -> bool:
        queue = self._qid(queue)
        if lease_token is None:
            return self._x("DELETE FROM items WHERE queue = ? AND id = ?", (queue, id)).rowcount > 0
        return self._x("DELETE FROM items WHERE queue = ? AND id = ? AND lease_token = ?",
                       (queue, id, lease_token)).rowcount > 0

    def set_visibility(self, queue: str, id: str, lease_token: str | None, delay: float) -> bool:
        until = self.now + max(delay, 0.0)
        queue = self._qid(queue)
        if lease_token is None:
            cur = self._x("UPDATE items SET visible_at = ? WHERE queue = ? AND id = ?", (until, queue, id))
        else:
            cur = self._x("UPDATE items SET visible_at = ? WHERE queue = ? AND id = ? AND lease_token = ?",
                          (until, queue, id, lease_token))
        return cur.rowcount > 0

    def get_item(self, queue: str, id: str) -> QueueItem | None:
        row = self._x(f"SELECT {ITEM_COLS} FROM items WHERE queue = ? AND id = ?",
                      (self._qid(queue), id)).fetchone()
        return None if row is None else self._item(queue, row)

    def peek_items(self, queue: str, *, limit: int = 100, after_seq: int = 0) -> list[QueueItem]:
        rows = self._x(f"SELECT {ITEM_COLS} FROM items WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?",
                       (self._qid(queue), after_seq, max(limit, 0))).fetchall()
        return [self._item(queue, r) for r in rows]

    def remove_items(self, queue: str, ids: Iterable[str]) -> int:
        q = self._qid(queue)
        return sum(self._x("DELETE FROM items WHERE queue = ? AND id = ?", (q, i)).rowcount for i in ids)

    def expire_items(self, queue: str, enqueued_before: float, limit: int = 1000) -> int:
        return self._x(
            "DELETE FROM items WHERE seq IN (SELECT seq FROM items WHERE queue = ? AND enqueued_at < ? "
            "ORDER BY seq LIMIT ?)", (self._qid(queue), enqueued_before, max(limit, 0))).rowcount

    def purge(self, queue: str) -> int:
        return self._x("DELETE FROM items WHERE queue = ?", (self._qid(queue),)).rowcount

    def stats(self, queue: str) -> QueueStats:
        queue = self._qid(queue)
        visible = self._x("SELECT count(*) FROM items WHERE queue = ? AND visible_at <= ?",
                          (queue, self.now)).fetchone()[0]
        in_flight, delayed = self._x(
            "SELECT coalesce(sum(CASE WHEN receive_count > 0 THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN receive_count = 0 THEN 1 ELSE 0 END), 0) "
            "FROM items WHERE queue = ? AND visible_at > ?", (queue, self.now)).fetchone()
        return QueueStats(int(visible), int(in_flight), int(delayed))

    def next_due(self, queue: str) -> float | None:
        return self._x("SELECT min(visible_at) FROM items WHERE queue = ?", (self._qid(queue),)).fetchone()[0]

    # ---- logs ------------------------------------------------------------------
    def append(self, log: str, partition: str, data: bytes) -> int:
        seq = self._x(
            "INSERT INTO log_heads (log, part, last_seq) VALUES (?, ?, 1) ON CONFLICT (log, part) "
            "DO UPDATE SET last_seq = log_heads.last_seq + 1 RETURNING last_seq", (log, partition)).fetchone()[0]
        self._x("INSERT INTO logs (log, part, seq, at, data) VALUES (?, ?, ?, ?, ?)",
                (log, partition, seq, self.now, data))
        return int(seq)

    def read_log(self, log: str, partition: str, *, after_seq: int = 0, limit: int = 100) -> list[LogRecord]:
        rows = self._x("SELECT seq, at, data FROM logs WHERE log = ? AND part = ? AND seq > ? ORDER BY seq LIMIT ?",
                       (log, partition, after_seq, max(limit, 0))).fetchall()
        return [LogRecord(log, partition, int(s), at, bytes(d)) for s, at, d in rows]

    def trim_log(self, log: str, *, before: float | None = None, upto_seq: int | None = None,
                 partition: str | None = None) -> int:
        which, params = [], [log]
        if before is not None:
            which.append("at < ?")
            params.append(before)
        if upto_seq is not None:
            which.append("seq <= ?")
            params.append(upto_seq)
        if not which:
            return 0
        sql = "DELETE FROM logs WHERE log = ? AND (" + " OR ".join(which) + ")"
        if partition is not None:
            sql += " AND part = ?"
            params.append(partition)
        return self._x(sql, params).rowcount

    def log_partitions(self, log: str) -> list[str]:
        return [r[0] for r in self._x("SELECT part FROM log_heads WHERE log = ? ORDER BY part", (log,)).fetchall()]

    def log_bounds(self, log: str, partition: str) -> tuple[int, int]:
        lo, hi = self._x("SELECT min(seq), max(seq) FROM logs WHERE log = ? AND part = ?",
                         (log, partition)).fetchone()
        return (0, 0) if lo is None else (int(lo), int(hi))

    def set_checkpoint(self, log: str, consumer: str, partition: str, seq: int) -> None:
        self._x("INSERT INTO checkpoints (log, consumer, part, seq) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (log, consumer, part) DO UPDATE SET seq = excluded.seq", (log, consumer, partition, seq))

    def get_checkpoint(self, log: str, consumer: str, partition: str) -> int:
        row = self._x("SELECT seq FROM checkpoints WHERE log = ? AND consumer = ? AND part = ?",
                      (log, consumer, partition)).fetchone()
        return 0 if row is None else int(row[0])

    def drop_log(self, log: str) -> None:
        for table in ("logs", "log_heads", "checkpoints"):
            self._x(f"DELETE FROM {table} WHERE log = ?", (log,))

    # ---- timers ------------------------------------------------------------------
    def set_timer(self, name: str, due: float, payload: bytes = b"") -> None:
        self._x("INSERT INTO timers (name, due, payload, lease_token) VALUES (?, ?, ?, NULL) ON CONFLICT (name) "
                "DO UPDATE SET due = excluded.due, payload = excluded.payload, lease_token = NULL",
                (name, due, payload))

    def cancel_timer(self, name: str) -> bool:
        return self._x("DELETE FROM timers WHERE name = ?", (name,)).rowcount > 0

    @staticmethod
    def _name_range(prefix: str) -> tuple[str, list]:
        if not prefix:
            return "", []
        stop = prefix_end(prefix)
        if stop is None:
            return " AND name >= ?", [prefix]
        return " AND name >= ? AND name < ?", [prefix, stop]

    def claim_timers(self, limit: int, lease: float, *, prefix: str = "") -> list[Timer]:
        cond, params = self._name_range(prefix)
        rows = self._x(f"SELECT name, due, payload FROM timers WHERE due <= ?{cond} ORDER BY due, name LIMIT ?"
                       f"{self.LEASE_LOCK}", [self.now, *params, max(limit, 0)]).fetchall()
        out, updates = [], []
        for name, due, payload in rows:
            token = _token()
            out.append(Timer(name, due, bytes(payload), token))
            updates.append((self.now + lease, token, name))
        if updates:
            self._c.executemany(self._sql("UPDATE timers SET due = ?, lease_token = ? WHERE name = ?"), updates)
        return out

    def complete_timer(self, name: str, lease_token: str) -> bool:
        return self._x("DELETE FROM timers WHERE name = ? AND lease_token = ?", (name, lease_token)).rowcount > 0

    def next_timer_due(self, prefix: str = "") -> float | None:
        cond, params = self._name_range(prefix)
        return self._x(f"SELECT min(due) FROM timers WHERE 1 = 1{cond}", params).fetchone()[0]

    # ---- wake-ups / commit hooks ---------------------------------------------------
    def notify(self, channel: str) -> None:
        self.channels.add(channel)

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self.callbacks.append(callback)
