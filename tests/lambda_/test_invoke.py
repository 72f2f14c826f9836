"""Invoke through the wire: results, function errors, limits, async delivery, logs."""

from __future__ import annotations

import base64
import io
import json
import textwrap
import time
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

CODE = textwrap.dedent('''
    import json, os, time, boto3

    def handler(event, context):
        print("event", json.dumps(event))
        action = event.get("do") if isinstance(event, dict) else None
        if action == "fail":
            raise RuntimeError("asked to fail")
        if action == "sleep":
            time.sleep(event["seconds"])
        if action == "send":
            boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody=json.dumps(event["body"]))
        return {"echo": event, "version": context.function_version, "arn": context.invoked_function_arn,
                "request_id": context.aws_request_id}
''')


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(aws_client):
    return aws_client("lambda")


@pytest.fixture
def function(lam):
    """``function(**create_kwargs) -> name``: a function running CODE, Active, deleted afterwards."""
    made = []

    def make(code: str = CODE, **kw) -> str:
        name = kw.pop("FunctionName", f"fn-{uuid.uuid4().hex[:10]}")
        lam.create_function(FunctionName=name, Runtime=kw.pop("Runtime", "python3.11"), Role=ROLE,
                            Handler=kw.pop("Handler", "app.handler"), Code={"ZipFile": zip_of({"app.py": code})},
                            **kw)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            lam.delete_function(FunctionName=name)
        except ClientError:
            pass


def test_request_response_with_log_tail(lam, function):
    name = function()
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"hello": "world"}), LogType="Tail")
    assert r["StatusCode"] == 200 and r["ExecutedVersion"] == "$LATEST" and "FunctionError" not in r
    body = json.loads(r["Payload"].read())
    assert body["echo"] == {"hello": "world"} and body["version"] == "$LATEST"
    assert body["request_id"] == r["ResponseMetadata"]["RequestId"]
    assert body["arn"].endswith(f":function:{name}")
    tail = base64.b64decode(r["LogResult"]).decode()
    assert f"START RequestId: {body['request_id']} Version: $LATEST" in tail
    assert 'event {"hello": "world"}' in tail and f"END RequestId: {body['request_id']}" in tail
    assert "REPORT RequestId:" in tail and "Billed Duration:" in tail


def test_empty_payload_is_an_empty_event(lam, function):
    name = function()
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read())["echo"] == {}


def test_function_error_is_a_200_with_the_error_document(lam, function):
    name = function()
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"do": "fail"}))
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    doc = json.loads(r["Payload"].read())
    assert doc["errorType"] == "RuntimeError" and doc["errorMessage"] == "asked to fail"
    assert doc["requestId"] == r["ResponseMetadata"]["RequestId"] and doc["stackTrace"]


def test_timeout(lam, function):
    name = function(Timeout=1)
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"do": "sleep", "seconds": 10}))
    doc = json.loads(r["Payload"].read())
    assert r["FunctionError"] == "Unhandled" and doc["errorType"] == "Sandbox.Timedout"
    assert doc["errorMessage"].endswith("Task timed out after 1.00 seconds")


def test_bad_payload_and_dry_run(lam, function):
    name = function()
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name, Payload=b"{not json")
    assert exc.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="no-such-function-here")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_reserved_concurrency_zero_throttles(lam, function):
    name = function()
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=name)
    err = exc.value.response
    assert err["Error"]["Code"] == "TooManyRequestsException" and err["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_versions_and_aliases_execute_their_version(lam, function):
    name = function()
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    r = lam.invoke(FunctionName=name, Qualifier="live")
    body = json.loads(r["Payload"].read())
    assert r["ExecutedVersion"] == version and body["version"] == version
    assert body["arn"].endswith(f":{name}:live")


def _receive_all(sqs, url: str, n: int, timeout: float = 20) -> list[dict]:
    got: list[dict] = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   MessageAttributeNames=["All"]).get("Messages", [])
    return got


def test_async_invoke_with_boto3_inside_the_handler(lam, sqs, function):
    url = sqs.create_queue(QueueName=f"out-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    name = function()
    r = lam.invoke(FunctionName=name, InvocationType="Event",
                   Payload=json.dumps({"do": "send", "queue": url, "body": {"n": 1}}))
    assert r["StatusCode"] == 202
    [msg] = _receive_all(sqs, url, 1)
    assert json.loads(msg["Body"]) == {"n": 1}


def test_async_success_and_failure_destinations_and_dlq(lam, sqs, function):
    """Failures retry (MaximumRetryAttempts), then go to OnFailure and the DLQ; successes to OnSuccess."""
    def queue(prefix: str) -> tuple[str, str]:
        url = sqs.create_queue(QueueName=f"{prefix}-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    ok_url, ok_arn = queue("ok")
    bad_url, bad_arn = queue("bad")
    dlq_url, dlq_arn = queue("dlq")
    name = function(DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": bad_arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"x": 1}))
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"do": "fail"}))

    [ok] = _receive_all(sqs, ok_url, 1)
    record = json.loads(ok["Body"])
    assert record["version"] == "1.0" and record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"x": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"]["echo"] == {"x": 1}

    [bad] = _receive_all(sqs, bad_url, 1, timeout=30)
    record = json.loads(bad["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # one retry
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"

    [dead] = _receive_all(sqs, dlq_url, 1)
    assert json.loads(dead["Body"]) == {"do": "fail"}
    attrs = dead["MessageAttributes"]
    assert attrs["ErrorMessage"]["StringValue"] == "asked to fail"
    assert attrs["RequestID"]["StringValue"] == record["requestContext"]["requestId"]


def test_function_logs_reach_cloudwatch_logs(lam, aws_client, function):
    logs = aws_client("logs")
    name = function()
    request_id = lam.invoke(FunctionName=name, Payload=json.dumps({"find": "me"}))["ResponseMetadata"]["RequestId"]
    deadline = time.time() + 10
    messages: list[str] = []
    while time.time() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except ClientError:
            events = []
        messages = [e["message"] for e in events]
        if any(m.startswith("REPORT") for m in messages):
            break
        time.sleep(0.2)
    assert f"START RequestId: {request_id} Version: $LATEST" in [m.rstrip("\n") for m in messages]
    assert any('"find": "me"' in m for m in messages)
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert streams and "[$LATEST]" in streams[0]["logStreamName"]


def test_squall_invoke_and_logs_commands(function, server):
    """`squall invoke` prints the result then the log tail; `squall logs` shows the same invocation."""
    import subprocess
    import sys

    name = function()
    cmd = [sys.executable, "-m", "squall"]
    out = subprocess.run([*cmd, "invoke", name, "--payload", '{"from": "cli"}', "--endpoint-url", server.endpoint],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["echo"] == {"from": "cli"}
    assert "START RequestId:" in out.stderr and "REPORT RequestId:" in out.stderr
    failed = subprocess.run([*cmd, "invoke", name, "--payload", '{"do": "fail"}', "--endpoint-url",
                             server.endpoint], capture_output=True, text=True, timeout=60, check=False)
    assert failed.returncode == 1 and json.loads(failed.stdout)["errorType"] == "RuntimeError"
    deadline = time.time() + 10
    while time.time() < deadline:
        logs = subprocess.run([*cmd, "logs", name, "--endpoint-url", server.endpoint],
                              capture_output=True, text=True, timeout=60, check=False)
        if '"from": "cli"' in logs.stdout:
            break
        time.sleep(0.3)
    assert '"from": "cli"' in logs.stdout and "asked to fail" in logs.stdout
