"""The demo `make demo` runs: `squall up examples/app`, then the upload → S3 → processor → SQS →
recorder → results flow through the HTTP API, as its README shows."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import boto3

from tests.support.server import start_server

APP = Path(__file__).resolve().parents[2] / "examples" / "app"


def _http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method, headers={"content-type": "text/plain"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())


def test_demo_app_counts_an_upload(tmp_path: Path):
    server = start_server(tmp_path / "data", "sqlite", extra_args=[str(APP)])
    try:
        cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1")
        deadline = time.time() + 60
        outputs = None
        while time.time() < deadline and outputs is None:
            try:
                stack = cfn.describe_stacks(StackName="app")["Stacks"][0]
                if stack["StackStatus"] == "CREATE_COMPLETE":
                    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
            except Exception:  # noqa: BLE001, S110 - not deployed yet
                pass
            time.sleep(0.1)
        assert outputs is not None, server.log()
        api = f"{server.endpoint}/_api/{outputs['ApiId']}"
        status, doc = _http("POST", f"{api}/uploads/fox.txt", b"the quick brown fox\njumps over the lazy dog")
        assert status == 202 and doc["bytes"] == 43
        while time.time() < deadline:
            results = _http("GET", f"{api}/results")[1]["results"]
            if results:
                break
            time.sleep(0.1)
        assert [(r["name"], r["bytes"], r["lines"], r["words"]) for r in results] == [("fox.txt", 43, 2, 9)]
        assert "TryUpload" in server.log()  # the summary printed what to try
    finally:
        server.stop()
