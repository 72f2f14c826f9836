"""FilterLogEvents: a group's events across streams, merged in time order and filtered.

Each selected stream (by names, by prefix, or all) whose [first, last] event time overlaps
the requested range gets a cursor that reads its events in chunks; a heap merges the
cursors by (position, stream id) — timestamp, then ingestion order, as AWS documents —
ascending, or descending with ``startFromHead=false``. Events go through the compiled
filter pattern until the page is full (``limit``, 1 MB) or a scan budget is spent; then the
page ends with a ``nextToken`` naming the last event *examined*, so the next call resumes
exactly behind it in every stream. No token means the search is complete.

``searchedLogStreams`` is answered empty: AWS stopped filling it on 2020-05-15 (see the
model's documentation of the member); ``interleaved`` is always on, as AWS now does.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from squall.engine.api import Tx
from squall.services.logs import eventstore, store, validate
from squall.services.logs.errors import InvalidParameterException, bad_token
from squall.services.logs.events import MAX_BATCH_EVENTS, MAX_PAGE_BYTES
from squall.services.logs.filter_pattern import Matcher, PatternError, compile_pattern
from squall.services.logs.store import LogGroup, LogStream
from squall.services.logs.streams import require_group

SCAN_BUDGET = 50_000  # events examined per call before answering a partial page with a token
CHUNK = 500


@dataclass
class _Cursor:
    """Reads one stream's events in the merge direction, a chunk at a time."""

    tx: Tx
    gid: str
    stream: LogStream
    forward: bool
    lo: int
    hi: int | None
    after: int | None = None  # forward: exclusive lower cursor
    before: int | None = None  # backward: exclusive upper cursor
    buffer: list[eventstore.Event] = field(default_factory=list)
    done: bool = False

    def next(self) -> eventstore.Event | None:
        if not self.buffer and not self.done:
            chunk = eventstore.scan(self.tx, self.gid, self.stream.sid, lo=self.lo, hi=self.hi, limit=CHUNK,
                                    after=self.after if self.forward else None,
                                    before=None if self.forward else self.before, reverse=not self.forward)
            self.done = len(chunk) < CHUNK
            if chunk:
                if self.forward:
                    self.after = chunk[-1].pos
                else:
                    self.before = chunk[-1].pos
            chunk.reverse()  # pop() from the end
            self.buffer = chunk
        return self.buffer.pop() if self.buffer else None


def _token(forward: bool, event: eventstore.Event) -> str:
    return validate.encode_token("f" if forward else "b", eventstore.pos_str(event.pos), event.sid)


def _parse_token(token: str | None) -> tuple[bool, int, str] | None:
    parts = validate.decode_token(token, 3)
    if parts is None:
        return None
    direction, pos, sid = parts
    if direction not in ("f", "b") or len(pos) != eventstore.POS_WIDTH or len(sid) != 16:
        raise bad_token()
    try:
        return direction == "f", int(pos, 16), sid
    except ValueError:
        raise bad_token() from None


def _select(tx: Tx, group: LogGroup, names: list[str] | None, prefix: str | None) -> list[LogStream]:
    if names is not None:
        found = (store.load_stream(tx, group, name) for name in dict.fromkeys(names))
        return [s for s in found if s is not None]
    return store.scan_streams(tx, group, prefix=prefix or "")


def _search(tx: Tx, group: LogGroup, streams: list[LogStream], matcher: Matcher, *, start: int,
            end: int | None, forward: bool, resume: tuple[int, str] | None, limit: int) -> dict[str, Any]:
    lo = eventstore.ts_floor(start)
    hi = eventstore.ts_floor(end) if end is not None else None
    heap: list[tuple[Any, ...]] = []
    names: dict[str, str] = {}
    for i, stream in enumerate(streams):
        if stream.first is None or stream.last < start or (end is not None and stream.first >= end):
            continue
        cursor = _Cursor(tx, group.gid, stream, forward, lo, hi)
        if resume is not None:
            pos, sid = resume
            # merge order is (position, stream id): a stream sorting before the resume stream
            # has already given its events at ``pos``; one sorting after has not.
            if forward:
                if stream.sid <= sid:
                    cursor.after = pos
                else:
                    cursor.lo = max(lo, pos)
            else:
                cursor.before = pos + 1 if stream.sid < sid else pos
        names[stream.sid] = stream.name
        _push(heap, cursor, forward, i)
    events: list[dict[str, Any]] = []
    size = examined = 0
    last: eventstore.Event | None = None
    while heap and len(events) < limit and size < MAX_PAGE_BYTES and examined < SCAN_BUDGET:
        *_, i, event, cursor = heapq.heappop(heap)
        _push(heap, cursor, forward, i)
        examined += 1
        last = event
        if matcher(event.message):
            size += event.size
            events.append({"logStreamName": names[event.sid], "timestamp": event.timestamp,
                           "message": event.message, "ingestionTime": event.ingest, "eventId": str(event.pos)})
    out: dict[str, Any] = {"events": events, "searchedLogStreams": []}
    if heap and last is not None:
        out["nextToken"] = _token(forward, last)
    return out


def _push(heap: list[tuple[Any, ...]], cursor: _Cursor, forward: bool, i: int) -> None:
    event = cursor.next()
    if event is None:
        return
    sid = int(event.sid, 16)
    key = (event.pos, sid) if forward else (-event.pos, -sid)
    heapq.heappush(heap, (*key, i, event, cursor))


async def filter_log_events(ctx: Any, logGroupName: str | None = None, logGroupIdentifier: str | None = None,
                            logStreamNames: list[str] | None = None, logStreamNamePrefix: str | None = None,
                            startTime: int | None = None, endTime: int | None = None,
                            filterPattern: str | None = None, nextToken: str | None = None,
                            limit: int | None = None, startFromHead: bool | None = None,
                            interleaved: bool | None = None, unmask: bool | None = None) -> dict[str, Any]:
    account, region, group_name = validate.group_ref(ctx.account_id, ctx.region, logGroupName, logGroupIdentifier)
    if logStreamNames is not None and logStreamNamePrefix is not None:
        raise InvalidParameterException("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
    if logStreamNames is not None:
        if not 1 <= len(logStreamNames) <= 100:
            raise InvalidParameterException("1 validation error detected: Value at 'logStreamNames' failed to "
                                            "satisfy constraint: Member must have length between 1 and 100")
        for name in logStreamNames:
            validate.stream_name(name, "logStreamNames")
    count = validate.limit(limit, "limit", MAX_BATCH_EVENTS, MAX_BATCH_EVENTS)
    start = validate.timestamp(startTime, "startTime") or 0
    end = validate.timestamp(endTime, "endTime")
    if end is not None:
        end += 1  # FilterLogEvents' endTime is inclusive ("later than this time are not returned")
    try:
        matcher = compile_pattern(filterPattern)
    except PatternError as exc:
        raise InvalidParameterException(f"Invalid filter pattern: {exc}") from None
    resume = _parse_token(nextToken)
    forward = resume[0] if resume is not None else startFromHead is not False

    def read(tx: Tx) -> dict[str, Any]:
        group = require_group(tx, account, region, group_name)
        streams = _select(tx, group, logStreamNames, logStreamNamePrefix)
        return _search(tx, group, streams, matcher, start=max(start, group.cutoff(store.now_ms(tx))), end=end,
                       forward=forward, resume=resume[1:] if resume is not None else None, limit=count)

    return await ctx.engine.read(read)
