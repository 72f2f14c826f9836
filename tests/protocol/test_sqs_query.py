"""SQS over the legacy query protocol, checked against the genuine old query model.

``data/sqs-query-2012-11-05.json`` is botocore's SQS model from just before it
moved to JSON (boto/botocore 47a515f67^, documentation stripped). botocore's
QuerySerializer/QueryParser with that model behave like an older SDK; our
handler serves the *current* JSON model plus ``QUERY_NAME_OVERRIDES``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.model import ServiceModel

from squall.errors import ServiceError
from squall.gateway.http import Request
from squall.protocol import get_handler
from squall.services.sqs.wire_names import QUERY_NAME_OVERRIDES
from tests.protocol.helpers import botocore_parse, roundtrip_request, strip_meta

OLD = ServiceModel(
    json.loads((Path(__file__).parent / "data" / "sqs-query-2012-11-05.json").read_text()), "sqs"
)
URL = "http://localhost:4566/000000000000/q"

CASES = [
    (
        "SendMessage",
        {
            "QueueUrl": URL,
            "MessageBody": "hi",
            "DelaySeconds": 1,
            "MessageAttributes": {
                "s": {"DataType": "String", "StringValue": "v"},
                "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
            },
            "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "t"}},
        },
        {"MD5OfMessageBody": "a", "MD5OfMessageAttributes": "b", "MessageId": "m", "SequenceNumber": "1"},
    ),
    (
        "SendMessageBatch",
        {
            "QueueUrl": URL,
            "Entries": [
                {
                    "Id": "1",
                    "MessageBody": "a",
                    "MessageAttributes": {"x": {"DataType": "Number", "StringValue": "1"}},
                },
                {"Id": "2", "MessageBody": "b", "MessageGroupId": "g"},
            ],
        },
        {
            "Successful": [{"Id": "1", "MessageId": "m1", "MD5OfMessageBody": "x"}],
            "Failed": [{"Id": "2", "SenderFault": True, "Code": "C", "Message": "M"}],
        },
    ),
    (
        "ReceiveMessage",
        {
            "QueueUrl": URL,
            "AttributeNames": ["All", "SenderId"],
            "MessageAttributeNames": ["All"],
            "MaxNumberOfMessages": 10,
            "VisibilityTimeout": 5,
            "WaitTimeSeconds": 0,
        },
        {
            "Messages": [
                {
                    "MessageId": "m",
                    "ReceiptHandle": "r",
                    "MD5OfBody": "x",
                    "Body": "<b>&",
                    "Attributes": {"SenderId": "s", "SentTimestamp": "1"},
                    "MessageAttributes": {
                        "a": {"DataType": "String", "StringValue": "v"},
                        "b": {"DataType": "Binary", "BinaryValue": b"\x01"},
                    },
                },
                {"MessageId": "m2", "ReceiptHandle": "r2", "Body": "2"},
            ]
        },
    ),
    ("ReceiveMessage", {"QueueUrl": URL}, {}),
    (
        "CreateQueue",
        {
            "QueueName": "q",
            "Attributes": {"VisibilityTimeout": "30", "FifoQueue": "false"},
            "tags": {"team": "a"},
        },
        {"QueueUrl": URL},
    ),
    (
        "GetQueueAttributes",
        {"QueueUrl": URL, "AttributeNames": ["All"]},
        {"Attributes": {"VisibilityTimeout": "30", "QueueArn": "arn:aws:sqs:us-east-1:0:q"}},
    ),
    ("SetQueueAttributes", {"QueueUrl": URL, "Attributes": {"DelaySeconds": "5"}}, {}),
    (
        "DeleteMessageBatch",
        {"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": "r"}]},
        {"Successful": [{"Id": "a"}]},
    ),  # an empty flattened list has no XML form
    (
        "ChangeMessageVisibilityBatch",
        {"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": "r", "VisibilityTimeout": 10}]},
        {"Successful": [{"Id": "a"}], "Failed": [{"Id": "b", "SenderFault": False, "Code": "X"}]},
    ),
    (
        "ListQueues",
        {"QueueNamePrefix": "q", "MaxResults": 10},
        {"QueueUrls": [URL, URL + "2"], "NextToken": "n"},
    ),
    ("TagQueue", {"QueueUrl": URL, "Tags": {"a": "1", "b": "2"}}, {}),
    ("UntagQueue", {"QueueUrl": URL, "TagKeys": ["a", "b"]}, {}),
    ("ListQueueTags", {"QueueUrl": URL}, {"Tags": {"a": "1"}}),
    (
        "AddPermission",
        {
            "QueueUrl": URL,
            "Label": "l",
            "AWSAccountIds": ["111", "222"],
            "Actions": ["SendMessage", "ReceiveMessage"],
        },
        {},
    ),
    ("ListDeadLetterSourceQueues", {"QueueUrl": URL}, {"queueUrls": [URL]}),
    ("GetQueueUrl", {"QueueName": "q", "QueueOwnerAWSAccountId": "0"}, {"QueueUrl": URL}),
]


@pytest.fixture(scope="module")
def query():
    return get_handler("sqs", "query", QUERY_NAME_OVERRIDES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_old_sdk_request_parses_like_json(query, case):
    op_name, params, _ = case
    _, parsed = roundtrip_request(query, "sqs", op_name, params, protocol="query", model=OLD)
    assert parsed == params
    _, via_json = roundtrip_request(get_handler("sqs", "json"), "sqs", op_name, params)
    assert parsed == via_json


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_old_sdk_reads_our_xml(query, case):
    op_name, _, result = case
    op = query.operations[op_name]
    resp = query.serialize(op, result, "rid")
    assert resp.headers["content-type"].startswith("text/xml")
    parsed = botocore_parse("query", OLD.operation_model(op_name), resp)
    if OLD.operation_model(op_name).output_shape is not None:
        assert parsed["ResponseMetadata"]["RequestId"] == "rid"
    assert strip_meta(parsed) == result


def test_wire_names_in_raw_form(query):
    body = (
        "Action=SendMessage&Version=2012-11-05&QueueUrl=u&MessageBody=b"
        "&MessageAttribute.1.Name=a&MessageAttribute.1.Value.StringValue=v"
        "&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.2.Name=c&MessageAttribute.2.Value.BinaryValue=AAE%3D"
        "&MessageAttribute.2.Value.DataType=Binary"
    )
    req = Request("POST", "/", "", {"content-type": "application/x-www-form-urlencoded"}, body.encode())
    op = query.operation_for(req)
    assert query.parse(req, op) == {
        "QueueUrl": "u",
        "MessageBody": "b",
        "MessageAttributes": {
            "a": {"StringValue": "v", "DataType": "String"},
            "c": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    }
    xml = query.serialize(
        query.operations["ReceiveMessage"],
        {
            "Messages": [
                {
                    "MessageId": "m",
                    "Attributes": {"SenderId": "s"},
                    "MessageAttributes": {"a": {"StringValue": "v", "DataType": "String"}},
                }
            ]
        },
        "r",
    ).body.decode()
    assert "<ReceiveMessageResult><Message><MessageId>m</MessageId>" in xml
    assert "<Attribute><Name>SenderId</Name><Value>s</Value></Attribute>" in xml
    assert (
        "<MessageAttribute><Name>a</Name><Value><StringValue>v</StringValue>"
        "<DataType>String</DataType></Value></MessageAttribute>"
    ) in xml


def test_get_request_with_query_string(query):
    req = Request("GET", "/000000000000/q", "Action=GetQueueAttributes&AttributeName.1=All&QueueUrl=u", {})
    op = query.operation_for(req)
    assert query.parse(req, op) == {"QueueUrl": "u", "AttributeNames": ["All"]}


def test_query_error_uses_legacy_code(query):
    err = ServiceError(
        "The specified queue does not exist.",
        code="QueueDoesNotExist",
        query_code="AWS.SimpleQueueService.NonExistentQueue",
    )
    resp = query.serialize_error(err, query.operations["GetQueueUrl"], "rid")
    parsed = botocore_parse("query", OLD.operation_model("GetQueueUrl"), resp)
    assert resp.status == 400
    parsed["Error"].pop("Detail", None)  # we send <Detail/> as SQS does
    assert parsed["Error"] == {
        "Type": "Sender",
        "Code": "AWS.SimpleQueueService.NonExistentQueue",
        "Message": "The specified queue does not exist.",
    }
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_unknown_and_missing_action(query):
    with pytest.raises(ServiceError) as info:
        query.operation_for(Request("POST", "/", "", {}, b"Action=Nope&Version=2012-11-05"))
    assert info.value.code == "InvalidAction" and info.value.status == 400
    assert info.value.message == "The action Nope is not valid for this endpoint."
    with pytest.raises(ServiceError) as info:
        query.operation_for(Request("POST", "/", "", {}, b"Version=2012-11-05"))
    assert info.value.status == 400


def test_query_wrong_types_are_400(query):
    for body in (
        b"Action=ReceiveMessage&QueueUrl=u&MaxNumberOfMessages=ten",
        (
            b"Action=SendMessage&QueueUrl=u&MessageBody=b&MessageAttribute.1.Name=a"
            b"&MessageAttribute.1.Value.BinaryValue=%%%&MessageAttribute.1.Value.DataType=Binary"
        ),
        b"Action=SendMessage&QueueUrl=u&MessageBody=b&MessageAttribute.1.Value.DataType=String",
        b"Action=SendMessage&QueueUrl.x=u",
    ):
        req = Request("POST", "/", "", {}, body)
        with pytest.raises(ServiceError) as info:
            query.parse(req, query.operation_for(req))
        assert info.value.status == 400, body
