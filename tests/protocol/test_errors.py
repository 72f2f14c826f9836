"""Errors as botocore reads them, and malformed input as a 400 ServiceError (never a crash)."""

from __future__ import annotations

import random

import pytest

from squall.errors import ServiceError
from squall.gateway.http import Request
from squall.protocol import get_handler
from squall.protocol.specs import service_model
from tests.protocol.helpers import botocore_parse


def _err(model_name, op_name, err, protocol=None):
    model = service_model(model_name)
    protocol = protocol or model.protocol
    handler = get_handler(model_name, protocol)
    op = model.operation_model(op_name)
    resp = handler.serialize_error(err, op, "rid")
    return resp, botocore_parse(protocol, op, resp)


def test_sqs_json_error_is_query_compatible():
    err = ServiceError(
        "The specified queue does not exist.",
        code="QueueDoesNotExist",
        query_code="AWS.SimpleQueueService.NonExistentQueue",
    )
    resp, parsed = _err("sqs", "GetQueueUrl", err)
    assert resp.status == 400
    assert resp.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["Error"]["Message"] == "The specified queue does not exist."
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_sqs_json_error_without_query_code_and_receiver_fault():
    err = ServiceError("boom", code="InternalError", status=500, sender_fault=False)
    resp, parsed = _err("sqs", "SendMessage", err)
    assert resp.headers["x-amzn-query-error"] == "InternalError;Receiver"
    assert parsed["Error"]["Code"] == "InternalError" and resp.status == 500


def test_dynamodb_error_with_extra_members():
    err = ServiceError("Requested resource not found", code="ResourceNotFoundException", TableName="t")
    resp, parsed = _err("dynamodb", "GetItem", err)
    assert "x-amzn-query-error" not in resp.headers
    assert resp.headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert parsed["Error"] == {"Code": "ResourceNotFoundException", "Message": "Requested resource not found"}
    assert b'"TableName":"t"' in resp.body


def test_rest_json_error():
    err = ServiceError("Function not found: f", code="ResourceNotFoundException", status=404, Type="User")
    resp, parsed = _err("lambda", "GetFunction", err)
    assert resp.status == 404
    assert parsed["Error"]["Code"] == "ResourceNotFoundException"
    assert parsed["Error"]["Message"] == "Function not found: f"


def test_rest_xml_s3_error():
    err = ServiceError("The specified key does not exist.", code="NoSuchKey", status=404, Key="k")
    resp, parsed = _err("s3", "GetObject", err)
    assert resp.status == 404 and resp.body.startswith(b"<?xml")
    assert b"<Key>k</Key>" in resp.body
    assert parsed["Error"]["Code"] == "NoSuchKey"
    assert parsed["Error"]["Message"] == "The specified key does not exist."


def test_rest_xml_head_error_has_no_body():
    resp, parsed = _err("s3", "HeadObject", ServiceError("Not Found", code="404", status=404))
    assert resp.body == b"" and parsed["Error"]["Code"] == "404"


def test_cbor_error():
    err = ServiceError("bad ns", code="InvalidParameterValueException", query_code="InvalidParameterValue")
    resp, parsed = _err("cloudwatch", "PutMetricData", err)
    assert resp.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert parsed["Error"]["Code"] == "InvalidParameterValue"
    assert parsed["Error"]["Message"] == "bad ns"


def test_error_headers_are_copied():
    err = ServiceError("slow down", code="SlowDown", status=503, headers={"Retry-After": "1"})
    resp, _ = _err("s3", "PutObject", err)
    assert resp.headers["retry-after"] == "1"


def test_serialize_error_without_operation():
    for model_name, protocol in [
        ("sqs", "json"),
        ("sqs", "query"),
        ("s3", "rest-xml"),
        ("lambda", "rest-json"),
        ("cloudwatch", "smithy-rpc-v2-cbor"),
    ]:
        resp = get_handler(model_name, protocol).serialize_error(ServiceError("x", code="C"), None, "r")
        assert resp.status == 400 and resp.body


# ---------------- unknown operations ----------------


def test_unknown_json_target():
    h = get_handler("sqs", "json")
    with pytest.raises(ServiceError) as info:
        h.operation_for(Request("POST", "/", "", {"x-amz-target": "AmazonSQS.Nope"}, b"{}"))
    assert info.value.code == "UnknownOperationException" and info.value.status == 400


@pytest.mark.parametrize(
    "model_name,method,path",
    [
        ("lambda", "PATCH", "/nothing/here"),
        ("s3", "PATCH", "/b/k"),
        ("cloudwatch", "POST", "/service/GraniteServiceVersion20100801/operation/Nope"),
    ],
)
def test_unknown_route_is_404(model_name, method, path):
    h = get_handler(model_name, service_model(model_name).protocol)
    with pytest.raises(ServiceError) as info:
        h.operation_for(Request(method, path, "", {}))
    assert info.value.status == 404


# ---------------- malformed input ----------------

SQS_SEND = {"x-amz-target": "AmazonSQS.SendMessage"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1,2]",
        b'"str"',
        b'{"QueueUrl": 5}',
        b'{"QueueUrl": "u", "DelaySeconds": "5"}',
        b'{"QueueUrl": "u", "DelaySeconds": true}',
        b'{"QueueUrl": "u", "DelaySeconds": 1.5}',
        b'{"QueueUrl": "u", "MessageAttributes": []}',
        b'{"QueueUrl": "u", "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "!!notb64"}}}',
        b'{"QueueUrl": "u", "MessageAttributes": {"a": "x"}}',
        b"\xff\xfe\x00",
    ],
)
def test_malformed_json(body):
    h = get_handler("sqs", "json")
    req = Request("POST", "/", "", SQS_SEND, body)
    with pytest.raises(ServiceError) as info:
        h.parse(req, h.operation_for(req))
    assert info.value.status == 400
    assert info.value.code == "SerializationException"


def test_json_error_names_the_path():
    h = get_handler("sqs", "json")
    req = Request(
        "POST", "/", "", SQS_SEND, b'{"QueueUrl": "u", "MessageAttributes": {"a": {"StringListValues": [1]}}}'
    )
    with pytest.raises(ServiceError) as info:
        h.parse(req, h.operation_for(req))
    assert "MessageAttributes" in info.value.message


def test_json_timestamps_and_unknown_members():
    h = get_handler("events", "json")
    req = Request(
        "POST",
        "/",
        "",
        {"x-amz-target": "AWSEvents.PutEvents"},
        b'{"Entries": [{"Time": 1700000000.5, "Source": "s", "Bogus": 1}], "Extra": null}',
    )
    parsed = h.parse(req, h.operation_for(req))
    assert parsed["Entries"][0]["Time"].timestamp() == 1700000000.5
    assert "Bogus" not in parsed["Entries"][0]
    req.body = b'{"Entries": [{"Time": "yesterday"}]}'
    with pytest.raises(ServiceError):
        h.parse(req, h.operation_for(req))


CW = "/service/GraniteServiceVersion20100801/operation/PutMetricData"


@pytest.mark.parametrize(
    "body", [b"\xff\xff\xff", b"\x9f\x01", b"\xa1\x69Namespace\x05", b"\xa1\x6aMetricData\xa0", b"\x1f"]
)
def test_malformed_cbor(body):
    h = get_handler("cloudwatch", "smithy-rpc-v2-cbor")
    req = Request("POST", CW, "", {"smithy-protocol": "rpc-v2-cbor"}, body)
    with pytest.raises(ServiceError) as info:
        h.parse(req, h.operation_for(req))
    assert info.value.status == 400


@pytest.mark.parametrize(
    "model_name,method,path,qs,headers,body",
    [
        ("s3", "PUT", "/b", "tagging", {}, b"<Tagging><TagSet><Tag><Key>a</Key>"),
        ("s3", "PUT", "/b", "tagging", {}, b"not xml at all"),
        ("s3", "GET", "/b", "list-type=2&max-keys=lots", {}, b""),
        ("s3", "GET", "/b/k", "", {"if-modified-since": "not a date"}, b""),
        ("s3", "PUT", "/b/k", "partNumber=x&uploadId=u", {}, b"data"),
        ("lambda", "GET", "/2015-03-31/functions/", "MaxItems=abc", {}, b""),
        ("lambda", "POST", "/2015-03-31/functions", "", {}, b"{bad"),
        ("lambda", "POST", "/2015-03-31/functions", "", {}, b'{"FunctionName": ["x"]}'),
        ("lambda", "POST", "/2015-03-31/functions", "", {}, b'{"Code": {"ZipFile": "%%%"}}'),
        ("apigateway", "POST", "/restapis", "", {}, b'{"name": 1}'),
    ],
)
def test_malformed_rest(model_name, method, path, qs, headers, body):
    h = get_handler(model_name, service_model(model_name).protocol)
    req = Request(method, path, qs, headers, body)
    with pytest.raises(ServiceError) as info:
        h.parse(req, h.operation_for(req))
    assert info.value.status == 400, info.value


def test_random_garbage_never_escapes_as_a_crash():
    rng = random.Random(7)
    targets = [
        ("sqs", "json", Request("POST", "/", "", {"x-amz-target": "AmazonSQS.SendMessageBatch"})),
        ("dynamodb", "json", Request("POST", "/", "", {"x-amz-target": "DynamoDB_20120810.PutItem"})),
        ("cloudwatch", "smithy-rpc-v2-cbor", Request("POST", CW, "", {})),
        ("s3", "rest-xml", Request("POST", "/b", "delete", {})),
        ("lambda", "rest-json", Request("POST", "/2015-03-31/functions", "", {})),
        ("sns", "query", Request("POST", "/", "", {})),
    ]
    seeds = [
        b'{"Entries": [{"Id": 1}]}',
        b'{"Item": {"a": {"M": {"b": {"L": [1]}}}}}',
        b"\xa1\x6aMetricData\x81\xa1\x65Value\x61x",
        b"<Delete><Object><Key>",
        b'{"Code": {"ZipFile": 3}}',
        b"Action=Publish&MessageAttributes.entry.1.Value.DataType=x",
    ]
    for _ in range(300):
        for (model_name, protocol, req), seed in zip(targets, seeds):
            data = bytearray(seed)
            for _ in range(rng.randint(0, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if rng.random() < 0.3:
                data = bytearray(rng.randbytes(rng.randint(0, 40)))
            body = bytes(data)
            if protocol == "query":
                body = b"Action=Publish&" + body
            h = get_handler(model_name, protocol)
            r = Request(req.method, req.path, req.query_string, dict(req.headers), body)
            try:
                h.parse(r, h.operation_for(r))
            except ServiceError as exc:
                assert exc.status == 400, (model_name, body, exc)
