"""SAM templates deployed through the wire — CreateStack with the transform, `squall deploy`, and
`aws cloudformation deploy` — then the app driven over HTTP, SQS and S3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
import uuid
from pathlib import Path

FAST = {"Delay": 0.1, "MaxAttempts": 600}
CAPS = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]

TEMPLATE = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Parameters:
      Greeting:
        Type: String
        Default: hello
    Globals:
      Function:
        Runtime: python3.11
        Timeout: 10
        Environment:
          Variables:
            GREETING: !Ref Greeting
    Resources:
      Inbox:
        Type: AWS::SQS::Queue
      Store:
        Type: AWS::S3::Bucket
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Handler: index.handler
          InlineCode: |
            import json, os
            def handler(event, context):
                return {"statusCode": 200, "body": json.dumps({"say": os.environ["GREETING"],
                                                                "path": event["rawPath"]})}
          Events:
            Hello:
              Type: HttpApi
              Properties:
                Path: /hello/{name}
                Method: GET
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Handler: index.handler
          Policies:
            - S3CrudPolicy:
                BucketName: !Ref Store
          Environment:
            Variables:
              BUCKET: !Ref Store
          InlineCode: |
            import boto3, os
            s3 = boto3.client("s3")
            def handler(event, context):
                for record in event["Records"]:
                    s3.put_object(Bucket=os.environ["BUCKET"], Key="got/" + record["body"], Body=b"ok")
          Events:
            Jobs:
              Type: SQS
              Properties:
                Queue: !GetAtt Inbox.Arn
                BatchSize: 5
    Outputs:
      ApiId:
        Value: !Ref ServerlessHttpApi
      QueueUrl:
        Value: !Ref Inbox
      Bucket:
        Value: !Ref Store
""")


def _outputs(cfn, name: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}


def _get(url: str, host: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_for_object(s3, bucket: str, key: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise AssertionError(f"{key} never appeared in {bucket}")


def _drive(server, aws_client, name: str, greeting: str = "hello") -> dict[str, str]:
    cfn, sqs, s3 = aws_client("cloudformation"), aws_client("sqs"), aws_client("s3")
    out = _outputs(cfn, name)
    status, body = _get(f"http://127.0.0.1:{server.port}/_api/{out['ApiId']}/hello/ada")
    assert status == 200, body
    assert json.loads(body) == {"say": greeting, "path": "/hello/ada"}
    job = uuid.uuid4().hex
    sqs.send_message(QueueUrl=out["QueueUrl"], MessageBody=job)
    _wait_for_object(s3, out["Bucket"], f"got/{job}")
    return out


def _empty(s3, bucket: str) -> None:
    """A bucket must be empty to be deleted, with its stack too (as on AWS)."""
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])


def test_sam_template_through_create_stack(server, aws_client):
    cfn = aws_client("cloudformation")
    name = f"sam-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=CAPS)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    _drive(server, aws_client, name)
    processed = cfn.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    processed = processed if isinstance(processed, dict) else json.loads(processed)
    assert "Transform" not in processed and processed["Resources"]["Api"]["Type"] == "AWS::Lambda::Function"
    # an update of a parameter reaches the function's environment; the queue and bucket stay
    cfn.update_stack(StackName=name, UsePreviousTemplate=True, Capabilities=CAPS,
                     Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "bonjour"}])
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=FAST)
    out = _drive(server, aws_client, name, "bonjour")
    _empty(aws_client("s3"), out["Bucket"])
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=FAST)


def _cli_env(server) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.port}", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def test_squall_deploy_and_delete(server, aws_client, tmp_path: Path):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    name = f"dep-{uuid.uuid4().hex[:8]}"
    squall = [sys.executable, "-m", "squall"]
    run = subprocess.run([*squall, "deploy", str(tmp_path), "--stack-name", name, "--parameter-overrides",
                          "Greeting=hi"], env=_cli_env(server), capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "CREATE_COMPLETE" in run.stdout
    out = _drive(server, aws_client, name, "hi")
    again = subprocess.run([*squall, "deploy", str(tmp_path), "--stack-name", name, "--parameter-overrides",
                            "Greeting=hi"], env=_cli_env(server), capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and "no changes" in again.stdout
    _empty(aws_client("s3"), out["Bucket"])
    gone = subprocess.run([*squall, "delete", name], env=_cli_env(server), capture_output=True, text=True,
                          timeout=120, check=False)
    assert gone.returncode == 0 and "DELETE_COMPLETE" in gone.stdout, gone.stdout + gone.stderr


def test_aws_cloudformation_deploy(server, aws_client, tmp_path: Path):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    name = f"awscli-{uuid.uuid4().hex[:8]}"
    aws = [sys.executable, "-m", "awscli"]
    run = subprocess.run([*aws, "cloudformation", "deploy", "--template-file", str(template), "--stack-name", name,
                          "--capabilities", *CAPS, "--parameter-overrides", "Greeting=hey"],
                         env=_cli_env(server), capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    out = _drive(server, aws_client, name, "hey")
    again = subprocess.run([*aws, "cloudformation", "deploy", "--template-file", str(template), "--stack-name", name,
                            "--capabilities", *CAPS, "--parameter-overrides", "Greeting=hey",
                            "--no-fail-on-empty-changeset"],
                           env=_cli_env(server), capture_output=True, text=True, timeout=180, check=False)
    assert again.returncode == 0 and "No changes to deploy" in again.stdout + again.stderr, again.stdout + again.stderr
    _empty(aws_client("s3"), out["Bucket"])
    aws_client("cloudformation").delete_stack(StackName=name)


def test_failed_sam_update_rolls_back_and_the_app_keeps_working(server, aws_client):
    cfn = aws_client("cloudformation")
    name = f"samrb-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=CAPS)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    broken = TEMPLATE.replace("  Inbox:\n    Type: AWS::SQS::Queue\n", "  Inbox:\n    Type: AWS::SQS::Queue\n"
                              "  Broken:\n    Type: AWS::SQS::Queue\n    DependsOn: Inbox\n"
                              "    Properties:\n      MessageRetentionPeriod: 5\n")
    cfn.update_stack(StackName=name, TemplateBody=broken, Capabilities=CAPS,
                     Parameters=[{"ParameterKey": "Greeting", "ParameterValue": "changed"}])
    deadline = time.time() + 60
    while time.time() < deadline:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if status.endswith("COMPLETE") and "IN_PROGRESS" not in status and status != "UPDATE_COMPLETE":
            break
        time.sleep(0.1)
    assert status == "UPDATE_ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
              if e["LogicalResourceId"] == "Broken" and e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed and failed[0]["ResourceStatusReason"]
    out = _drive(server, aws_client, name, "hello")  # the old environment is back, the queue still works
    _empty(aws_client("s3"), out["Bucket"])
    cfn.delete_stack(StackName=name)


def test_squall_deploy_code_dir_runs_in_place_and_reloads(server, aws_client, tmp_path: Path):
    (tmp_path / "src").mkdir()
    handler = tmp_path / "src" / "app.py"
    handler.write_text("def handler(event, context):\n    return {'v': 1}\n")
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.11
              Handler: app.handler
              CodeUri: src/
        Outputs:
          Name:
            Value: !Ref Fn
    """))
    name = f"hot-{uuid.uuid4().hex[:8]}"
    run = subprocess.run([sys.executable, "-m", "squall", "deploy", str(tmp_path), "--stack-name", name],
                         env=_cli_env(server), capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    lam = aws_client("lambda")
    fn = _outputs(aws_client("cloudformation"), name)["Name"]

    def invoke() -> dict:
        return json.loads(lam.invoke(FunctionName=fn)["Payload"].read())

    assert invoke() == {"v": 1}
    handler.write_text("def handler(event, context):\n    return {'v': 2}\n")
    deadline = time.time() + 10
    while invoke() != {"v": 2}:
        assert time.time() < deadline, "the edit was not picked up"
        time.sleep(0.1)
    aws_client("cloudformation").delete_stack(StackName=name)


def test_transform_needs_auto_expand_for_create_stack_but_not_for_a_change_set(aws_client):
    """As `sam deploy --capabilities CAPABILITY_IAM` relies on: a change set shows the processed
    template first, so AWS::Serverless needs no CAPABILITY_AUTO_EXPAND there."""
    cfn = aws_client("cloudformation")
    name = f"ax-{uuid.uuid4().hex[:8]}"
    try:
        cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
        raise AssertionError("CreateStack accepted a transform without CAPABILITY_AUTO_EXPAND")
    except cfn.exceptions.InsufficientCapabilitiesException as exc:
        assert "CAPABILITY_AUTO_EXPAND" in str(exc)
    cs = cfn.create_change_set(StackName=name, ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=TEMPLATE,
                               Capabilities=["CAPABILITY_IAM"])
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=cs["Id"], WaiterConfig=FAST)
    cfn.delete_change_set(ChangeSetName=cs["Id"])
