"""The legacy query protocol: signed form POSTs answered with XML, as old SDKs speak it."""

from __future__ import annotations

import hashlib
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.credentials
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from tests.sqs.conftest import unique

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}


def _post(endpoint: str, params: dict[str, str]) -> tuple[int, ET.Element]:
    body = urllib.parse.urlencode({"Version": "2012-11-05", **params})
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(botocore.credentials.Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    resp = urllib3.request("POST", endpoint + "/", body=body, headers=dict(req.headers.items()))
    return resp.status, ET.fromstring(resp.data)


def _text(root: ET.Element, path: str) -> str | None:
    """Find by local names (the namespace is the serializer's business; AWS uses NS above)."""
    for el in root.iter():
        el.tag = el.tag.rsplit("}", 1)[-1]
    el = root.find(path.replace("q:", ""))
    return el.text if el is not None else None


@pytest.fixture
def endpoint(server) -> str:
    return server.endpoint


def test_query_send_receive_delete(endpoint, sqs):
    name = unique()
    status, root = _post(endpoint, {"Action": "CreateQueue", "QueueName": name,
                                    "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "5"})
    assert status == 200
    url = _text(root, ".//q:QueueUrl")
    assert url and url.endswith(f"/000000000000/{name}")
    status, root = _post(endpoint, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": "hi & <xml>",
                                    "MessageAttribute.1.Name": "a",
                                    "MessageAttribute.1.Value.DataType": "String",
                                    "MessageAttribute.1.Value.StringValue": "v"})
    assert status == 200
    assert _text(root, ".//q:MD5OfMessageBody") == hashlib.md5(b"hi & <xml>").hexdigest()
    assert _text(root, ".//q:MessageId")
    status, root = _post(endpoint, {"Action": "ReceiveMessage", "QueueUrl": url, "AttributeName.1": "All",
                                    "MessageAttributeName.1": "All"})
    assert status == 200
    assert _text(root, ".//q:Message/q:Body") == "hi & <xml>"
    handle = _text(root, ".//q:Message/q:ReceiptHandle")
    assert handle
    status, root = _post(endpoint, {"Action": "DeleteMessage", "QueueUrl": url, "ReceiptHandle": handle})
    assert status == 200
    status, root = _post(endpoint, {"Action": "GetQueueAttributes", "QueueUrl": url,
                                    "AttributeName.1": "VisibilityTimeout"})
    assert status == 200
    assert _text(root, ".//q:Attribute/q:Value") == "5"
    sqs.delete_queue(QueueUrl=url)


def test_query_error_uses_legacy_code(endpoint, server):
    status, root = _post(endpoint, {"Action": "GetQueueUrl", "QueueName": unique()})
    assert status == 400
    assert _text(root, ".//q:Error/q:Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert _text(root, ".//q:Error/q:Type") == "Sender"
    assert _text(root, ".//q:Error/q:Message") == "The specified queue does not exist."


def test_query_batch_and_list_shapes(endpoint, sqs):
    name = unique("qb")
    status, root = _post(endpoint, {"Action": "CreateQueue", "QueueName": name})
    url = _text(root, ".//q:QueueUrl")
    status, root = _post(endpoint, {
        "Action": "SendMessageBatch", "QueueUrl": url,
        "SendMessageBatchRequestEntry.1.Id": "ok", "SendMessageBatchRequestEntry.1.MessageBody": "one",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "color",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "String",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "red",
        "SendMessageBatchRequestEntry.2.Id": "bad", "SendMessageBatchRequestEntry.2.MessageBody": "two",
        "SendMessageBatchRequestEntry.2.DelaySeconds": "901",
    })
    assert status == 200
    assert _text(root, ".//q:SendMessageBatchResultEntry/q:Id") == "ok"
    assert _text(root, ".//q:BatchResultErrorEntry/q:Id") == "bad"
    assert _text(root, ".//q:BatchResultErrorEntry/q:SenderFault") == "true"
    assert _text(root, ".//q:BatchResultErrorEntry/q:Code") == "InvalidParameterValue"
    status, root = _post(endpoint, {"Action": "ReceiveMessage", "QueueUrl": url, "MessageAttributeName.1": "All"})
    assert _text(root, ".//q:Message/q:MessageAttribute/q:Name") == "color"
    assert _text(root, ".//q:Message/q:MessageAttribute/q:Value/q:StringValue") == "red"
    assert _text(root, ".//q:Message/q:MessageAttribute/q:Value/q:DataType") == "String"
    status, root = _post(endpoint, {"Action": "ListQueues", "QueueNamePrefix": name})
    assert status == 200
    assert _text(root, ".//q:ListQueuesResult/q:QueueUrl") == url
    status, root = _post(endpoint, {"Action": "SendMessageBatch", "QueueUrl": url})
    assert status == 400
    assert _text(root, ".//q:Error/q:Code") == "AWS.SimpleQueueService.EmptyBatchRequest"
    sqs.delete_queue(QueueUrl=url)


def test_query_missing_parameter(endpoint, sqs):
    url = sqs.create_queue(QueueName=unique("qm"))["QueueUrl"]
    status, root = _post(endpoint, {"Action": "SendMessage", "QueueUrl": url})
    assert status == 400
    assert _text(root, ".//q:Error/q:Code") == "MissingParameter"
    assert "MessageBody" in (_text(root, ".//q:Error/q:Message") or "")
    status, root = _post(endpoint, {"Action": "DeleteMessage", "QueueUrl": url})
    assert status == 400 and _text(root, ".//q:Error/q:Code") == "MissingParameter"
    sqs.delete_queue(QueueUrl=url)
