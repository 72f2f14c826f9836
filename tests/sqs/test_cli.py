"""Smoke test with the AWS CLI (awscli v1) against the live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqs.conftest import unique

AWS = Path(sys.executable).with_name("aws")


def _aws(endpoint: str, *args: str) -> dict:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([str(AWS), "--endpoint-url", endpoint, "--output", "json", "sqs", *args],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


@pytest.mark.skipif(not AWS.exists(), reason="awscli not installed in this environment")
def test_cli_roundtrip(server):
    name = unique("cli")
    url = _aws(server.endpoint, "create-queue", "--queue-name", name)["QueueUrl"]
    assert name in json.dumps(_aws(server.endpoint, "list-queues", "--queue-name-prefix", name))
    sent = _aws(server.endpoint, "send-message", "--queue-url", url, "--message-body", "from cli",
                "--message-attributes", '{"k": {"DataType": "String", "StringValue": "v"}}')
    assert sent["MessageId"]
    got = _aws(server.endpoint, "receive-message", "--queue-url", url, "--message-attribute-names", "All")
    assert got["Messages"][0]["Body"] == "from cli"
    _aws(server.endpoint, "delete-message", "--queue-url", url, "--receipt-handle",
         got["Messages"][0]["ReceiptHandle"])
    _aws(server.endpoint, "delete-queue", "--queue-url", url)
