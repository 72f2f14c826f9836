"""Routing requests to (service, protocol, model)."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from squall.errors import ServiceError
from squall.gateway import router
from squall.gateway.http import Request
from squall.gateway.router import Route
from tests.gateway.capture import capture
from tests.gateway.signing import ENDPOINT, signed


def req(method="POST", path="/", qs="", headers=None, body=b""):
    return Request(method, path, qs, {"host": "localhost:4566", **(headers or {})}, body)


def test_sqs_json_by_target():
    r = req(headers={"x-amz-target": "AmazonSQS.SendMessage", "content-type": "application/x-amz-json-1.0"})
    assert router.resolve(r) == Route("sqs", "json", "sqs")


def test_sqs_query_form_signed_and_unsigned():
    form = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    body = b"Action=ListQueues&Version=2012-11-05"
    assert router.resolve(req(headers=form, body=body)) == Route("sqs", "query", "sqs")
    s = signed(data=body, headers={"Content-Type": form["content-type"]})
    assert router.resolve(s) == Route("sqs", "query", "sqs")
    # GET with the action in the query string, routed by host
    g = Request(
        "GET", "/000000000000/q", "Action=GetQueueAttributes", {"host": "sqs.us-east-1.amazonaws.com"}
    )
    assert router.resolve(g) == Route("sqs", "query", "sqs")


def test_boto3_clients():
    assert router.resolve(capture("sqs", "list_queues")) == Route("sqs", "json", "sqs")
    assert router.resolve(capture("cloudwatch", "list_metrics")) == Route("monitoring", "json", "cloudwatch")
    assert router.resolve(capture("s3", "list_buckets")) == Route("s3", "rest-xml", "s3")
    assert router.resolve(capture("lambda", "list_functions")) == Route("lambda", "rest-json", "lambda")
    assert router.resolve(capture("sns", "list_topics")) == Route("sns", "query", "sns")
    assert router.resolve(capture("sts", "get_caller_identity")) == Route("sts", "query", "sts")
    assert router.resolve(capture("dynamodb", "list_tables")) == Route("dynamodb", "json", "dynamodb")
    assert router.resolve(capture("stepfunctions", "list_state_machines")) == Route(
        "states", "json", "stepfunctions"
    )
    assert router.resolve(capture("apigatewayv2", "get_apis")) == Route(
        "apigatewayv2", "rest-json", "apigatewayv2"
    )
    assert router.resolve(capture("apigateway", "get_rest_apis")) == Route(
        "apigateway", "rest-json", "apigateway"
    )
    assert router.resolve(capture("scheduler", "list_schedules")) == Route(
        "scheduler", "rest-json", "scheduler"
    )


def test_cloudwatch_protocols():
    cbor = req(
        path="/service/GraniteServiceVersion20100801/operation/ListMetrics",
        headers={"smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor"},
    )
    assert router.resolve(cbor) == Route("monitoring", "smithy-rpc-v2-cbor", "cloudwatch")
    js = req(headers={"x-amz-target": "GraniteServiceVersion20100801.ListMetrics"})
    assert router.resolve(js) == Route("monitoring", "json", "cloudwatch")
    q = req(
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=b"Action=ListMetrics&Version=2010-08-01",
    )
    assert router.resolve(q) == Route("monitoring", "query", "cloudwatch")
    qs = signed(
        data=b"Action=ListMetrics&Version=2010-08-01",
        service="monitoring",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert router.resolve(qs) == Route("monitoring", "query", "cloudwatch")


@pytest.mark.parametrize(
    "host",
    [
        "bucket.s3.localhost.localstack.cloud:4566",
        "s3.localhost.localstack.cloud",
        "b.s3.us-west-2.amazonaws.com",
        "s3.amazonaws.com",
        "my.bucket.s3-eu-west-1.amazonaws.com",
    ],
)
def test_s3_by_host(host):
    r = Request("GET", "/key", "", {"host": host})
    assert router.resolve(r) == Route("s3", "rest-xml", "s3")


def test_s3_path_and_virtual_host_signed_and_presigned():
    assert router.resolve(signed("GET", ENDPOINT + "/bucket/key", service="s3")) == Route(
        "s3", "rest-xml", "s3"
    )
    v = signed("PUT", "http://bucket.s3.localhost:4566/key", service="s3", data=b"x")
    assert router.resolve(v) == Route("s3", "rest-xml", "s3")
    p = signed("GET", ENDPOINT + "/bucket/key", service="s3", presign=True)
    assert router.resolve(p) == Route("s3", "rest-xml", "s3")


def test_shared_signing_names_and_unknown_services():
    assert router.resolve(signed("GET", ENDPOINT + "/v2/email/identities", service="ses")).service == "sesv2"
    assert router.resolve(req(headers={"x-amz-target": "DynamoDBStreams_20120810.ListStreams"})) == Route(
        "dynamodbstreams", "json", "dynamodbstreams"
    )
    r = router.resolve(signed("GET", ENDPOINT + "/x", service="glacier"))
    assert r.service == "glacier"


def test_s3_shapes_without_sigv4_scope():
    import boto3

    c = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    url = urlsplit(c.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"}))
    assert "AWSAccessKeyId=" in url.query  # boto3's S3 default presign is still SigV2
    s3 = Route("s3", "rest-xml", "s3")
    host = {"host": "localhost:4566"}
    assert router.resolve(Request("GET", url.path, url.query, host)) == s3
    assert router.resolve(Request("GET", "/b/k", "", {**host, "authorization": "AWS test:c2ln"})) == s3
    assert router.resolve(Request("GET", "/b/k", "", host)) == s3  # anonymous public read
    assert router.resolve(Request("HEAD", "/b", "", host)) == s3
    form = {**host, "content-type": "multipart/form-data; boundary=xyz"}
    assert router.resolve(Request("POST", "/b", "", form, b"--xyz")) == s3


@pytest.mark.parametrize(
    "r",
    [
        req(),
        Request("POST", "/b/k", "", {"host": "localhost:4566"}, b"{}"),
        Request("GET", "/_squall/nothing", "", {"host": "localhost:4566"}),
        req(headers={"x-amz-target": "NoSuchPrefix.Op"}),
        req(headers={"smithy-protocol": "rpc-v2-cbor"}, path="/x"),
        req(
            headers={"content-type": "application/x-www-form-urlencoded"},
            body=b"Action=Foo&Version=1999-01-01",
        ),
        Request("GET", "/", "", {"host": "127.0.0.1:4566"}),
    ],
)
def test_unroutable(r):
    with pytest.raises(ServiceError) as info:
        router.resolve(r)
    assert "Unable to determine the AWS service" in info.value.message
    assert info.value.status == 400


def test_resolve_is_fast():
    rs = [
        capture("sqs", "list_queues"),
        signed("GET", ENDPOINT + "/bucket/key", service="s3"),
        signed("GET", ENDPOINT + "/bucket/key", service="s3", presign=True),
    ]
    for r in rs:
        router.resolve(r)
        n = 5000
        t = time.perf_counter()
        for _ in range(n):
            router.resolve(r)
        per = (time.perf_counter() - t) / n * 1e6
        print(f"resolve {r.path}: {per:.2f} µs")
        assert per < 50
