"""kill -9 while asynchronous invocations are queued and running: every accepted event still
runs (at least once) after the restart."""

from __future__ import annotations

import io
import json
import time
import zipfile

import boto3
from botocore.config import Config

from tests.support.server import ServerProcess

CODE = '''
import json, time, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    time.sleep(0.05)
    sqs.send_message(QueueUrl=event["queue"], MessageBody=str(event["n"]))
'''


def _client(srv: ServerProcess, service: str):
    return boto3.client(service, endpoint_url=srv.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=10))


def test_kill_9_loses_no_async_invocation(fresh_server: ServerProcess):
    srv = fresh_server
    lam, sqs = _client(srv, "lambda"), _client(srv, "sqs")
    url = sqs.create_queue(QueueName="done")["QueueUrl"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", CODE)
    lam.create_function(FunctionName="slow", Runtime="python3.11", Role="arn:aws:iam::000000000000:role/r",
                        Handler="app.handler", Code={"ZipFile": buf.getvalue()})
    lam.get_waiter("function_active_v2").wait(FunctionName="slow", WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=2)
    accepted = set()
    for n in range(120):
        lam.invoke(FunctionName="slow", InvocationType="Event", Payload=json.dumps({"queue": url, "n": n}))
        accepted.add(str(n))
    time.sleep(0.5)  # some have run, some are running, most wait for a slot
    srv.kill()
    srv.start()
    sqs = _client(srv, "sqs")
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while not accepted <= seen and time.monotonic() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            seen.add(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert accepted <= seen, f"{len(accepted - seen)} accepted events never ran"
