"""The front door through the wire: auth modes, unknown services, garbage input.

Real boto3 clients and raw HTTP against a live ``squall up``.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.server import start_server

NO_RETRY = Config(retries={"max_attempts": 1})


def _client(endpoint: str, service: str, key: str = "test", secret: str = "test", region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=NO_RETRY)


def test_unimplemented_service_answers_not_implemented(server):
    with pytest.raises(ClientError) as exc:
        _client(server.endpoint, "dynamodb").list_tables()
    err = exc.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert err["Error"]["Code"] == "NotImplemented"
    assert "dynamodb" in err["Error"]["Message"]


def test_known_key_with_wrong_secret_is_rejected(server):
    with pytest.raises(ClientError) as exc:
        _client(server.endpoint, "sqs", secret="not-the-secret").list_queues()
    assert exc.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key_is_the_default_account_in_local_mode(server):
    client = _client(server.endpoint, "sqs", key="AKIDSOMEONEELSE", secret="whatever")
    url = client.create_queue(QueueName="front-door-unknown-key")["QueueUrl"]
    assert "/000000000000/front-door-unknown-key" in url


def test_garbage_json_gets_a_400_not_a_traceback(server):
    req = urllib.request.Request(server.endpoint + "/", data=b"{not json", method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    body = exc.value.read().decode()
    assert exc.value.code == 400
    assert "Traceback" not in body and "SerializationException" in body


def test_unroutable_request_is_a_clear_400(server):
    req = urllib.request.Request(server.endpoint + "/", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 400
    assert "Traceback" not in exc.value.read().decode()


def test_strict_auth_rejects_unknown_keys_and_accepts_known_ones(tmp_path):
    srv = start_server(tmp_path / "data", "sqlite", extra_args=["--strict-auth"])
    try:
        with pytest.raises(ClientError) as exc:
            _client(srv.endpoint, "sqs", key="AKIDSOMEONEELSE", secret="whatever").list_queues()
        assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "QueueUrls" not in _client(srv.endpoint, "sqs").list_queues()
        # unsigned requests are refused too
        req = urllib.request.Request(srv.endpoint + "/", data=b"{}", method="POST", headers={
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"})
        with pytest.raises(urllib.error.HTTPError) as unsigned:
            urllib.request.urlopen(req, timeout=10)
        assert unsigned.value.code == 403
    finally:
        srv.stop()


def test_region_comes_from_the_signature_scope(server):
    west = _client(server.endpoint, "sqs", region="eu-west-1")
    url = west.create_queue(QueueName="front-door-regional")["QueueUrl"]
    arn = west.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == "arn:aws:sqs:eu-west-1:000000000000:front-door-regional"
