"""Log events as ordered records: the layout that makes time-range reads cheap both ways.

Why records and not the engine's partitioned-log primitive: a log partition is read
forward by sequence number only, but CloudWatch Logs is read by *event time* — events
of one stream may arrive out of time order across calls, GetLogEvents starts at the
newest events by default and pages backwards, and both APIs take a time range. The
records primitive gives ordered range scans in both directions, so one key order serves
all of it.

Key: ``{gid}{sid}{position}`` in namespace ``logs/events``, where ``gid``/``sid`` are the
group's and stream's random 16-hex ids (:mod:`.store`) and ``position`` is a 37-hex-digit
integer that orders a stream's events::

    position = timestamp_ms << 104 | batch << 24 | index

``batch`` is an 80-bit id per write (microseconds of the write, a per-process counter and 16
random bits, so writers on several cluster nodes do not collide), ``index`` the event's place
in that write. So events sort by timestamp, then ingestion
order — the order FilterLogEvents documents — and every event has a unique, stable
position: it doubles as the FilterLogEvents ``eventId`` and as the cursor in paging tokens.
Fixed width keeps string order equal to integer order.

Value: ``b"{ingestion ms}\\n{message utf-8}"``.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from squall.engine.api import Tx

NS_EVENTS = "logs/events"
TS_SHIFT = 104
BATCH_SHIFT = 24
MAX_TS = (1 << 44) - 1  # 11 hex digits of milliseconds (year 2527)
POS_WIDTH = 37
_END = "g"  # sorts after every hex digit: the exclusive end of a stream's key range

_counter = itertools.count()


def new_batch() -> int:
    """An 80-bit write id, increasing within a process: µs since the epoch (52 bits), a 12-bit
    counter, 16 random bits."""
    micros = (time.time_ns() // 1000) & ((1 << 52) - 1)
    return micros << 28 | (next(_counter) & 0xFFF) << 16 | int.from_bytes(os.urandom(2), "big")


def position(ts: int, batch: int, index: int) -> int:
    return ts << TS_SHIFT | batch << BATCH_SHIFT | index


def pos_str(pos: int) -> str:
    return f"{pos:0{POS_WIDTH}x}"


def ts_floor(ts: int) -> int:
    """The smallest position with timestamp ``ts``."""
    return max(0, min(ts, MAX_TS + 1)) << TS_SHIFT


def stream_prefix(gid: str, sid: str) -> str:
    return gid + sid


def event_key(gid: str, sid: str, pos: int) -> str:
    return gid + sid + pos_str(pos)


def encode(ingest: int, message: str) -> bytes:
    return b"%d\n" % ingest + message.encode("utf-8", "surrogatepass")


@dataclass(slots=True)
class Event:
    pos: int
    ingest: int
    message: str
    sid: str = ""

    @property
    def timestamp(self) -> int:
        return self.pos >> TS_SHIFT

    @property
    def size(self) -> int:
        """Bytes counted against storage and the 1 MB response page (UTF-8 message + 26)."""
        return len(self.message.encode("utf-8", "surrogatepass")) + 26


def decode(key: str, raw: bytes) -> Event:
    head, _, body = raw.partition(b"\n")
    return Event(int(key[-POS_WIDTH:], 16), int(head), body.decode("utf-8", "surrogatepass"), key[16:32])


def write(tx: Tx, gid: str, sid: str, events: Iterable[tuple[int, str]], batch: int, first_index: int,
          ingest: int) -> tuple[int, int]:
    """Store ``(timestamp, message)`` events; returns (next free index, message bytes written)."""
    index, size = first_index, 0
    prefix = gid + sid
    rows = []
    for ts, message in events:
        value = encode(ingest, message)
        rows.append((prefix + pos_str(position(ts, batch, index)), value))
        size += len(value) - value.index(b"\n") - 1
        index += 1
    tx.put_many(NS_EVENTS, rows)  # one statement for the whole batch (a sink flush writes thousands)
    return index, size


def scan(tx: Tx, gid: str, sid: str, *, lo: int = 0, hi: int | None = None, after: int | None = None,
         before: int | None = None, limit: int, reverse: bool = False) -> list[Event]:
    """A stream's events with ``lo <= position < hi`` (``hi`` None: no end), optionally only
    those after / before a cursor position (exclusive), in position order (``reverse``: newest first)."""
    prefix = gid + sid
    end = prefix + (pos_str(hi) if hi is not None and hi <= MAX_TS << TS_SHIFT else _END)
    if before is not None:
        end = min(end, prefix + pos_str(before))
    rows = tx.scan(NS_EVENTS, start=prefix + pos_str(lo), end=end,
                   after=prefix + pos_str(after) if after is not None else None, limit=limit, reverse=reverse)
    return [decode(k, v) for k, v in rows]


def first_timestamp(tx: Tx, gid: str, sid: str) -> int | None:
    rows = tx.scan(NS_EVENTS, prefix=gid + sid, limit=1)
    return int(rows[0][0][-POS_WIDTH:], 16) >> TS_SHIFT if rows else None


def drop_group(tx: Tx, gid: str) -> int:
    return tx.delete_prefix(NS_EVENTS, gid)


def drop_stream(tx: Tx, gid: str, sid: str) -> int:
    return tx.delete_prefix(NS_EVENTS, gid + sid)


def expire(tx: Tx, gid: str, sid: str, before_ts: int, limit: int) -> tuple[int, int]:
    """Delete up to ``limit`` of a stream's events older than ``before_ts``; (count, message bytes)."""
    prefix = gid + sid
    rows = tx.scan(NS_EVENTS, start=prefix, end=prefix + pos_str(ts_floor(before_ts)), limit=limit)
    size = 0
    for key, raw in rows:
        tx.delete(NS_EVENTS, key)
        size += len(raw) - raw.index(b"\n") - 1
    return len(rows), size
