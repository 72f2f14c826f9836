"""Log stream operations: create, delete and describe.

DescribeLogStreams orders by name straight from the record key order (paged by the last
name seen); ordering by ``LastEventTime`` reads the group's stream records and sorts them,
paged by the (last event time, name) of the last stream returned, so a page boundary stays
stable while new events move other streams around.
"""

from __future__ import annotations

from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.logs import eventstore, store, validate
from squall.services.logs.errors import (
    InvalidParameterException,
    constraint,
    group_not_found,
    stream_exists,
    stream_not_found,
)
from squall.services.logs.store import LogGroup, LogStream

DESCRIBE_LIMIT = 50
ORDERS = ("LogStreamName", "LastEventTime")


def describe(group: LogGroup, stream: LogStream) -> dict[str, Any]:
    out: dict[str, Any] = {"logStreamName": stream.name, "creationTime": stream.created}
    if stream.first is not None:
        out["firstEventTimestamp"] = stream.first
    if stream.last is not None:
        out["lastEventTimestamp"] = stream.last
    if stream.ingest is not None:
        out["lastIngestionTime"] = stream.ingest
    if stream.seq:
        out["uploadSequenceToken"] = stream.sequence_token()
    out["arn"] = stream.arn(group)
    out["storedBytes"] = stream.bytes
    return out


def require_group(tx: Tx, account: str, region: str, name: str) -> LogGroup:
    group = store.load_group(tx, store.group_key(account, region, name))
    if group is None:
        raise group_not_found()
    return group


async def create_log_stream(ctx: Any, logGroupName: str, logStreamName: str) -> dict[str, Any]:
    group_name = validate.group_name(logGroupName)
    name = validate.stream_name(logStreamName)

    def work(tx: Tx) -> None:
        group = require_group(tx, ctx.account_id, ctx.region, group_name)
        stream = LogStream(group.key, name, store.new_id(), store.now_ms(tx))
        if not tx.insert(store.NS_STREAMS, stream.key, orjson.dumps(stream.to_doc())):
            raise stream_exists()

    await ctx.engine.transact(work)
    return {}


async def delete_log_stream(ctx: Any, logGroupName: str, logStreamName: str) -> dict[str, Any]:
    group_name = validate.group_name(logGroupName)
    name = validate.stream_name(logStreamName)

    def work(tx: Tx) -> None:
        group = require_group(tx, ctx.account_id, ctx.region, group_name)
        stream = store.load_stream(tx, group, name)
        if stream is None:
            raise stream_not_found()
        tx.delete(store.NS_STREAMS, stream.key)
        eventstore.drop_stream(tx, group.gid, stream.sid)

    await ctx.engine.transact(work)
    return {}


def _by_name(tx: Tx, group: LogGroup, prefix: str, after: str | None, count: int,
             descending: bool) -> tuple[list[LogStream], str | None]:
    streams = store.scan_streams(tx, group, prefix=prefix, after=after, limit=count + 1, reverse=descending)
    more = len(streams) > count
    streams = streams[:count]
    return streams, validate.encode_token(streams[-1].name) if more else None


def _by_time(tx: Tx, group: LogGroup, after: tuple[int, str] | None, count: int,
             descending: bool) -> tuple[list[LogStream], str | None]:
    def order(s: LogStream) -> tuple[int, str]:
        return (s.last if s.last is not None else -1, s.name)

    streams = sorted(store.scan_streams(tx, group), key=order, reverse=descending)
    if after is not None:
        streams = [s for s in streams if (order(s) < after if descending else order(s) > after)]
    page = streams[:count]
    token = None
    if len(streams) > count:
        last_time, last_name = order(page[-1])
        token = validate.encode_token(str(last_time), last_name)
    return page, token


async def describe_log_streams(ctx: Any, logGroupName: str | None = None, logGroupIdentifier: str | None = None,
                               logStreamNamePrefix: str | None = None, orderBy: str | None = None,
                               descending: bool | None = None, nextToken: str | None = None,
                               limit: int | None = None) -> dict[str, Any]:
    account, region, group_name = validate.group_ref(ctx.account_id, ctx.region, logGroupName, logGroupIdentifier)
    count = validate.limit(limit, "limit", DESCRIBE_LIMIT, DESCRIBE_LIMIT)
    order = orderBy or "LogStreamName"
    if order not in ORDERS:
        raise constraint("orderBy", order, "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
    if order == "LastEventTime" and logStreamNamePrefix:
        raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
    prefix = validate.stream_name(logStreamNamePrefix, "logStreamNamePrefix") if logStreamNamePrefix else ""
    by_time = order == "LastEventTime"
    token = validate.decode_token(nextToken, 2 if by_time else 1)
    time_after: tuple[int, str] | None = None
    if token is not None and by_time:
        try:
            time_after = (int(token[0]), token[1])
        except ValueError:
            raise InvalidParameterException("The specified nextToken is invalid.") from None

    def read(tx: Tx) -> dict[str, Any]:
        group = require_group(tx, account, region, group_name)
        if by_time:
            streams, next_token = _by_time(tx, group, time_after, count, bool(descending))
        else:
            streams, next_token = _by_name(tx, group, prefix, token[0] if token else None, count, bool(descending))
        out: dict[str, Any] = {"logStreams": [describe(group, s) for s in streams]}
        if next_token is not None:
            out["nextToken"] = next_token
        return out

    return await ctx.engine.read(read)
