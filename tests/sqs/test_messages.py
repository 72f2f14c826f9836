"""Send / receive / delete / visibility through boto3, incl. attributes, MD5s and long polling."""

from __future__ import annotations

import hashlib
import threading
import time

import pytest
from botocore.exceptions import ClientError

from squall.services.sqs.md5 import md5_of_attributes
from tests.sqs.conftest import error_of


def test_send_receive_delete_roundtrip(sqs, make_queue):
    url = make_queue()
    body = "hello wörld ✓ \U0001F600"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    msgs = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"]
    assert len(msgs) == 1
    m = msgs[0]
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == body
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    attrs = m["Attributes"]
    assert attrs["ApproximateReceiveCount"] == "1"
    assert abs(int(attrs["SentTimestamp"]) / 1000 - time.time()) < 30
    assert int(attrs["ApproximateFirstReceiveTimestamp"]) >= int(attrs["SentTimestamp"])
    assert attrs["SenderId"]
    assert "SequenceNumber" not in attrs
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)


def test_message_attributes_and_md5(sqs, make_queue):
    url = make_queue()
    attrs = {
        "s": {"DataType": "String", "StringValue": "text ✓"},
        "n": {"DataType": "Number", "StringValue": "-12.5e3"},
        "i": {"DataType": "Number.int", "StringValue": "42"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "pre.x": {"DataType": "String.custom", "StringValue": "p"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs,
                            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                                        "StringValue": "Root=1-abc"}})
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}})
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["AWSTraceHeader"],
                            VisibilityTimeout=0)["Messages"][0]
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"] == {"AWSTraceHeader": "Root=1-abc"}
    # Selection by name and by prefix; MD5 covers what is returned.
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["s", "pre.*"], VisibilityTimeout=0)["Messages"][0]
    assert set(m["MessageAttributes"]) == {"s", "pre.x"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({k: attrs[k] for k in ("s", "pre.x")})
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    assert "MessageAttributes" not in m and "MD5OfMessageAttributes" not in m


def test_known_md5_vector(sqs, make_queue):
    # Value published with the AWS message-attribute MD5 algorithm description.
    url = make_queue()
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "attribName1": {"DataType": "String", "StringValue": "attribValue 1"}})
    assert sent["MD5OfMessageAttributes"] == "19e27d4e946b072f3f58da80d94fd778"


def test_visibility_timeout_and_receive_count(sqs, make_queue):
    url = make_queue(VisibilityTimeout="1")
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.1)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    # A stale receipt handle: the request succeeds but the message is not deleted.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])


def test_change_visibility_errors(sqs, make_queue):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="v")
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    with pytest.raises(ClientError) as exc:  # visibility already expired: not in flight
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=10)
    assert error_of(exc)[0] == "MessageNotInflight"
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=10)
    assert error_of(exc)[0] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as exc:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    assert error_of(exc)[0] == "ReceiptHandleIsInvalid"
    m = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=43201)
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_delay_seconds_queue_and_message(sqs, make_queue):
    url = make_queue(DelaySeconds="1")
    sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    sqs.send_message(QueueUrl=url, MessageBody="no-delay", DelaySeconds=0)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["no-delay"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"]
    assert [m["Body"] for m in got] == ["queue-delay"]


def test_long_poll_returns_as_soon_as_a_message_arrives(sqs, make_queue, aws_client):
    url = make_queue()
    sender = aws_client("sqs")
    timer = threading.Timer(0.5, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    t0 = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    elapsed = time.monotonic() - t0
    timer.join()
    assert [m["Body"] for m in got] == ["late"]
    assert 0.4 < elapsed < 3


def test_long_poll_times_out_empty(sqs, make_queue):
    url = make_queue(ReceiveMessageWaitTimeSeconds="1")
    t0 = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert 0.9 < time.monotonic() - t0 < 3
    t0 = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert time.monotonic() - t0 < 0.9


def test_receive_max_number(sqs, make_queue):
    url = make_queue()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert sorted(int(m["Body"]) for m in got) == list(range(10))
    for bad in (0, 11):
        with pytest.raises(ClientError) as exc:
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=bad)
        assert error_of(exc)[0] == "InvalidParameterValue"


def test_message_size_limit(sqs, make_queue):
    url = make_queue(MaximumMessageSize="1024")
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert error_of(exc)[0] == "InvalidParameterValue"
    big = make_queue()
    sqs.send_message(QueueUrl=big, MessageBody="y" * 1_048_576)
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=big, MessageBody="y" * 1_048_577)


def test_invalid_message_contents(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    assert error_of(exc)[0] == "InvalidMessageContents"
    sqs.send_message(QueueUrl=url, MessageBody="ok \t\n\r \ufffd \U0010ffff")


def test_standard_queue_parameter_rules(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(exc)[0] == "InvalidParameterValue"
    # Fair queues: standard queues accept a MessageGroupId and return it.
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="tenant-1")
    m = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["MessageGroupId"])["Messages"][0]
    assert m["Attributes"]["MessageGroupId"] == "tenant-1"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert error_of(exc)[0] == "InvalidParameterValue"


@pytest.mark.parametrize("attrs", [
    {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    {"AWS.x": {"DataType": "String", "StringValue": "v"}},
    {".x": {"DataType": "String", "StringValue": "v"}},
    {"a..b": {"DataType": "String", "StringValue": "v"}},
    {"x": {"DataType": "Integer", "StringValue": "1"}},
    {"x": {"DataType": "Number", "StringValue": "abc"}},
    {"x": {"DataType": "String", "StringValue": ""}},
    {"x": {"DataType": "Binary", "StringValue": "abc"}},
])
def test_invalid_message_attributes(sqs, make_queue, attrs):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attrs)
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_retention_expiry(sqs, make_queue):
    url = make_queue(MessageRetentionPeriod="60")
    sqs.send_message(QueueUrl=url, MessageBody="keep")
    assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"] == "keep"


def test_message_ids_are_uuids(sqs, make_queue):
    import uuid

    url = make_queue()
    r = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(10)])
    ids = [e["MessageId"] for e in r["Successful"]]
    assert len(set(ids)) == 10
    # Time-ordered (version 7) UUIDs: still the 8-4-4-4-12 form, cheap to index.
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in ids)


def test_long_poll_wakes_when_a_message_becomes_visible_again(sqs, make_queue, aws_client):
    url = make_queue()
    sqs.send_message(QueueUrl=url, MessageBody="again")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]["ReceiptHandle"]
    other = aws_client("sqs")
    timer = threading.Timer(0.3, lambda: other.change_message_visibility(
        QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0))
    t0 = time.monotonic()
    timer.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10, AttributeNames=["ApproximateReceiveCount"])
    timer.join()
    assert got["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    assert time.monotonic() - t0 < 3


def test_graceful_stop_does_not_wait_for_long_polls(fresh_server):
    import boto3
    from botocore.config import Config

    client = boto3.client("sqs", endpoint_url=fresh_server.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=Config(retries={"max_attempts": 1}, read_timeout=30))
    url = client.create_queue(QueueName="poll")["QueueUrl"]
    outcome: list[object] = []

    def poll() -> None:
        try:
            outcome.append(client.receive_message(QueueUrl=url, WaitTimeSeconds=20))
        except Exception as exc:  # noqa: BLE001 - the connection may be closed on shutdown
            outcome.append(exc)

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    assert fresh_server.stop(timeout=10) == 0
    assert time.monotonic() - t0 < 2  # well under uvicorn's 3 s grace period
    thread.join(10)
    assert outcome and not (isinstance(outcome[0], dict) and outcome[0].get("Messages"))


def test_ordered_uuids_sort_by_time_and_never_repeat():
    import uuid

    from squall.arn import ordered_uuid

    ids = [ordered_uuid() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    stamps = [int(i.replace("-", "")[:12], 16) for i in ids]
    assert stamps == sorted(stamps)
    assert {uuid.UUID(i).variant for i in ids} == {uuid.RFC_4122}
