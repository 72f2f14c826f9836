"""Stack deploy time: a 20-resource CloudFormation template on squall and on moto's server, side by
side in one run, plus the same shape as a SAM template through ``squall deploy``.

The plain template (built below, no SAM, so moto can run it too): an IAM role, four SQS queues
(a dead-letter queue, a queue redriving into it, a results queue with a queue policy, a FIFO
queue), two S3 buckets, three Lambda functions with inline ``ZipFile`` code, four log groups,
an SQS event source mapping, a version and an alias, two Lambda permissions — 20 resources —
and outputs that read them (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``).

Each server is timed with boto3 from the ``CreateStack`` call to ``CREATE_COMPLETE`` as the
``stack_create_complete`` waiter sees it (polling every ``--poll`` s: the figures are rounded up
to that), ``--runs`` times (a new stack each time). A resource type moto cannot create is
dropped from moto's template (said in the output); resources moto skips silently are counted
from ``DescribeStackResources``. The SAM
template is timed as the wall time of the ``squall deploy`` command (its own interpreter start
included; the start of a bare ``squall --version`` is printed next to it).

A server that has no CloudFormation API yet, or fails the stack, gets its error in its column
and the run goes on.

    python bench/deploy.py [--runs 3] [--poll 0.02] [--backend sqlite] [--no-moto] [--no-sam]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, machine, start_moto, start_squall

TARGET_S = 2.0  # the 20-resource template on squall, CreateStack → CREATE_COMPLETE

WORKER = """import json, os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    for record in event.get("Records", []):
        sqs.send_message(QueueUrl=os.environ["RESULTS_URL"], MessageBody=record["body"])
    return {"ok": True}
"""
API = """import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"path": event.get("rawPath")})}
"""
CLEANUP = """def handler(event, context):
    return {"records": len(event.get("Records", []))}
"""

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# ---- the templates ------------------------------------------------------------------------------
def plain_template() -> dict:
    """The 20-resource CloudFormation template (no transform)."""

    def function(code: str, env: dict | None = None, timeout: int = 10) -> dict:
        props = {"Runtime": "python3.11", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                 "Code": {"ZipFile": code}, "Timeout": timeout, "MemorySize": 128}
        if env:
            props["Environment"] = {"Variables": env}
        return {"Type": "AWS::Lambda::Function", "Properties": props}

    def log_group(name: dict | str) -> dict:
        return {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name, "RetentionInDays": 7}}

    resources = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": LAMBDA_TRUST,
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
            "Policies": [{"PolicyName": "app", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["sqs:*", "s3:*"], "Resource": "*"}]}}]}},
        "JobsDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600}},
        "JobsQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "VisibilityTimeout": 60,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]},
                              "maxReceiveCount": 3}}},
        "ResultsQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "EventsQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "FifoQueue": True, "ContentBasedDeduplication": True,
            "QueueName": {"Fn::Sub": "${AWS::StackName}-events.fifo"}}},
        "ResultsQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "ResultsQueue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["ResultsQueue", "Arn"]}}]}}},
        "InputBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "VersioningConfiguration": {"Status": "Enabled"}}},
        "OutputBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "LifecycleConfiguration": {"Rules": [
                {"Id": "expire", "Status": "Enabled", "ExpirationInDays": 7}]}}},
        "WorkerFunction": function(WORKER, {"RESULTS_URL": {"Ref": "ResultsQueue"},
                                            "OUTPUT_BUCKET": {"Ref": "OutputBucket"}}, timeout=30),
        "ApiFunction": function(API),
        "CleanupFunction": function(CLEANUP, {"BUCKET": {"Ref": "InputBucket"}}),
        "WorkerLogGroup": log_group({"Fn::Sub": "/aws/lambda/${WorkerFunction}"}),
        "ApiLogGroup": log_group({"Fn::Sub": "/aws/lambda/${ApiFunction}"}),
        "CleanupLogGroup": log_group({"Fn::Sub": "/aws/lambda/${CleanupFunction}"}),
        "AppLogGroup": log_group({"Fn::Sub": "/bench/${AWS::StackName}/app"}),
        "WorkerMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": ["JobsQueue", "Arn"]}, "FunctionName": {"Ref": "WorkerFunction"},
            "BatchSize": 10, "FunctionResponseTypes": ["ReportBatchItemFailures"]}},
        "WorkerVersion": {"Type": "AWS::Lambda::Version", "Properties": {
            "FunctionName": {"Ref": "WorkerFunction"}}},
        "WorkerAlias": {"Type": "AWS::Lambda::Alias", "Properties": {
            "FunctionName": {"Ref": "WorkerFunction"},
            "FunctionVersion": {"Fn::GetAtt": ["WorkerVersion", "Version"]},
            "Name": "live"}},
        "CleanupPermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Ref": "CleanupFunction"}, "Action": "lambda:InvokeFunction",
            "Principal": "s3.amazonaws.com", "SourceAccount": {"Ref": "AWS::AccountId"}}},
        "ApiPermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "FunctionName": {"Fn::GetAtt": ["ApiFunction", "Arn"]}, "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com"}},
    }
    outputs = {
        "JobsQueueUrl": {"Value": {"Ref": "JobsQueue"}},
        "ResultsQueueArn": {"Value": {"Fn::GetAtt": ["ResultsQueue", "Arn"]}},
        "InputBucketName": {"Value": {"Ref": "InputBucket"}},
        "WorkerArn": {"Value": {"Fn::GetAtt": ["WorkerFunction", "Arn"]}},
        "WorkerAliasArn": {"Value": {"Ref": "WorkerAlias"}},
        "Summary": {"Value": {
            "Fn::Sub": "${AWS::StackName}: ${WorkerFunction} reads ${JobsQueue.QueueName}"}},
    }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Description": "bench/deploy.py: 20 resources",
            "Resources": resources, "Outputs": outputs}


def sam_template() -> str:
    """The same shape as a SAM template: three AWS::Serverless::Function with InlineCode sharing the
    role, the worker fed by an SQS event and published behind an alias (AutoPublishAlias)."""

    def block(code: str, indent: int = 8) -> str:
        return "\n".join(" " * indent + line if line else "" for line in code.splitlines())

    return f"""AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: bench/deploy.py — the 20-resource shape, as SAM
Globals:
  Function:
    Runtime: python3.11
    Handler: index.handler
    Timeout: 10
    MemorySize: 128
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {json.dumps(LAMBDA_TRUST)}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
  JobsDeadLetterQueue:
    Type: AWS::SQS::Queue
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy: {{deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn, maxReceiveCount: 3}}
  ResultsQueue:
    Type: AWS::SQS::Queue
  EventsQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      QueueName: !Sub "${{AWS::StackName}}-events.fifo"
  ResultsQueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref ResultsQueue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: s3.amazonaws.com}}, Action: sqs:SendMessage,
             Resource: !GetAtt ResultsQueue.Arn}}
  InputBucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {{Status: Enabled}}
  OutputBucket:
    Type: AWS::S3::Bucket
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt Role.Arn
      Timeout: 30
      AutoPublishAlias: live
      Environment:
        Variables: {{RESULTS_URL: !Ref ResultsQueue, OUTPUT_BUCKET: !Ref OutputBucket}}
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt JobsQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
      InlineCode: |
{block(WORKER)}
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt Role.Arn
      InlineCode: |
{block(API)}
  CleanupFunction:
    Type: AWS::Serverless::Function
    Properties:
      Role: !GetAtt Role.Arn
      Environment:
        Variables: {{BUCKET: !Ref InputBucket}}
      InlineCode: |
{block(CLEANUP)}
  WorkerLogGroup:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: !Sub "/aws/lambda/${{WorkerFunction}}", RetentionInDays: 7}}
  ApiLogGroup:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: !Sub "/aws/lambda/${{ApiFunction}}", RetentionInDays: 7}}
  CleanupLogGroup:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: !Sub "/aws/lambda/${{CleanupFunction}}", RetentionInDays: 7}}
  AppLogGroup:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: !Sub "/bench/${{AWS::StackName}}/app", RetentionInDays: 7}}
  CleanupPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref CleanupFunction
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceAccount: !Ref AWS::AccountId
  ApiPermission:
    Type: AWS::Lambda::Permission
    Properties: {{FunctionName: !GetAtt ApiFunction.Arn, Action: lambda:InvokeFunction,
                 Principal: apigateway.amazonaws.com}}
Outputs:
  JobsQueueUrl: {{Value: !Ref JobsQueue}}
  WorkerAliasArn: {{Value: !Ref WorkerFunction.Alias}}
"""


# ---- timing -------------------------------------------------------------------------------------
@dataclass
class Column:
    """One server's figures (seconds per run) or why it has none."""

    name: str
    times: list[float] = field(default_factory=list)
    resources: int | None = None
    total: int = 0  # resources in the template the server was given
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def cell(self, pick) -> str:
        if self.error and not self.times:
            return "error"
        return f"{pick(self.times):.2f} s" if self.times else "–"


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1},
                                                                     read_timeout=120))


def _short(exc: BaseException, limit: int = 300) -> str:
    return f"{type(exc).__name__}: {str(exc)[:limit]}"


def _failure_reason(cfn, stack: str) -> tuple[str | None, str]:
    """(the resource type of the first failed resource, its reason) from the stack's events."""
    try:
        events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    except Exception as exc:  # noqa: BLE001 - best effort
        return None, _short(exc)
    for event in reversed(events):  # oldest first
        if event.get("ResourceStatus", "").endswith("_FAILED") and event.get("ResourceType") != \
                "AWS::CloudFormation::Stack":
            reason = event.get("ResourceStatusReason", "")
            return event.get("ResourceType"), f"{event['LogicalResourceId']}: {reason}"
    return None, "no failed resource reported"


def create_once(cfn, stack: str, body: str, poll: float = 0.1) -> float:
    """Seconds from CreateStack to CREATE_COMPLETE (the waiter polling every ``poll`` s)."""
    t = time.perf_counter()
    cfn.create_stack(StackName=stack, TemplateBody=body,
                     Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    cfn.get_waiter("stack_create_complete").wait(StackName=stack,
                                                 WaiterConfig={"Delay": poll, "MaxAttempts": int(120 / poll)})
    return time.perf_counter() - t


def count_resources(cfn, stack: str) -> int:
    return len(cfn.describe_stack_resources(StackName=stack)["StackResources"])


def run_plain(srv: Server, runs: int, drop_unsupported: bool, poll: float) -> Column:
    """``runs`` stacks of the plain template; on moto, resource types it cannot create are dropped."""
    col = Column(srv.name)
    cfn = client(srv.endpoint, "cloudformation")
    template = plain_template()
    dropped: list[str] = []
    run = 0
    attempts = 0
    while run < runs and attempts < runs + 10:
        attempts += 1
        stack = f"bench-{srv.name}-{attempts}"
        try:
            col.times.append(create_once(cfn, stack, json.dumps(template), poll))
            col.resources = count_resources(cfn, stack)
            run += 1
        except Exception as exc:  # noqa: BLE001 - report it in the table and move on
            failed_type, reason = _failure_reason(cfn, stack)
            if drop_unsupported and failed_type and any(
                    r["Type"] == failed_type for r in template["Resources"].values()):
                template = _without_type(template, failed_type)
                dropped.append(f"{failed_type} ({reason[:160]})")
                continue
            col.error = f"{_short(exc)} — {reason}" if failed_type else _short(exc)
            break
    total = len(template["Resources"])
    if dropped:
        col.notes.append(f"dropped from {srv.name}'s template: " + "; ".join(dropped))
    if col.resources is not None and col.resources < total:
        col.notes.append(f"{srv.name} reports {col.resources} of the template's {total} resources "
                         "(types it does not implement are skipped silently)")
    col.total = total
    return col


def _without_type(template: dict, type_name: str) -> dict:
    """The template without the resources of ``type_name`` and anything that refers to them."""
    gone = {name for name, r in template["Resources"].items() if r["Type"] == type_name}
    changed = True
    while changed:
        changed = False
        for name, r in template["Resources"].items():
            if name not in gone and any(_refers(r, g) for g in gone):
                gone.add(name)
                changed = True
    resources = {k: v for k, v in template["Resources"].items() if k not in gone}
    outputs = {k: v for k, v in template["Outputs"].items() if not any(_refers(v, g) for g in gone)}
    return {**template, "Resources": resources, "Outputs": outputs}


def _refers(node, name: str) -> bool:
    text = json.dumps(node)
    needles = (f'"Ref": "{name}"', f'["{name}",', f"${{{name}}}", f"${{{name}.")
    return any(needle in text for needle in needles)


def run_sam(srv: Server, runs: int) -> Column:
    """``squall deploy`` of the SAM template, wall time of the command."""
    col = Column("squall deploy (SAM)")
    exe = [sys.executable, "-m", "squall"]
    probe = subprocess.run([*exe, "deploy", "--help"], check=False, capture_output=True, text=True)
    if probe.returncode != 0:
        col.error = "no `squall deploy` command yet"
        return col
    t = time.perf_counter()
    subprocess.run([*exe, "--version"], capture_output=True, check=False)
    col.notes.append(f"`squall --version` alone takes {time.perf_counter() - t:.2f} s "
                     "(interpreter and CLI start)")
    cfn = client(srv.endpoint, "cloudformation")
    with tempfile.TemporaryDirectory(prefix="squall-bench-sam-") as tmp:
        path = Path(tmp) / "template.yaml"
        path.write_text(sam_template())
        for i in range(runs):
            stack = f"bench-sam-{i + 1}"
            t = time.perf_counter()
            command = [*exe, "deploy", str(path), "--stack-name", stack, "--endpoint-url", srv.endpoint]
            proc = subprocess.run(command, check=False, capture_output=True, text=True)
            elapsed = time.perf_counter() - t
            if proc.returncode != 0:
                col.error = f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}"
                break
            try:
                status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            except Exception as exc:  # noqa: BLE001
                col.error = f"deployed, but DescribeStacks failed: {_short(exc)}"
                break
            if status != "CREATE_COMPLETE":
                col.error = f"`squall deploy` returned with the stack {status}"
                break
            col.times.append(elapsed)
            col.resources = count_resources(cfn, stack)
    col.total = 20
    return col


# ---- report -------------------------------------------------------------------------------------
def report(cols: list[Column], runs: int) -> None:
    print()
    print(f"| 20-resource stack, CreateStack → CREATE_COMPLETE ({runs} runs) | "
          + " | ".join(c.name for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    print("| first run | " + " | ".join(c.cell(lambda t: t[0]) for c in cols) + " |")
    print("| median | " + " | ".join(c.cell(statistics.median) for c in cols) + " |")
    print("| best | " + " | ".join(c.cell(min) for c in cols) + " |")
    print("| resources in the stack | " + " | ".join(
        f"{c.resources} of {c.total}" if c.resources is not None else "–" for c in cols) + " |")
    print()
    squall = next((c for c in cols if c.name == "squall"), None)
    moto = next((c for c in cols if c.name == "moto"), None)
    if squall and moto and squall.times and moto.times:
        ratio = statistics.median(moto.times) / statistics.median(squall.times)
        print(f"squall vs moto (median): {ratio:.2f}× ({'faster' if ratio >= 1 else 'slower'}; moto builds the "
              "stack in memory inside the CreateStack call and prepares no function code)")
    for c in cols:
        for note in c.notes:
            print(f"* {c.name}: {note}")
        if c.error:
            print(f"* {c.name}: ERROR {c.error}")
    if squall:
        if squall.times:
            median = statistics.median(squall.times)
            print(f"\nsquall — 20-resource template ≤ {TARGET_S:g} s: "
                  f"{'met' if median <= TARGET_S else 'MISSED'} (median {median:.2f} s)")
        else:
            print(f"\nsquall — 20-resource template ≤ {TARGET_S:g} s: not measured (see the error above)")


def _progress(col: Column) -> None:
    times = ", ".join(f"{t:.2f} s" for t in col.times) or "no run completed"
    print(f"  {col.name}: {times}" + (f" — {col.error}" if col.error else ""), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--poll", type=float, default=0.02, help="the waiter's delay between DescribeStacks")
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--no-sam", action="store_true")
    args = ap.parse_args()
    print(f"# bench/deploy.py — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# {len(plain_template()['Resources'])}-resource CloudFormation template, "
          f"{args.runs} stacks per server, "
          f"boto3 CreateStack + stack_create_complete waiter ({args.poll:g} s polls); "
          f"squall backend {args.backend}",
          flush=True)
    cols: list[Column] = []
    try:
        srv = start_squall(args.backend)
    except Exception as exc:  # noqa: BLE001 - a broken tree: report it, still measure the peer
        cols.append(Column("squall", error=f"squall did not start: {_short(exc)}"))
    else:
        try:
            cols.append(run_plain(srv, args.runs, drop_unsupported=False, poll=args.poll))
            _progress(cols[-1])
            if not args.no_sam:
                cols.append(run_sam(srv, args.runs))
                _progress(cols[-1])
        finally:
            srv.stop()
    if not args.no_moto:
        try:
            peer = start_moto()
        except Exception as exc:  # noqa: BLE001 - moto not installed: say so
            cols.append(Column("moto", error=f"moto_server did not start: {_short(exc)}"))
        else:
            try:
                cols.append(run_plain(peer, args.runs, drop_unsupported=True, poll=args.poll))
                _progress(cols[-1])
            finally:
                peer.stop()
    report(cols, args.runs)


if __name__ == "__main__":
    main()
