"""Queue attributes: defaults, limits, Set/Get, unknown names."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of


def test_defaults(sqs, make_queue):
    url = make_queue()
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["DelaySeconds"] == "0"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert abs(int(attrs["CreatedTimestamp"]) - time.time()) < 60
    assert "FifoQueue" not in attrs and "Policy" not in attrs
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)


def test_set_and_get(sqs, make_queue):
    url = make_queue()
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "3",
                                                       "KmsMasterKeyId": "alias/aws/sqs"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "DelaySeconds",
                                                                   "KmsMasterKeyId", "SqsManagedSseEnabled"])
    assert attrs["Attributes"] == {"VisibilityTimeout": "45", "DelaySeconds": "3",
                                   "KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "false"}


@pytest.mark.parametrize("name,value", [
    ("VisibilityTimeout", "43201"), ("DelaySeconds", "901"), ("MessageRetentionPeriod", "59"),
    ("MaximumMessageSize", "1023"), ("MaximumMessageSize", "1048577"), ("ReceiveMessageWaitTimeSeconds", "21"),
    ("VisibilityTimeout", "abc"), ("Policy", "{not json"),
])
def test_invalid_values(sqs, make_queue, name, value):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
    assert error_of(exc)[0] == "InvalidAttributeValue"


def test_unknown_names(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Bogus": "1"})
    assert error_of(exc)[0] == "InvalidAttributeName"
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    assert error_of(exc)[0] == "InvalidAttributeName"
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Bogus"])
    assert error_of(exc)[0] == "InvalidAttributeName"


def test_approximate_counters(sqs, make_queue):
    url = make_queue()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(3)])
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"],
            attrs["ApproximateNumberOfMessagesDelayed"]) == ("2", "1", "1")
