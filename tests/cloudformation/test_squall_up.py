"""`squall up PATH`: the app's template is deployed at start, its shape printed, and an edit of
the template redeploys it; an edit of a handler file is picked up without a restart."""

from __future__ import annotations

import textwrap
import time
import urllib.request
from pathlib import Path

import boto3

from tests.support.server import start_server

TEMPLATE = textwrap.dedent("""\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Hello:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.11
          Handler: app.handler
          CodeUri: src/
          FunctionUrlConfig:
            AuthType: NONE
      Jobs:
        Type: AWS::SQS::Queue
    Outputs:
      Url:
        Value: !GetAtt HelloUrl.FunctionUrl
""")


def _until(check, timeout: float = 30.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001
            last = exc
        time.sleep(0.1)
    raise AssertionError(f"condition not met in {timeout}s ({last})")


def _call(url: str, port: int) -> bytes:
    host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": f"{host}:{port}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def test_up_deploys_watches_and_reloads(tmp_path: Path):
    app = tmp_path / "myapp"
    (app / "src").mkdir(parents=True)
    (app / "src" / "app.py").write_text("def handler(event, context):\n    return 'one'\n")
    (app / "template.yaml").write_text(TEMPLATE)
    server = start_server(tmp_path / "data", "sqlite", extra_args=[str(app)])
    try:
        cfn = boto3.client("cloudformation", endpoint_url=server.endpoint, region_name="us-east-1")
        stack = _until(lambda: [s for s in cfn.describe_stacks(StackName="myapp")["Stacks"]
                                if s["StackStatus"] == "CREATE_COMPLETE"])[0]
        url = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["Url"]
        assert _call(url, server.port) == b"one"
        assert _until(lambda: "stack myapp" in server.log() and "Hello" in server.log())
        # a handler edit: no redeploy, warm workers replaced
        (app / "src" / "app.py").write_text("def handler(event, context):\n    return 'two'\n")
        assert _until(lambda: _call(url, server.port) == b"two", timeout=10)
        # a template edit: redeployed (a second queue appears)
        (app / "template.yaml").write_text(TEMPLATE.replace("  Jobs:\n", "  More:\n    Type: AWS::SQS::Queue\n  Jobs:\n"))
        _until(lambda: any(r["LogicalResourceId"] == "More" and r["ResourceStatus"].endswith("COMPLETE")
                           for r in cfn.describe_stack_resources(StackName="myapp")["StackResources"]))
        assert _call(url, server.port) == b"two"
    finally:
        server.stop()
