"""Batch operations: per-entry results and the batch-level errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of


def test_send_batch_partial_failure(sqs, make_queue):
    url = make_queue()
    r = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "fine"},
        {"Id": "bad", "MessageBody": "bad \x02"},
        {"Id": "late", "MessageBody": "x", "DelaySeconds": 1000},
    ])
    assert [e["Id"] for e in r["Successful"]] == ["ok"]
    failed = {e["Id"]: e for e in r["Failed"]}
    assert failed["bad"]["Code"] == "InvalidMessageContents" and failed["bad"]["SenderFault"] is True
    assert failed["late"]["Code"] == "InvalidParameterValue"


@pytest.mark.parametrize("entries,code", [
    ([], "EmptyBatchRequest"),
    ([{"Id": str(i), "MessageBody": "x"} for i in range(11)], "TooManyEntriesInBatchRequest"),
    ([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}], "BatchEntryIdsNotDistinct"),
    ([{"Id": "bad id!", "MessageBody": "x"}], "InvalidBatchEntryId"),
    ([{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)], "BatchRequestTooLong"),
])
def test_send_batch_errors(sqs, make_queue, entries, code):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    assert error_of(exc)[0] == code


def test_delete_and_change_visibility_batches(sqs, make_queue):
    url = make_queue()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(4)])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert len(got) == 4
    r = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "b", "ReceiptHandle": "nope", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in r["Successful"]] == ["a"]
    assert r["Failed"][0]["Id"] == "b" and r["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    r = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[1:])] + [
        {"Id": "junk", "ReceiptHandle": "junk"}])
    assert len(r["Successful"]) == 3
    assert r["Failed"][0]["Id"] == "junk"
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in again] == [got[0]["MessageId"]]
    with pytest.raises(ClientError) as exc:
        sqs.delete_message_batch(QueueUrl=url, Entries=[])
    assert error_of(exc)[0] == "EmptyBatchRequest"


def test_batch_throughput_roundtrip(sqs, make_queue):
    url = make_queue()
    for b in range(20):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"{b}-{i}"} for i in range(10)])
    seen = set()
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages", [])
        if not msgs:
            break
        seen.update(m["Body"] for m in msgs)
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                         for i, m in enumerate(msgs)])
    assert len(seen) == 200
