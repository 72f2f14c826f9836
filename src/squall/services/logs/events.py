"""PutLogEvents and GetLogEvents: writing a batch into one stream, reading one stream by time.

PutLogEvents follows the documented batch rules
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html):
at most 10,000 events and 1,048,576 bytes (UTF-8 messages + 26 bytes each), in chronological
order (else the call fails); events more than 14 days old, older than the group's retention,
or more than 2 hours in the future are *rejected* — reported in ``rejectedLogEventsInfo``
while the rest are stored; the accepted events may not span more than 24 hours. The
sequence token is accepted and ignored, as AWS now does.

GetLogEvents pages through one stream. Its tokens are boundaries between events:
``f/<position>`` reads the events after ``position``, ``b/<position>`` those before it
(see :mod:`.eventstore` for positions). A page answers ``f/<its last event>`` and
``b/<its first event>``; an empty page answers the token it was given, unchanged — the
"same token means the end" rule that ``--follow``-style polling relies on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from squall.engine.api import Tx
from squall.services.logs import eventstore, store, validate
from squall.services.logs.errors import InvalidParameterException, bad_token, constraint, stream_not_found
from squall.services.logs.streams import require_group

MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_PAGE_BYTES = 1_048_576
DAY_MS = 86_400_000
TOO_OLD_MS = 14 * DAY_MS
TOO_NEW_MS = 2 * 3_600_000
MAX_SPAN_MS = DAY_MS


def page_cap(events: list[eventstore.Event], limit_bytes: int = MAX_PAGE_BYTES) -> int:
    """How many of ``events`` fit a response page of ``limit_bytes`` (always at least one)."""
    total = 0
    for i, event in enumerate(events):
        total += event.size
        if total > limit_bytes and i:
            return i
    return len(events)


# ---- PutLogEvents -------------------------------------------------------------------------------------
def _check_batch(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    if not events:
        raise constraint("logEvents", events, "Member must have length greater than or equal to 1")
    if len(events) > MAX_BATCH_EVENTS:
        raise constraint("logEvents", events, "Member must have length less than or equal to 10000")
    out: list[tuple[int, str]] = []
    size = 0
    previous = -1
    for i, event in enumerate(events, 1):
        ts, message = event.get("timestamp"), event.get("message")
        if ts is None or message is None:
            raise InvalidParameterException(f"1 validation error detected: Value null at 'logEvents.{i}.member."
                                            f"{'timestamp' if ts is None else 'message'}' failed to satisfy "
                                            "constraint: Member must not be null")
        if ts < 0:
            raise constraint(f"logEvents.{i}.member.timestamp", ts, "Member must have value greater than or equal to 0")
        if not message:
            raise constraint(f"logEvents.{i}.member.message", message,
                             "Member must have length greater than or equal to 1")
        if ts < previous:
            raise InvalidParameterException(
                "Log events in a single PutLogEvents request must be in chronological order.")
        previous = ts
        size += len(message.encode("utf-8", "surrogatepass")) + EVENT_OVERHEAD
        out.append((ts, message))
    if size > MAX_BATCH_BYTES:
        raise InvalidParameterException(f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}")
    return out


def _count_before(events: list[tuple[int, str]], ts: int) -> int:
    """How many leading events (sorted by time) are older than ``ts``."""
    n = 0
    while n < len(events) and events[n][0] < ts:
        n += 1
    return n


async def put_log_events(ctx: Any, logGroupName: str, logStreamName: str, logEvents: list[dict[str, Any]],
                         sequenceToken: str | None = None, entity: dict[str, Any] | None = None) -> dict[str, Any]:
    group_name = validate.group_name(logGroupName)
    stream_name = validate.stream_name(logStreamName)
    events = _check_batch(logEvents)
    batch = eventstore.new_batch()

    def work(tx: Tx) -> dict[str, Any]:
        group = require_group(tx, ctx.account_id, ctx.region, group_name)
        stream = store.load_stream(tx, group, stream_name)
        if stream is None:
            raise stream_not_found()
        now = store.now_ms(tx)
        too_old = _count_before(events, now - TOO_OLD_MS)
        expired = _count_before(events, group.cutoff(now)) if group.retention else 0
        too_new = len(events) - sum(1 for ts, _ in events if ts > now + TOO_NEW_MS)
        accepted = events[max(too_old, expired):too_new]
        if accepted and accepted[-1][0] - accepted[0][0] > MAX_SPAN_MS:
            raise InvalidParameterException(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        if accepted:
            _, size = eventstore.write(tx, group.gid, stream.sid, accepted, batch, 0, now)
            stream.record(accepted[0][0], accepted[-1][0], now, size)
        stream.seq += 1
        store.save_stream(tx, stream)
        out: dict[str, Any] = {"nextSequenceToken": stream.sequence_token()}
        rejected: dict[str, int] = {}
        if too_old:
            rejected["tooOldLogEventEndIndex"] = too_old  # exclusive: events[:too_old] were too old
        if expired:
            rejected["expiredLogEventEndIndex"] = expired
        if too_new < len(events):
            rejected["tooNewLogEventStartIndex"] = too_new
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    return await ctx.engine.transact(work)


# ---- GetLogEvents -------------------------------------------------------------------------------------
_TOKEN = re.compile(rf"([fb])/([0-9a-f]{{{eventstore.POS_WIDTH}}})")


@dataclass(frozen=True, slots=True)
class Cursor:
    forward: bool
    pos: int

    def __str__(self) -> str:
        return f"{'f' if self.forward else 'b'}/{eventstore.pos_str(self.pos)}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        m = _TOKEN.fullmatch(token)
        if m is None:
            raise bad_token()
        return cls(m.group(1) == "f", int(m.group(2), 16))

    def turned(self) -> Cursor:
        """The same boundary read the other way: after P ≡ before P+1, before P ≡ after P-1."""
        if self.forward:
            return Cursor(False, self.pos + 1)
        return Cursor(True, max(self.pos - 1, 0))


def _tokens(events: list[eventstore.Event], given: Cursor | None, token: str | None) -> tuple[str, str]:
    """(nextForwardToken, nextBackwardToken) for a page."""
    if events:
        return str(Cursor(True, events[-1].pos)), str(Cursor(False, events[0].pos))
    if given is None:
        start = Cursor(True, 0)
        return str(start), str(start.turned())
    assert token is not None
    return (token, str(given.turned())) if given.forward else (str(given.turned()), token)


async def get_log_events(ctx: Any, logStreamName: str, logGroupName: str | None = None,
                         logGroupIdentifier: str | None = None, startTime: int | None = None,
                         endTime: int | None = None, nextToken: str | None = None, limit: int | None = None,
                         startFromHead: bool | None = None, unmask: bool | None = None) -> dict[str, Any]:
    account, region, group_name = validate.group_ref(ctx.account_id, ctx.region, logGroupName, logGroupIdentifier)
    stream_name = validate.stream_name(logStreamName)
    count = validate.limit(limit, "limit", MAX_BATCH_EVENTS, MAX_BATCH_EVENTS)
    start = validate.timestamp(startTime, "startTime") or 0
    end = validate.timestamp(endTime, "endTime")
    cursor = Cursor.parse(nextToken) if nextToken is not None else None
    forward = cursor.forward if cursor is not None else bool(startFromHead)

    def read(tx: Tx) -> list[eventstore.Event]:
        group = require_group(tx, account, region, group_name)
        stream = store.load_stream(tx, group, stream_name)
        if stream is None:
            raise stream_not_found()
        lo = eventstore.ts_floor(max(start, group.cutoff(store.now_ms(tx))))
        hi = eventstore.ts_floor(end) if end is not None else None
        if forward:
            events = eventstore.scan(tx, group.gid, stream.sid, lo=lo, hi=hi, limit=count,
                                     after=cursor.pos if cursor else None)
            return events[:page_cap(events)]
        events = eventstore.scan(tx, group.gid, stream.sid, lo=lo, hi=hi, limit=count, reverse=True,
                                 before=cursor.pos if cursor else None)
        events = events[:page_cap(events)]
        events.reverse()
        return events

    events = await ctx.engine.read(read)
    forward_token, backward_token = _tokens(events, cursor, nextToken)
    return {
        "events": [{"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingest} for e in events],
        "nextForwardToken": forward_token,
        "nextBackwardToken": backward_token,
    }
