"""The SAM compatibility samples (``samples/``, see its README) deployed through the wire into a real
``squall up`` — CreateStack with the template ``squall deploy`` would send — and each sample's
observable effects checked with boto3 and plain HTTP, on both backends."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from squall.templates.loader import load_path
from squall.templates.local_paths import absolutize
from tests.apigw.jwks import Issuer

SAMPLES = Path(__file__).parent / "samples"
CAPS = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
FAST = {"Delay": 0.1, "MaxAttempts": 600}
ACCOUNT, REGION = "000000000000", "us-east-1"


# ---------------------------------------------------------------------------------------------- helpers


def template_body(sample: str) -> str:
    """The template of ``sample`` as ``squall deploy`` sends it: local paths made absolute, as JSON."""
    doc, base = load_path(SAMPLES / sample)
    return json.dumps(absolutize(doc, base))


def _params(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def poll(fn: Callable[[], Any], timeout: float, what: str, every: float = 0.05) -> Any:
    """The first truthy ``fn()`` within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def settle(cfn, name: str, timeout: float = 60) -> str:
    """The stack's status once it is no longer in progress."""
    def final() -> str | None:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        return None if status.endswith("_IN_PROGRESS") else status
    return poll(final, timeout, f"stack {name} to settle", every=0.1)


def exports(cfn) -> dict[str, str]:
    pages = cfn.get_paginator("list_exports").paginate()
    return {e["Name"]: e["Value"] for page in pages for e in page.get("Exports", [])}


def failures(cfn, name: str) -> list[str]:
    return [f"{e['LogicalResourceId']} {e['ResourceStatus']}: {e.get('ResourceStatusReason')}"
            for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
            if e["ResourceStatus"].endswith("FAILED")]


def outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def resources(cfn, name: str) -> dict[str, dict[str, Any]]:
    return {r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName=name)["StackResources"]}


def http(method: str, url: str, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of a plain HTTP call."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def receive_one(sqs, url: str, timeout: float) -> dict[str, Any]:
    """The next message of ``url`` (deleted once received), waiting up to ``timeout`` seconds."""
    def once() -> dict[str, Any] | None:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages")
        return got[0] if got else None
    message = poll(once, timeout, f"a message on {url}", every=0)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return message


def queue_counts(sqs, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def invoke(lam, function: str, payload: Any = None) -> Any:
    reply = lam.invoke(FunctionName=function, Payload=json.dumps(payload if payload is not None else {}))
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


def empty_bucket(s3, bucket: str) -> None:
    """A bucket must be empty to be deleted, with its stack too (as on AWS)."""
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])


class Stacks:
    """Deploys samples under unique names; whatever a test leaves behind is deleted at teardown."""

    def __init__(self, aws_client) -> None:
        self.cfn = aws_client("cloudformation")
        self.s3 = aws_client("s3")
        self.names: list[str] = []

    def create(self, sample: str, params: dict[str, str] | None = None, expect: str = "CREATE_COMPLETE") -> str:
        name = f"{sample}-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        self.cfn.create_stack(StackName=name, TemplateBody=template_body(sample),
                              Parameters=_params(params or {}), Capabilities=CAPS)
        status = settle(self.cfn, name)
        assert status == expect, failures(self.cfn, name)
        return name

    def update(self, name: str, params: dict[str, str], expect: str = "UPDATE_COMPLETE") -> None:
        self.cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=_params(params),
                              Capabilities=CAPS)
        status = settle(self.cfn, name)
        assert status == expect, failures(self.cfn, name)

    def delete(self, name: str) -> None:
        """Delete the stack (its buckets emptied first) and wait for DELETE_COMPLETE."""
        for res in resources(self.cfn, name).values():
            if res["ResourceType"] == "AWS::S3::Bucket" and res.get("PhysicalResourceId"):
                try:
                    empty_bucket(self.s3, res["PhysicalResourceId"])
                except ClientError:
                    pass
        self.cfn.delete_stack(StackName=name)
        self.cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=FAST)
        self.names.remove(name)

    def cleanup(self) -> None:
        for name in list(self.names):
            try:
                self.delete(name)
            except Exception as exc:  # noqa: BLE001 - best effort after a failed test
                print(f"cleanup of stack {name} failed: {exc!r}")


@pytest.fixture
def stacks(aws_client) -> Iterator[Stacks]:
    s = Stacks(aws_client)
    yield s
    s.cleanup()


# ---------------------------------------------------------------------------------------------- s3-to-lambda


def test_s3_to_lambda(server, aws_client, stacks):
    cfn, s3, lam = aws_client("cloudformation"), aws_client("s3"), aws_client("lambda")
    name = stacks.create("s3-to-lambda")
    out = outputs(cfn, name)
    bucket = out["BucketName"]
    assert out["BucketArn"] == f"arn:aws:s3:::{bucket}"

    def out_keys() -> list[str]:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="out/").get("Contents", [])]

    def has(key: str) -> Callable[[], bool]:
        return lambda: key in out_keys()

    # the filters: neither a .csv under in/ nor a .txt outside in/ reaches the function
    s3.put_object(Bucket=bucket, Key="in/skip.csv", Body=b"a,b")
    s3.put_object(Bucket=bucket, Key="other/x.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="in/hello world.txt", Body=b"hello squall")
    poll(has("out/hello world.txt"), 10, "out/hello world.txt")
    got = s3.get_object(Bucket=bucket, Key="out/hello world.txt")
    assert got["Body"].read() == b"HELLO SQUALL"
    assert got["Metadata"] == {"source-key": "in/hello world.txt", "event-name": "ObjectCreated:Put"}
    # a last object, put after the function's own out/ write: once its copy exists, an event for
    # any earlier object (the csv, other/, or the function's out/ write) would have been run too
    s3.put_object(Bucket=bucket, Key="in/last.txt", Body=b"last")
    poll(has("out/last.txt"), 10, "out/last.txt")
    assert sorted(out_keys()) == ["out/hello world.txt", "out/last.txt"]

    res = resources(cfn, name)
    policy = res["UppercaseFunctionBucketAccessPolicy"]
    assert policy["ResourceType"] == "AWS::IAM::ManagedPolicy"
    permissions = [r for r in res.values() if r["ResourceType"] == "AWS::Lambda::Permission"]
    assert len(permissions) == 1
    statements = json.loads(lam.get_policy(FunctionName=out["FunctionName"])["Policy"])["Statement"]
    assert [s["Principal"] for s in statements] == [{"Service": "s3.amazonaws.com"}]

    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- sqs-filter


PATTERN = '{"body": {"type": ["order"], "amount": [{"numeric": [">", 0]}]}}'


def test_sqs_filter(server, aws_client, stacks):
    cfn, sqs, lam = aws_client("cloudformation"), aws_client("sqs"), aws_client("lambda")
    name = stacks.create("sqs-filter")
    out = outputs(cfn, name)
    orders, accepted, dlq = out["OrdersQueueUrl"], out["AcceptedQueueUrl"], out["DeadLetterQueueUrl"]

    mappings = lam.list_event_source_mappings(FunctionName=out["FunctionName"])["EventSourceMappings"]
    assert len(mappings) == 1
    mapping = mappings[0]
    assert mapping["BatchSize"] == 5
    assert mapping["MaximumBatchingWindowInSeconds"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert [f["Pattern"] for f in mapping["FilterCriteria"]["Filters"]] == [PATTERN]

    bodies = [{"type": "order", "id": "a", "amount": 10}, {"type": "order", "id": "b", "amount": 0},
              {"type": "refund", "id": "c", "amount": 5}, {"type": "order", "id": "d", "amount": 7, "fail": True}]
    for body in bodies:
        sqs.send_message(QueueUrl=orders, MessageBody=json.dumps(body))
    sqs.send_message(QueueUrl=orders, MessageBody="not json")

    assert json.loads(receive_one(sqs, accepted, 10)["Body"]) == {"id": "a", "amount": 10}
    # d: reported failed, visible again after the 3 s visibility timeout, then moved (maxReceiveCount 1)
    assert json.loads(receive_one(sqs, dlq, 15)["Body"]) == bodies[3]
    poll(lambda: queue_counts(sqs, orders) == (0, 0), 5, "the orders queue to be empty")
    # by now every message has been handled: a was the only one forwarded
    assert sqs.receive_message(QueueUrl=accepted, WaitTimeSeconds=0).get("Messages") is None
    assert queue_counts(sqs, accepted) == (0, 0)
    assert queue_counts(sqs, dlq) == (0, 0)  # d, received above and deleted: nothing else came
    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- rest-api


def test_rest_api(server, aws_client, stacks):
    cfn, apigw = aws_client("cloudformation"), aws_client("apigateway")
    name = stacks.create("rest-api")
    out = outputs(cfn, name)
    api = out["ApiId"]
    assert out["StageName"] == "v1"
    assert out["ApiUrl"] == f"https://{api}.execute-api.{REGION}.amazonaws.com/v1"
    base = f"http://127.0.0.1:{server.port}/_api/{api}/v1"

    status, _, body = http("GET", f"{base}/items/42?color=red")
    assert (status, json.loads(body)) == (200, {"id": "42", "query": {"color": "red"}, "greeting": "hello",
                                                "resource": "/items/{id}"})
    item = json.dumps({"name": "x"}).encode()
    status, _, body = http("POST", f"{base}/items", {"content-type": "application/json"}, item)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    status, _, body = http("POST", f"{base}/items", {"Authorization": "Bearer deny"}, item)
    assert (status, json.loads(body)) == (
        403, {"message": "User is not authorized to access this resource with an explicit deny"})
    status, _, body = http("POST", f"{base}/items", {"Authorization": "Bearer allow-alice"}, item)
    assert (status, json.loads(body)) == (201, {"created": {"name": "x"}, "user": "alice"})
    status, _, body = http("GET", f"{base}/nothing")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})

    assert [s["stageName"] for s in apigw.get_stages(restApiId=api)["item"]] == ["v1"]
    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- httpapi-jwt-cors


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


APP = "https://app.example.com"


def test_httpapi_jwt_cors(server, aws_client, stacks, issuer):
    cfn, gw = aws_client("cloudformation"), aws_client("apigatewayv2")
    name = stacks.create("httpapi-jwt-cors", {"IssuerUrl": issuer.url})
    out = outputs(cfn, name)
    api = out["ApiId"]
    # squall's endpoint form (docs/compatibility.md): http://{apiId}.execute-api.localhost:{port}
    assert out["ApiEndpoint"] == gw.get_api(ApiId=api)["ApiEndpoint"]
    assert out["ApiEndpoint"] == f"http://{api}.execute-api.localhost:{server.port}"
    base = f"http://127.0.0.1:{server.port}/_api/{api}"

    status, headers, body = http("GET", f"{base}/public", {"Origin": APP})
    assert (status, json.loads(body)) == (200, {"route": "GET /public", "sub": None, "scopes": None})
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-expose-headers"] == "x-request-id"
    # the same route through the ApiEndpoint's host
    status, _, body = http("GET", f"http://127.0.0.1:{server.port}/public",
                           {"Host": f"{api}.execute-api.localhost:{server.port}"})
    assert (status, json.loads(body)) == (200, {"route": "GET /public", "sub": None, "scopes": None})

    status, _, body = http("GET", f"{base}/me")
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    status, _, body = http("GET", f"{base}/me", {"Authorization": f"Bearer {issuer.token()}"})
    assert (status, json.loads(body)) == (200, {"route": "GET /me", "sub": "user-1", "scopes": None})
    status, _, body = http("GET", f"{base}/me", {"Authorization": f"Bearer {issuer.token(aud='other-app')}"})
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})

    status, _, body = http("GET", f"{base}/admin", {"Authorization": f"Bearer {issuer.token()}"})
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
    token = issuer.token(scope="read admin")
    status, _, body = http("GET", f"{base}/admin", {"Authorization": f"Bearer {token}"})
    assert (status, json.loads(body)) == (200, {"route": "GET /admin", "sub": "user-1", "scopes": ["read", "admin"]})

    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    status, headers, _ = http("OPTIONS", f"{base}/me", {"Origin": APP, **preflight})
    assert status == 204
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "authorization,content-type"
    assert headers["access-control-max-age"] == "600"
    assert headers["access-control-allow-credentials"] == "true"
    status, headers, _ = http("OPTIONS", f"{base}/me", {"Origin": "https://evil.example", **preflight})
    assert status == 204
    assert [h for h in headers if h.startswith("access-control-")] == []
    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- async-destinations


def test_async_destinations(server, aws_client, stacks):
    cfn, sqs, lam = aws_client("cloudformation"), aws_client("sqs"), aws_client("lambda")
    name = stacks.create("async-destinations")
    out = outputs(cfn, name)
    fn, success, failure = out["FunctionName"], out["SuccessQueueUrl"], out["FailureQueueUrl"]

    def arn(url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    config = lam.get_function_event_invoke_config(FunctionName=fn)
    assert config["MaximumRetryAttempts"] == 0
    assert config["MaximumEventAgeInSeconds"] == 300
    assert config["DestinationConfig"] == {"OnSuccess": {"Destination": arn(success)},
                                           "OnFailure": {"Destination": arn(failure)}}

    assert lam.invoke(FunctionName=fn, InvocationType="Event",
                      Payload=json.dumps({"id": "a", "n": 21}))["StatusCode"] == 202
    assert lam.invoke(FunctionName=fn, InvocationType="Event",
                      Payload=json.dumps({"id": "b", "fail": True}))["StatusCode"] == 202

    ok = json.loads(receive_one(sqs, success, 10)["Body"])
    assert ok["requestContext"]["condition"] == "Success"
    assert ok["requestPayload"] == {"id": "a", "n": 21}
    assert ok["responsePayload"] == {"id": "a", "doubled": 42}
    failed = json.loads(receive_one(sqs, failure, 10)["Body"])
    assert failed["requestContext"]["condition"] == "RetriesExhausted"
    assert failed["requestContext"]["approximateInvokeCount"] == 1
    assert failed["requestPayload"] == {"id": "b", "fail": True}
    assert failed["responsePayload"]["errorType"] == "AskedToFail"
    assert failed["responsePayload"]["errorMessage"] == "asked to fail: b"
    # one record each
    assert queue_counts(sqs, success) == (0, 0) and queue_counts(sqs, failure) == (0, 0)
    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- layer-alias


def test_layer_alias(server, aws_client, stacks):
    cfn, lam = aws_client("cloudformation"), aws_client("lambda")
    name = stacks.create("layer-alias")
    out = outputs(cfn, name)
    fn, alias_arn, layer_arn = out["FunctionName"], out["AliasArn"], out["LayerVersionArn"]
    assert alias_arn == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}:live"
    assert out["VersionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}:1"

    assert invoke(lam, alias_arn, {"name": "squall"}) == {"message": "hello, squall!", "layer": "shared-layer",
                                                          "version": "1"}
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"
    assert lam.get_function(FunctionName=fn)["Configuration"]["Layers"][0]["Arn"] == layer_arn
    assert lam.get_layer_version_by_arn(Arn=layer_arn)["CompatibleRuntimes"] == ["python3.11", "python3.12"]

    stacks.update(name, {"Greeting": "hi", "Revision": "2"})
    out = outputs(cfn, name)
    assert out["VersionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}:2"
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"
    assert invoke(lam, alias_arn, {"name": "squall"}) == {"message": "hi, squall!", "layer": "shared-layer",
                                                          "version": "2"}
    assert invoke(lam, f"{fn}:1", {"name": "squall"}) == {"message": "hello, squall!", "layer": "shared-layer",
                                                          "version": "1"}

    stacks.delete(name)
    for qualified in (fn, f"{fn}:1", f"{fn}:2"):
        with pytest.raises(ClientError) as err:
            lam.get_function(FunctionName=qualified)
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        lam.get_layer_version_by_arn(Arn=layer_arn)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


# ---------------------------------------------------------------------------------------------- custom-resource


def _queue_gone(sqs, queue: str) -> bool:
    try:
        sqs.get_queue_url(QueueName=queue)
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
        return True
    return False


def test_custom_resource_lifecycle(server, aws_client, stacks):
    cfn, sqs = aws_client("cloudformation"), aws_client("sqs")
    name = stacks.create("custom-resource")
    out = outputs(cfn, name)
    assert (out["Joined"], out["WordCount"]) == ("squall-runs-templates", "3")
    queue = f"{name}-made-by-custom"
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    assert out["MadeQueueUrl"] == out["MadeQueuePhysicalId"] == url
    assert resources(cfn, name)["Joined"]["PhysicalResourceId"] == "joined-squall-runs-templates"

    stacks.update(name, {"Separator": "+"})
    out = outputs(cfn, name)
    assert (out["Joined"], out["WordCount"]) == ("squall+runs+templates", "3")
    assert resources(cfn, name)["Joined"]["PhysicalResourceId"] == "joined-squall+runs+templates"
    assert out["MadeQueueUrl"] == url

    stacks.delete(name)
    assert _queue_gone(sqs, queue)


def test_custom_resource_failure_rolls_back(server, aws_client, stacks):
    cfn, sqs = aws_client("cloudformation"), aws_client("sqs")
    name = stacks.create("custom-resource", {"Fail": "yes"}, expect="ROLLBACK_COMPLETE")
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    failed = [e for e in events if e["LogicalResourceId"] == "Joined" and e["ResourceStatus"] == "CREATE_FAILED"]
    assert len(failed) == 1, events
    assert "Joined: asked to fail" in failed[0]["ResourceStatusReason"]
    assert _queue_gone(sqs, f"{name}-made-by-custom")
    stacks.delete(name)


# ---------------------------------------------------------------------------------------------- config-conditions


def test_config_conditions_defaults(server, aws_client, stacks):
    cfn, lam, logs = aws_client("cloudformation"), aws_client("lambda"), aws_client("logs")
    name = stacks.create("config-conditions")
    out = outputs(cfn, name)
    fn = f"{name}-config"
    assert out["FunctionName"] == fn
    assert "ArchiveQueueUrl" not in out
    assert out["Summary"] == f"{name} runs dev with {fn} (arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn})"
    assert "ArchiveQueue" not in resources(cfn, name)
    log_group = f"/squall-samples/{name}/dev"
    assert out["LogGroupArn"].startswith(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group}")
    groups = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [(log_group, 7)]

    assert invoke(lam, fn) == {
        "stage": "dev", "log_level": "DEBUG", "greeting": "hello from dev in us-east-1, owned by team-a",
        "first_tag": "alpha", "all_tags": "alpha+beta", "domain": "example",
        "where": "000000000000:us-east-1:aws:amazonaws.com", "archive_queue_url": "none", "verbose": "yes",
        "log_group": log_group, "memory": 128}
    stacks.delete(name)


def test_config_conditions_prod(server, aws_client, stacks):
    cfn, lam, sqs = aws_client("cloudformation"), aws_client("lambda"), aws_client("sqs")
    name = stacks.create("config-conditions", {"Stage": "prod", "Owner": ""})
    out = outputs(cfn, name)
    fn = f"{name}-config"
    queue_url = sqs.get_queue_url(QueueName=f"{name}-archive")["QueueUrl"]
    assert out["ArchiveQueueUrl"] == queue_url
    assert exports(cfn)[f"{name}-ArchiveQueueUrl"] == queue_url

    def retention() -> str:
        return sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["MessageRetentionPeriod"])[
            "Attributes"]["MessageRetentionPeriod"]

    assert retention() == "345600"
    config = invoke(lam, fn)
    assert config["stage"] == "prod"
    assert config["log_level"] == "WARNING"
    assert config["greeting"] == "hello from prod in us-east-1, owned by nobody"
    assert config["memory"] == 512
    assert config["verbose"] is None
    assert config["archive_queue_url"] == queue_url
    assert config["log_group"] == f"/squall-samples/{name}/prod"

    stacks.update(name, {"Stage": "prod", "Owner": "team-a"})
    assert retention() == "1209600"
    assert invoke(lam, fn)["greeting"] == "hello from prod in us-east-1, owned by team-a"
    stacks.delete(name)
    assert f"{name}-ArchiveQueueUrl" not in exports(cfn)


def test_config_conditions_refuses_a_value_outside_allowed_values(server, aws_client):
    cfn = aws_client("cloudformation")
    name = f"config-conditions-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=name, TemplateBody=template_body("config-conditions"),
                         Parameters=_params({"Stage": "staging"}), Capabilities=CAPS)
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "Parameter 'Stage' must be one of AllowedValues" in error["Message"]
    with pytest.raises(ClientError) as err:  # no stack was made
        cfn.describe_stacks(StackName=name)
    assert err.value.response["Error"]["Code"] == "ValidationError"
