"""FIFO queues: ordering per group, group blocking, deduplication, sequence numbers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of


def test_order_within_group_and_group_blocking(sqs, make_queue):
    url = make_queue(fifo=True, ContentBasedDeduplication="true")
    seqs = []
    for i in range(4):
        r = sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A")
        seqs.append(int(r["SequenceNumber"]))
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B")
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30,
                                AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "A"
    assert first[0]["Attributes"]["SequenceNumber"] == str(seqs[0])
    # Group A is blocked while a0/a1 are in flight; B is still available.
    nxt = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in nxt] == ["b0"]
    for m in first:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert [m["Body"] for m in rest] == ["a2", "a3"]


def test_deduplication_returns_original_ids(sqs, make_queue):
    url = make_queue(fifo=True)
    a = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d1")
    b = sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g", MessageDeduplicationId="d1")
    assert (a["MessageId"], a["SequenceNumber"]) == (b["MessageId"], b["SequenceNumber"])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["x"]


def test_content_based_deduplication(sqs, make_queue):
    url = make_queue(fifo=True, ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g2")
    assert a["MessageId"] == b["MessageId"]
    c = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g", MessageDeduplicationId="explicit")
    assert c["MessageId"] != a["MessageId"]
    m = sqs.receive_message(QueueUrl=url, AttributeNames=["MessageDeduplicationId"])["Messages"][0]
    assert len(m["Attributes"]["MessageDeduplicationId"]) == 64


def test_deduplication_scope_message_group(sqs, make_queue):
    url = make_queue(fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d")
    b = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g2", MessageDeduplicationId="d")
    assert a["MessageId"] != b["MessageId"]


def test_fifo_parameter_rules(sqs, make_queue):
    url = make_queue(fifo=True)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(exc)[0] == "MissingParameter"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert error_of(exc)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d",
                         DelaySeconds=5)
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_fifo_batch_dedup_and_order(sqs, make_queue):
    url = make_queue(fifo=True, ContentBasedDeduplication="true")
    r = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"m{i}", "MessageGroupId": "g"} for i in range(5)])
    assert len(r["Successful"]) == 5
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(5)]


def test_fifo_attributes(sqs, make_queue):
    url = make_queue(fifo=True)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["DeduplicationScope"] == "queue"
    assert attrs["FifoThroughputLimit"] == "perQueue"


def test_receive_request_attempt_id_replays_the_same_messages(sqs, make_queue):
    url = make_queue(fifo=True, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId=f"g{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30,
                                ReceiveRequestAttemptId="try-1")["Messages"]
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30,
                                ReceiveRequestAttemptId="try-1")["Messages"]
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in again] == [
        (m["MessageId"], m["ReceiptHandle"]) for m in first]
    # Once one of them is deleted the attempt id is spent: a retry receives anew.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    fresh = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-1")["Messages"]
    assert [m["Body"] for m in fresh] == ["m2"]
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="bad id with spaces")
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_sequence_numbers_are_long_numeric_strings(sqs, make_queue):
    url = make_queue(fifo=True)
    r = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": "m", "MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"}
        for i in range(3)])
    numbers = [e["SequenceNumber"] for e in sorted(r["Successful"], key=lambda e: e["Id"])]
    assert all(n.isdigit() and len(n) >= 20 for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)


def test_long_poll_wakes_when_the_group_is_unblocked(sqs, make_queue, aws_client):
    import threading
    import time

    url = make_queue(fifo=True, ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="second", MessageGroupId="g")
    head = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]
    assert head["Body"] == "first"
    other = aws_client("sqs")
    timer = threading.Timer(0.3, lambda: other.delete_message(QueueUrl=url, ReceiptHandle=head["ReceiptHandle"]))
    t0 = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    timer.join()
    assert [m["Body"] for m in got] == ["second"]
    assert time.monotonic() - t0 < 3
