"""Log streams through boto3: create/delete (errors), describe (fields, prefix, ordering by
name or last event time in both directions, paging)."""

from __future__ import annotations

import pytest

from tests.logs.conftest import error_of, now_ms, put, unique


def test_create_describe_delete(logs, make_group):
    group = make_group(streams=("app/1",))
    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert stream["logStreamName"] == "app/1"
    assert stream["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:log-stream:app/1"
    assert stream["storedBytes"] == 0 and stream["creationTime"] > 0
    assert "firstEventTimestamp" not in stream and "uploadSequenceToken" not in stream
    ts = put(logs, group, "app/1", "hello", "world")
    [stream] = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert stream["firstEventTimestamp"] == ts and stream["lastEventTimestamp"] == ts + 1
    assert stream["lastIngestionTime"] >= ts - 5000
    assert stream["storedBytes"] == 10 and len(stream["uploadSequenceToken"]) == 56
    logs.delete_log_stream(logGroupName=group, logStreamName="app/1")
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []


def test_stream_errors(logs, make_group):
    group = make_group(streams=("s",))
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException) as exc:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    assert error_of(exc) == ("ResourceAlreadyExistsException", "The specified log stream already exists", 400)
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.create_log_stream(logGroupName=unique(), logStreamName="s")
    assert error_of(exc)[1] == "The specified log group does not exist."
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.delete_log_stream(logGroupName=group, logStreamName="nope")
    assert error_of(exc)[1] == "The specified log stream does not exist."
    for bad in ("a:b", "a*b", "x" * 513):
        with pytest.raises(logs.exceptions.InvalidParameterException):
            logs.create_log_stream(logGroupName=group, logStreamName=bad)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.describe_log_streams(logGroupName=unique())


def test_describe_by_name_prefix_paging_descending(logs, make_group):
    names = [f"2024/01/0{i}/[$LATEST]{i}" for i in range(1, 6)] + ["other"]
    group = make_group(streams=tuple(names))
    prefixed = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="2024/")["logStreams"]
    assert [s["logStreamName"] for s in prefixed] == names[:5]
    seen, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        page = logs.describe_log_streams(logGroupName=group, limit=2, descending=True, **kw)
        seen += [s["logStreamName"] for s in page["logStreams"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == sorted(names, reverse=True)
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.describe_log_streams(logGroupName=group, limit=51)
    assert "less than or equal to 50" in error_of(exc)[1]


def test_describe_by_last_event_time(logs, make_group):
    group = make_group(streams=("a", "b", "c", "empty"))
    now = now_ms()
    put(logs, group, "b", "x", ts=now - 3000)
    put(logs, group, "c", "x", ts=now - 2000)
    put(logs, group, "a", "x", ts=now - 1000)
    asc = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime")["logStreams"]
    assert [s["logStreamName"] for s in asc] == ["empty", "b", "c", "a"]
    seen, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        page = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True, limit=3, **kw)
        seen += [s["logStreamName"] for s in page["logStreams"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == ["a", "c", "b", "empty"]
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a")
    assert error_of(exc)[1] == "Cannot order by LastEventTime with a logStreamNamePrefix."


def test_describe_by_identifier(logs, make_group):
    group = make_group(streams=("s",))
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:*"
    assert logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"][0]["logStreamName"] == "s"
    assert logs.describe_log_streams(logGroupIdentifier=group)["logStreams"][0]["logStreamName"] == "s"
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_streams(logGroupIdentifier=arn, logGroupName=group)
