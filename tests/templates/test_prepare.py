"""prepare(): the whole pipeline the stack engine starts with, and the stack's outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.templates.api import Provisioned
from squall.templates.errors import TemplateError
from squall.templates.loader import load_template
from squall.templates.prepare import outputs, prepare

TEMPLATE = """
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod]}
  Password: {Type: String, NoEcho: true, Default: secret}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Mappings:
  Sizes: {prod: {Mem: 1024}, dev: {Mem: 256}}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Archive:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      MemorySize: !FindInMap [Sizes, !Ref Env, Mem]
      Environment:
        Variables:
          ARCHIVE: !If [IsProd, !Ref Archive, !Ref AWS::NoValue]
      Events:
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
Outputs:
  QueueUrl:
    Value: !Ref Jobs
    Description: the jobs queue
    Export: {Name: !Sub "${AWS::StackName}-jobs"}
  ArchiveUrl:
    Condition: IsProd
    Value: !Ref Archive
  Zones:
    Value: !GetAZs ""
"""


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c): pass\n")
    return tmp_path


def _prepare(base: Path, **given: str):  # type: ignore[no-untyped-def]
    return prepare(load_template(TEMPLATE), base_dir=base, region="us-east-1", account="123456789012",
                   stack_name="app", stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/app/1",
                   given=given)


def test_dev(base: Path) -> None:
    prepared = _prepare(base, Env="dev")
    assert prepared.parameters == {"Env": "dev", "Password": "secret"}
    assert prepared.noecho == {"Password"}
    assert prepared.conditions == {"IsProd": False}
    assert "Archive" not in prepared.resources and "Archive" in prepared.template["Resources"]
    assert prepared.deps["Worker"] == {"WorkerRole"}
    assert prepared.deps["WorkerQueue"] == {"Worker", "Jobs"}
    assert prepared.order == ["Jobs", "WorkerRole", "Worker", "WorkerQueue"]
    assert prepared.scope.resources == {} and prepared.scope.pseudo["AWS::StackName"] == "app"
    assert list(prepared.outputs_spec) == ["QueueUrl", "ArchiveUrl", "Zones"]

    scope = prepared.scope
    scope.resources = {"Jobs": Provisioned("https://sqs/jobs", {"Arn": "arn:jobs"})}
    assert outputs(prepared, scope) == [
        {"OutputKey": "QueueUrl", "OutputValue": "https://sqs/jobs", "Description": "the jobs queue",
         "ExportName": "app-jobs"},
        {"OutputKey": "Zones", "OutputValue": "us-east-1a,us-east-1b,us-east-1c"},
    ]


def test_prod(base: Path) -> None:
    prepared = _prepare(base, Env="prod")
    assert prepared.deps["Worker"] == {"WorkerRole", "Archive"}
    assert prepared.order.index("Archive") < prepared.order.index("Worker")
    scope = prepared.scope
    scope.resources = {"Jobs": Provisioned("jobs-url"), "Archive": Provisioned("archive-url")}
    assert [o["OutputKey"] for o in outputs(prepared, scope)] == ["QueueUrl", "ArchiveUrl", "Zones"]


def test_errors(base: Path) -> None:
    with pytest.raises(TemplateError, match=r"^Parameters: \[Env\] must have values$"):
        _prepare(base)
    with pytest.raises(TemplateError, match="^Parameter 'Env' must be one of AllowedValues$"):
        _prepare(base, Env="test")
    template = load_template("""
Resources:
  A: {Type: AWS::SQS::Queue}
Outputs:
  Missing: {Value: !GetAtt Gone.Arn}
""")
    with pytest.raises(TemplateError, match="instance of Fn::GetAtt references undefined resource Gone"):
        prepare(template, base_dir=None, region="us-east-1", account="1", stack_name="s", stack_id="id", given={})
