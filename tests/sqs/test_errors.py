"""Exact error codes, messages and statuses for invalid calls."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of, unique


def test_receive_parameter_ranges(sqs, make_queue):
    url = make_queue()
    for kw in ({"WaitTimeSeconds": 21}, {"VisibilityTimeout": 43201}, {"MaxNumberOfMessages": 0}):
        with pytest.raises(ClientError) as exc:
            sqs.receive_message(QueueUrl=url, **kw)
        code, message, status = error_of(exc)
        assert (code, status) == ("InvalidParameterValue", 400)
        assert message.startswith(f"Value {next(iter(kw.values()))} for parameter {next(iter(kw))} is invalid.")


def test_empty_body_is_missing_parameter(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="")
    assert error_of(exc)[:2] == ("MissingParameter", "The request must contain the parameter MessageBody.")


def test_invalid_queue_url(sqs, server):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=f"{server.endpoint}/a/b/c", MessageBody="x")
    assert error_of(exc)[0] == "InvalidAddress"


def test_receipt_handle_of_another_queue(sqs, make_queue):
    a, b = make_queue(), make_queue()
    sqs.send_message(QueueUrl=a, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=a)["Messages"][0]["ReceiptHandle"]
    with pytest.raises(ClientError) as exc:
        sqs.delete_message(QueueUrl=b, ReceiptHandle=handle)
    code, message, _ = error_of(exc)
    assert code == "ReceiptHandleIsInvalid" and handle in message


def test_unknown_attribute_on_create(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"Nope": "1"})
    assert error_of(exc)[:2] == ("InvalidAttributeName", "Unknown Attribute Nope.")


def test_list_queues_max_results_range(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.list_queues(MaxResults=1001)
    assert error_of(exc)[0] == "InvalidParameterValue"
