"""PutLogEvents and GetLogEvents through boto3: batch rules and rejections, time order, time
ranges, and GetLogEvents' forward/backward tokens (the same token back at the end)."""

from __future__ import annotations

import pytest

from tests.logs.conftest import error_of, now_ms, put, unique

DAY = 86_400_000


def messages(page: dict) -> list[str]:
    return [e["message"] for e in page["events"]]


def test_put_and_get_latest_first_page(logs, make_group):
    group = make_group(streams=("s",))
    ts = put(logs, group, "s", *[f"m{i}" for i in range(10)])
    page = logs.get_log_events(logGroupName=group, logStreamName="s")
    assert messages(page) == [f"m{i}" for i in range(10)]
    first = page["events"][0]
    assert first["timestamp"] == ts and abs(first["ingestionTime"] - ts) < 60_000
    latest = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3)  # newest events, in time order
    assert messages(latest) == ["m7", "m8", "m9"]
    head = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3, startFromHead=True)
    assert messages(head) == ["m0", "m1", "m2"]


def test_forward_tokens_follow_new_events(logs, make_group):
    group = make_group(streams=("s",))
    put(logs, group, "s", "a", "b", "c", "d", "e")
    page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=2)
    seen = messages(page)
    token = page["nextForwardToken"]
    while True:
        page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=2,
                                   nextToken=token)
        if page["nextForwardToken"] == token:  # the end: the same token comes back
            assert page["events"] == []
            break
        seen += messages(page)
        token = page["nextForwardToken"]
    assert seen == ["a", "b", "c", "d", "e"]
    again = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token)
    assert again["events"] == [] and again["nextForwardToken"] == token
    put(logs, group, "s", "f", "g")
    page = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token)
    assert messages(page) == ["f", "g"]
    assert page["nextForwardToken"] != token


def test_backward_tokens_page_to_the_beginning(logs, make_group):
    group = make_group(streams=("s",))
    put(logs, group, "s", *"abcdefg")
    page = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3)
    pages = [messages(page)]
    token = page["nextBackwardToken"]
    while True:
        page = logs.get_log_events(logGroupName=group, logStreamName="s", limit=3, nextToken=token)
        if page["nextBackwardToken"] == token:
            assert page["events"] == []
            break
        pages.append(messages(page))
        token = page["nextBackwardToken"]
    assert pages == [["e", "f", "g"], ["b", "c", "d"], ["a"]]
    # turning around at the beginning reads forward from the first event again
    forward = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2, nextToken=page["nextForwardToken"])
    assert messages(forward) == ["a", "b"]


def test_empty_stream_tokens(logs, make_group):
    group = make_group(streams=("s",))
    page = logs.get_log_events(logGroupName=group, logStreamName="s")
    assert page["events"] == [] and page["nextForwardToken"].startswith("f/")
    assert page["nextBackwardToken"].startswith("b/")
    put(logs, group, "s", "first")
    assert messages(logs.get_log_events(logGroupName=group, logStreamName="s",
                                        nextToken=page["nextForwardToken"])) == ["first"]


def test_time_order_across_batches_and_time_range(logs, make_group):
    group = make_group(streams=("s",))
    base = now_ms() - 60_000
    put(logs, group, "s", "t30", "t40", ts=base + 30, step=10)
    put(logs, group, "s", "t10", "t20", ts=base + 10, step=10)  # an older batch arriving later
    put(logs, group, "s", "t20b", ts=base + 20)
    page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert messages(page) == ["t10", "t20", "t20b", "t30", "t40"]
    ranged = logs.get_log_events(logGroupName=group, logStreamName="s", startTime=base + 20, endTime=base + 40,
                                 startFromHead=True)
    assert messages(ranged) == ["t20", "t20b", "t30"]  # startTime inclusive, endTime exclusive
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"
    assert messages(logs.get_log_events(logGroupIdentifier=arn, logStreamName="s", limit=1)) == ["t40"]


def test_sequence_tokens_and_unicode(logs, make_group):
    group = make_group(streams=("s",))
    first = logs.put_log_events(logGroupName=group, logStreamName="s",
                                logEvents=[{"timestamp": now_ms(), "message": "héllo ✓"}])
    second = logs.put_log_events(logGroupName=group, logStreamName="s", sequenceToken="whatever-is-ignored",
                                 logEvents=[{"timestamp": now_ms(), "message": "next"}])
    assert int(second["nextSequenceToken"]) == int(first["nextSequenceToken"]) + 1
    assert "rejectedLogEventsInfo" not in second
    assert messages(logs.get_log_events(logGroupName=group, logStreamName="s")) == ["héllo ✓", "next"]
    stream = logs.describe_log_streams(logGroupName=group)["logStreams"][0]
    assert stream["storedBytes"] == len("héllo ✓".encode()) + 4


def test_rejected_events(logs, make_group):
    group = make_group(streams=("s",))
    now = now_ms()
    events = [{"timestamp": now - 15 * DAY, "message": "too old"}, {"timestamp": now - 15 * DAY + 1, "message": "old"},
              {"timestamp": now, "message": "fine"}, {"timestamp": now + 3 * 3_600_000, "message": "too new"}]
    resp = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    assert resp["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 3}
    assert messages(logs.get_log_events(logGroupName=group, logStreamName="s")) == ["fine"]
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    events = [{"timestamp": now - 2 * DAY, "message": "expired"}, {"timestamp": now, "message": "kept"}]
    resp = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    assert resp["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}
    assert messages(logs.get_log_events(logGroupName=group, logStreamName="s")) == ["fine", "kept"]


def test_put_errors(logs, make_group):
    group = make_group(streams=("s",))
    now = now_ms()
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
    assert error_of(exc) == ("InvalidParameterException",
                             "Log events in a single PutLogEvents request must be in chronological order.", 400)
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
            {"timestamp": now - 2 * DAY, "message": "a"}, {"timestamp": now, "message": "b"}])
    assert "cannot span more than 24 hours" in error_of(exc)[1]
    big = "x" * (1_048_576 - 26)
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now, "message": big}])
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now, "message": big + "y"}])
    assert error_of(exc)[1] == "Upload too large: 1048577 bytes exceeds limit of 1048576"
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now, "message": "m"}] * 10_001)
    assert "Member must have length less than or equal to 10000" in error_of(exc)[1]
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.put_log_events(logGroupName=group, logStreamName="nope", logEvents=[{"timestamp": now, "message": "m"}])
    assert error_of(exc)[1] == "The specified log stream does not exist."
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.put_log_events(logGroupName=unique(), logStreamName="s", logEvents=[{"timestamp": now, "message": "m"}])
    assert error_of(exc)[1] == "The specified log group does not exist."


def test_get_errors_and_page_size(logs, make_group):
    group = make_group(streams=("s",))
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.get_log_events(logGroupName=group, logStreamName="nope")
    assert error_of(exc)[1] == "The specified log stream does not exist."
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.get_log_events(logGroupName=group, logStreamName="s", nextToken="f/garbage")
    assert error_of(exc)[1] == "The specified nextToken is invalid."
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.get_log_events(logGroupName=group, logStreamName="s", limit=10_001)
    chunk = "y" * 700_000  # two of these do not fit one 1 MB response page
    put(logs, group, "s", chunk + "1")
    put(logs, group, "s", chunk + "2")
    page = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)
    assert [m[-1] for m in messages(page)] == ["1"]
    page = logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=page["nextForwardToken"])
    assert [m[-1] for m in messages(page)] == ["2"]
