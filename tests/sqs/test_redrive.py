"""Dead-letter queues, RedriveAllowPolicy, ListDeadLetterSourceQueues and message move tasks."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of


def _arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _policy(arn: str, n: int = 1) -> str:
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": n})


def test_message_moves_to_dlq_after_max_receives(sqs, make_queue):
    dlq = make_queue()
    src = make_queue(RedrivePolicy=_policy(_arn(sqs, dlq), 2))
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"
    assert "Messages" not in sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)
    m = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert m["Body"] == "poison"
    assert m["Attributes"]["DeadLetterQueueSourceArn"] == _arn(sqs, src)
    assert m["Attributes"]["ApproximateReceiveCount"] == "3"
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]


def test_redrive_policy_validation(sqs, make_queue, server):
    with pytest.raises(ClientError) as exc:
        make_queue(RedrivePolicy=_policy("arn:aws:sqs:us-east-1:000000000000:missing-dlq"))
    assert error_of(exc)[0] == "InvalidParameterValue"
    fifo_dlq = make_queue(fifo=True)
    with pytest.raises(ClientError) as exc:
        make_queue(RedrivePolicy=_policy(_arn(sqs, fifo_dlq)))
    assert error_of(exc)[0] == "InvalidParameterValue"
    std_dlq = make_queue()
    for bad in ('{"maxReceiveCount": 1}', _policy(_arn(sqs, std_dlq), 0), "not json"):
        with pytest.raises(ClientError) as exc:
            make_queue(RedrivePolicy=bad)
        assert error_of(exc)[0] == "InvalidParameterValue"


def test_redrive_allow_policy(sqs, make_queue):
    deny = make_queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
    with pytest.raises(ClientError):
        make_queue(RedrivePolicy=_policy(_arn(sqs, deny)))
    src = make_queue()
    by_queue = make_queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "byQueue",
                                                         "sourceQueueArns": [_arn(sqs, src)]}))
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": _policy(_arn(sqs, by_queue))})
    with pytest.raises(ClientError):
        make_queue(RedrivePolicy=_policy(_arn(sqs, by_queue)))
    with pytest.raises(ClientError) as exc:
        make_queue(RedriveAllowPolicy=json.dumps({"redrivePermission": "byQueue"}))
    assert error_of(exc)[0] == "InvalidParameterValue"
    # Clearing the redrive policy.
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]


def _wait_task(sqs, arn: str, status: str, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        task = sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]
        if task["Status"] == status or time.monotonic() > deadline:
            return task
        time.sleep(0.1)


def test_message_move_task_back_to_source(sqs, make_queue):
    dlq = make_queue()
    src = make_queue(RedrivePolicy=_policy(_arn(sqs, dlq), 1))
    sqs.send_message_batch(QueueUrl=src, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])
    for _ in range(2):
        while sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages"):
            pass
    attrs = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "5"
    handle = sqs.start_message_move_task(SourceArn=_arn(sqs, dlq), MaxNumberOfMessagesPerSecond=500)["TaskHandle"]
    assert handle
    task = _wait_task(sqs, _arn(sqs, dlq), "COMPLETED")
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 5
    assert task["ApproximateNumberOfMessagesToMove"] == 5
    assert task["MaxNumberOfMessagesPerSecond"] == 500
    assert "TaskHandle" not in task
    got = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"])
    assert sorted(m["Body"] for m in got["Messages"]) == [f"m{i}" for i in range(5)]
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in got["Messages"])
    with pytest.raises(ClientError):
        sqs.cancel_message_move_task(TaskHandle=handle)


def test_move_task_to_destination_and_cancel(sqs, make_queue):
    dlq = make_queue()
    make_queue(RedrivePolicy=_policy(_arn(sqs, dlq), 1))
    dest = make_queue()
    sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": f"d{i}"} for i in range(3)])
    sqs.start_message_move_task(SourceArn=_arn(sqs, dlq), DestinationArn=_arn(sqs, dest))
    task = _wait_task(sqs, _arn(sqs, dlq), "COMPLETED")
    assert task["DestinationArn"] == _arn(sqs, dest)
    got = sqs.receive_message(QueueUrl=dest, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["d0", "d1", "d2"]
    # A slow task can be cancelled while it runs.
    sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(5)])
    handle = sqs.start_message_move_task(SourceArn=_arn(sqs, dlq), DestinationArn=_arn(sqs, dest),
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    with pytest.raises(ClientError):  # only one running task per source
        sqs.start_message_move_task(SourceArn=_arn(sqs, dlq))
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert moved <= 5
    assert sqs.list_message_move_tasks(SourceArn=_arn(sqs, dlq), MaxResults=10)["Results"][0]["Status"] == "CANCELLED"


def test_move_task_errors(sqs, make_queue):
    plain = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=_arn(sqs, plain))
    assert error_of(exc)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn="arn:aws:sqs:us-east-1:000000000000:nope")
    code, _, status = error_of(exc)
    assert code == "ResourceNotFoundException" and status == 404
    with pytest.raises(ClientError) as exc:
        sqs.list_message_move_tasks(SourceArn="arn:aws:sqs:us-east-1:000000000000:nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"
