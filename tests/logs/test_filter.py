"""FilterLogEvents through boto3: events of many streams interleaved in time order, stream
selection, filter patterns (terms, JSON), paging tokens in both directions, time ranges."""

from __future__ import annotations

import json

import pytest

from tests.logs.conftest import error_of, now_ms, unique


@pytest.fixture
def busy_group(logs, make_group):
    """Three streams with interleaved events at base+0..base+8 (one per ms, plus a tie at base+4)."""
    group = make_group(streams=("web-1", "web-2", "worker"))
    base = now_ms() - 10_000
    layout = {"web-1": [0, 3, 4, 6], "web-2": [1, 4, 7], "worker": [2, 5, 8]}
    for stream, offsets in layout.items():
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": base + o, "message": f"{stream} at {o}" + (" ERROR boom" if o % 3 == 0 else " INFO ok")}
            for o in offsets])
    return group, base


def all_pages(logs, **kw) -> tuple[list[dict], int]:
    events, pages = [], 0
    while True:
        page = logs.filter_log_events(**kw)
        events += page["events"]
        pages += 1
        if not page.get("nextToken"):
            return events, pages
        kw["nextToken"] = page["nextToken"]


def test_interleaved_in_time_order(logs, busy_group):
    group, base = busy_group
    page = logs.filter_log_events(logGroupName=group)
    times = [e["timestamp"] - base for e in page["events"]]
    assert times == [0, 1, 2, 3, 4, 4, 5, 6, 7, 8]
    first = page["events"][0]
    assert set(first) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert first["logStreamName"] == "web-1" and first["message"] == "web-1 at 0 ERROR boom"
    assert len({e["eventId"] for e in page["events"]}) == 10
    assert page["searchedLogStreams"] == [] and "nextToken" not in page


def test_paging_never_skips_or_repeats(logs, busy_group):
    group, _ = busy_group
    full = logs.filter_log_events(logGroupName=group)["events"]
    for limit in (1, 2, 3, 4):
        events, pages = all_pages(logs, logGroupName=group, limit=limit)
        assert [e["eventId"] for e in events] == [e["eventId"] for e in full]
        assert pages >= len(full) // limit


def test_descending(logs, busy_group):
    group, base = busy_group
    full = logs.filter_log_events(logGroupName=group)["events"]
    events, _ = all_pages(logs, logGroupName=group, startFromHead=False, startTime=base, limit=3)
    assert [e["eventId"] for e in events] == [e["eventId"] for e in reversed(full)]


def test_stream_selection_and_time_range(logs, busy_group):
    group, base = busy_group
    by_names = logs.filter_log_events(logGroupName=group, logStreamNames=["worker", "web-2", "missing"])["events"]
    assert [e["timestamp"] - base for e in by_names] == [1, 2, 4, 5, 7, 8]
    by_prefix = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="web")["events"]
    assert {e["logStreamName"] for e in by_prefix} == {"web-1", "web-2"} and len(by_prefix) == 7
    ranged = logs.filter_log_events(logGroupName=group, startTime=base + 3, endTime=base + 5)["events"]
    assert [e["timestamp"] - base for e in ranged] == [3, 4, 4, 5]  # both ends inclusive
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.filter_log_events(logGroupName=group, logStreamNames=["web-1"], logStreamNamePrefix="web")


def test_patterns(logs, busy_group):
    group, base = busy_group
    errors = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["timestamp"] - base for e in errors] == [0, 3, 6]
    web_errors = logs.filter_log_events(logGroupName=group, filterPattern='ERROR "web-1 at"')["events"]
    assert [e["timestamp"] - base for e in web_errors] == [0, 3, 6]
    either = logs.filter_log_events(logGroupName=group, filterPattern="?boom ?worker")["events"]
    assert [e["timestamp"] - base for e in either] == [0, 2, 3, 5, 6, 8]
    not_worker = logs.filter_log_events(logGroupName=group, filterPattern="INFO -worker")["events"]
    assert [e["timestamp"] - base for e in not_worker] == [1, 4, 4, 7]
    paged, _ = all_pages(logs, logGroupName=group, filterPattern="INFO", limit=2)
    assert len(paged) == 7


def test_json_patterns(logs, make_group):
    group = make_group(streams=("a", "b"))
    now = now_ms()
    docs = [{"level": "ERROR", "latency": 150}, {"level": "INFO", "latency": 20}, {"level": "ERROR", "latency": 5}]
    logs.put_log_events(logGroupName=group, logStreamName="a",
                        logEvents=[{"timestamp": now + i, "message": json.dumps(d)} for i, d in enumerate(docs)])
    logs.put_log_events(logGroupName=group, logStreamName="b",
                        logEvents=[{"timestamp": now, "message": "plain ERROR text"}])
    errors = logs.filter_log_events(logGroupName=group, filterPattern='{ $.level = "ERROR" }')["events"]
    assert [json.loads(e["message"])["latency"] for e in errors] == [150, 5]
    slow = logs.filter_log_events(logGroupName=group, filterPattern="{ $.latency > 100 }")["events"]
    assert len(slow) == 1 and json.loads(slow[0]["message"])["latency"] == 150
    both = logs.filter_log_events(logGroupName=group,
                                  filterPattern='{ $.level = "ERROR" && $.latency < 100 || $.level = "INFO" }')
    assert [json.loads(e["message"])["latency"] for e in both["events"]] == [20, 5]
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.filter_log_events(logGroupName=group, filterPattern='{ $.level = "ERROR"')
    assert error_of(exc)[1].startswith("Invalid filter pattern")


def test_identifier_and_errors(logs, busy_group):
    group, _ = busy_group
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}:*"
    assert len(logs.filter_log_events(logGroupIdentifier=arn)["events"]) == 10
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.filter_log_events(logGroupName=unique())
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.filter_log_events(logGroupName=group, nextToken="bm9wZQ")
    assert error_of(exc)[1] == "The specified nextToken is invalid."
