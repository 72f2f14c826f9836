"""Template transforms: AWS::Include, LanguageExtensions and SAM (offline, local code mapped back)."""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from squall.templates.errors import TemplateError
from squall.templates.loader import load_path, load_template
from squall.templates.sam import expand

APP = """
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    Runtime: python3.14
    Architectures: [arm64]
    Timeout: 10
    Environment:
      Variables: {STAGE: !Ref Stage}
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  Data:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
      CompatibleRuntimes: [python3.12]
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker
      Handler: app.handler
      AutoPublishAlias: live
      Layers: [!Ref Deps]
      Policies:
        - SQSPollerPolicy: {QueueName: !GetAtt Jobs.QueueName}
        - S3CrudPolicy: {BucketName: !Ref Data}
        - AWSXRayDaemonWriteAccess
      Events:
        Rest:
          Type: Api
          Properties: {Path: /jobs, Method: post}
        Http:
          Type: HttpApi
          Properties: {Path: /jobs, Method: get}
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FilterCriteria:
              Filters:
                - Pattern: '{"body": {"kind": ["job"]}}'
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
  Zipped:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: dist/zipped.zip
      Handler: app.handler
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        def handler(event, context):
            return "inline"
      Handler: index.handler
  Documented:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      DefinitionUri: api/openapi.yaml
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    for name, text in {"template.yaml": APP, "src/worker/app.py": "def handler(e, c):\n    return 1\n",
                       "layer/python/helpers.py": "X = 1\n",
                       "api/openapi.yaml": "openapi: 3.0.1\ninfo: {title: docs, version: '1'}\npaths: {}\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "dist").mkdir()
    with zipfile.ZipFile(tmp_path / "dist" / "zipped.zip", "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 2\n")
    return tmp_path


def _expand(template: dict[str, Any], base: Path | None, **parameters: Any) -> dict[str, Any]:
    return expand(template, base_dir=base, region="eu-west-1", account="123456789012", stack_name="app",
                  parameters=parameters)


def _types(template: dict[str, Any]) -> dict[str, str]:
    return {logical_id: resource["Type"] for logical_id, resource in template["Resources"].items()}


def _one(template: dict[str, Any], type_name: str, prefix: str = "") -> tuple[str, dict[str, Any]]:
    (found,) = [(k, r) for k, r in template["Resources"].items() if r["Type"] == type_name and k.startswith(prefix)]
    return found


def test_realistic_sam_application(app: Path) -> None:
    template, base = load_path(app)
    out = _expand(template, base, Stage="prod")
    assert "Transform" not in out and "Globals" not in out
    types = _types(out)
    assert types["Worker"] == types["Zipped"] == types["Inline"] == "AWS::Lambda::Function"
    assert types["WorkerRole"] == "AWS::IAM::Role"
    assert types["WorkerAliaslive"] == "AWS::Lambda::Alias"
    assert types["WorkerQueue"] == "AWS::Lambda::EventSourceMapping"
    assert types["WorkerUploadPermission"] == "AWS::Lambda::Permission"
    assert types["ServerlessRestApi"] == "AWS::ApiGateway::RestApi"
    assert types["ServerlessHttpApi"] == "AWS::ApiGatewayV2::Api"
    assert types["Documented"] == "AWS::ApiGateway::RestApi"
    assert sorted(t for t in types.values() if t == "AWS::Lambda::Version") == ["AWS::Lambda::Version"]

    worker = out["Resources"]["Worker"]["Properties"]
    assert worker["Code"] == {"SquallLocalPath": str(app / "src" / "worker")}
    assert worker["Runtime"] == "python3.14" and worker["Architectures"] == ["arm64"]
    assert worker["Environment"] == {"Variables": {"STAGE": {"Ref": "Stage"}}}
    assert out["Resources"]["Zipped"]["Properties"]["Code"] == {"SquallLocalPath": str(app / "dist" / "zipped.zip")}
    assert out["Resources"]["Inline"]["Properties"]["Code"] == {
        "ZipFile": 'def handler(event, context):\n    return "inline"\n'}

    layer_id, layer = _one(out, "AWS::Lambda::LayerVersion")
    assert layer_id.startswith("Deps")
    assert layer["Properties"]["Content"] == {"SquallLocalPath": str(app / "layer")}
    assert worker["Layers"] == [{"Ref": layer_id}]

    mapping = out["Resources"]["WorkerQueue"]["Properties"]
    assert mapping["BatchSize"] == 5
    assert mapping["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": {"kind": ["job"]}}'}]}
    assert mapping["FunctionName"] == {"Ref": "WorkerAliaslive"}

    role = out["Resources"]["WorkerRole"]["Properties"]
    assert role["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                                         "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
                                         "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
    assert [p["PolicyName"] for p in role["Policies"]] == ["WorkerRolePolicy0", "WorkerRolePolicy1"]

    bucket = out["Resources"]["Uploads"]
    assert bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"][0]["Event"] == \
        "s3:ObjectCreated:*"
    assert bucket["DependsOn"] == ["WorkerUploadPermission"]

    assert out["Resources"]["Documented"]["Properties"]["Body"] == {
        "openapi": "3.0.1", "info": {"title": "docs", "version": "1"}, "paths": {}}
    assert "BodyS3Location" not in out["Resources"]["Documented"]["Properties"]
    _stage_id, stage = _one(out, "AWS::ApiGateway::Stage", "Documented")
    assert stage["Properties"]["StageName"] == {"Ref": "Stage"}
    assert "/jobs" in out["Resources"]["ServerlessRestApi"]["Properties"]["Body"]["paths"]


def test_code_changes_change_versions(app: Path) -> None:
    template, base = load_path(app)
    before = _types(_expand(template, base))
    code = app / "src" / "worker" / "app.py"
    code.write_text("def handler(e, c):\n    return 'changed'\n")
    os.utime(code, ns=(time.time_ns(), time.time_ns() + 10**9))
    after = _types(_expand(template, base))
    assert _expand(template, base).keys() == _expand(template, base).keys()  # stable when nothing changes
    version = {k for k, t in before.items() if t == "AWS::Lambda::Version"}
    assert version and version.isdisjoint({k for k, t in after.items() if t == "AWS::Lambda::Version"})
    assert {k for k, t in before.items() if t == "AWS::Lambda::LayerVersion"} == \
        {k for k, t in after.items() if t == "AWS::Lambda::LayerVersion"}


def test_missing_code_uri_defaults_to_template_directory(tmp_path: Path) -> None:
    template = load_template("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12}
""")
    out = _expand(template, tmp_path)
    assert out["Resources"]["Fn"]["Properties"]["Code"] == {"SquallLocalPath": str(tmp_path.resolve())}


def test_globals_code_uri_and_s3_locations_untouched(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    template = load_template("""
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {CodeUri: code, Runtime: python3.12, Handler: app.handler}
Resources:
  A: {Type: AWS::Serverless::Function}
  B:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://my-bucket/code.zip}
""")
    out = _expand(template, tmp_path)
    assert out["Resources"]["A"]["Properties"]["Code"] == {"SquallLocalPath": str(tmp_path / "code")}
    assert out["Resources"]["B"]["Properties"]["Code"] == {"S3Bucket": "my-bucket", "S3Key": "code.zip"}


@pytest.mark.parametrize(("properties", "message"), [
    ("{CodeUri: nowhere, Handler: a.b, Runtime: python3.12}", "CodeUri of Fn nowhere: "),
    ("{CodeUri: ., Handler: a.b, Runtime: python3.12, Bogus: 1}",
     ("Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document. "
     "Number of errors found: 1. Resource with id [Fn] is invalid. property Bogus not defined for resource of "
     "type AWS::Serverless::Function")),
])
def test_transform_errors(tmp_path: Path, properties: str, message: str) -> None:
    template = load_template(f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {properties}
""")
    with pytest.raises(TemplateError) as info:
        _expand(template, tmp_path)
    assert str(info.value).startswith(message)


def test_relative_code_without_base_dir_and_unknown_transform() -> None:
    template = load_template("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src, Handler: a.b, Runtime: python3.12}
""")
    with pytest.raises(TemplateError, match="relative path, but the template has no base directory"):
        _expand(template, None)
    with pytest.raises(TemplateError, match="Transform My::Macro is not supported by squall"):
        _expand({"Transform": "My::Macro", "Resources": {}}, None)


def test_include_snippets(tmp_path: Path) -> None:
    (tmp_path / "queue.yaml").write_text("Type: AWS::SQS::Queue\nProperties: {DelaySeconds: 5}\n")
    (tmp_path / "more.yaml").write_text("Extra: {Type: AWS::SNS::Topic}\n")
    (tmp_path / "outputs.json").write_text('{"Outputs": {"Q": {"Value": {"Ref": "Queue"}}}}')
    template = load_template("""
Transform:
  Name: AWS::Include
  Parameters: {Location: outputs.json}
Resources:
  Queue:
    Fn::Transform: {Name: AWS::Include, Parameters: {Location: queue.yaml}}
  Fn::Transform: {Name: AWS::Include, Parameters: {Location: "file://more.yaml"}}
""")
    out = _expand(template, tmp_path)
    assert out == {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 5}},
                                 "Extra": {"Type": "AWS::SNS::Topic"}},
                   "Outputs": {"Q": {"Value": {"Ref": "Queue"}}}}
    with pytest.raises(TemplateError, match="remote: squall reads local files only"):
        _expand({"Resources": {"Fn::Transform": {"Name": "AWS::Include",
                                                 "Parameters": {"Location": "s3://b/k.yaml"}}}}, tmp_path)


def test_language_extensions_then_sam(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    template = load_template("""
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Resources:
  Fn::ForEach::Functions:
    - Name
    - !Ref Names
    - Fn${Name}:
        Type: AWS::Serverless::Function
        Properties: {CodeUri: "${Name}", Handler: app.handler, Runtime: python3.13}
""")
    out = _expand(template, tmp_path, Names=["a", "b"])
    assert out["Resources"]["Fna"]["Properties"]["Code"] == {"SquallLocalPath": str(tmp_path / "a")}
    assert out["Resources"]["Fnb"]["Properties"]["Code"] == {"SquallLocalPath": str(tmp_path / "b")}
    assert "Transform" not in out


def test_ten_function_template_expands_in_tens_of_ms(tmp_path: Path) -> None:
    functions = "".join(f"""
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/fn{i}
      Handler: app.handler
      Policies: [{{SQSPollerPolicy: {{QueueName: !GetAtt Jobs.QueueName}}}}]
      Events:
        Api: {{Type: Api, Properties: {{Path: /fn{i}, Method: get}}}}
        Queue: {{Type: SQS, Properties: {{Queue: !GetAtt Jobs.Arn}}}}
""" for i in range(10))
    for i in range(10):
        (tmp_path / "src" / f"fn{i}").mkdir(parents=True)
        (tmp_path / "src" / f"fn{i}" / "app.py").write_text("def handler(e, c): pass\n")
    template = load_template(f"""
Transform: AWS::Serverless-2016-10-31
Globals: {{Function: {{Runtime: python3.12, Timeout: 5}}}}
Resources:
  Jobs: {{Type: AWS::SQS::Queue}}
{functions}""")
    _expand(template, tmp_path)  # the first call imports the translator
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        out = _expand(template, tmp_path)
        runs.append(time.perf_counter() - started)
    assert len([t for t in _types(out).values() if t == "AWS::Lambda::Function"]) == 10
    best = min(runs)
    print(f"10-function SAM expansion: best {best * 1000:.1f} ms, median {sorted(runs)[2] * 1000:.1f} ms")
    assert best < 0.25


def test_managed_policies_resolve_offline(tmp_path: Path) -> None:
    template = load_template("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: a.b
      Runtime: python3.12
      Policies: [AWSLambdaVPCAccessExecutionRole, AmazonS3ReadOnlyAccess, SomethingNew,
                 arn:aws:iam::123456789012:policy/Mine]
""")
    arns = _expand(template, tmp_path)["Resources"]["FnRole"]["Properties"]["ManagedPolicyArns"]
    assert arns == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/SomethingNew",
                    "arn:aws:iam::123456789012:policy/Mine"]


def test_local_definitions_are_inlined(tmp_path: Path) -> None:
    (tmp_path / "machine.json").write_text('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}')
    (tmp_path / "http.yaml").write_text("openapi: 3.0.1\ninfo: {title: h, version: '1'}\npaths: {}\n")
    template = load_template("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: machine.json}
  Http:
    Type: AWS::Serverless::HttpApi
    Properties: {DefinitionUri: http.yaml}
""")
    resources = _expand(template, tmp_path)["Resources"]
    assert resources["Machine"]["Properties"]["Definition"]["StartAt"] == "A"
    assert "DefinitionS3Location" not in resources["Machine"]["Properties"]
    assert resources["Http"]["Type"] == "AWS::ApiGatewayV2::Api"
    assert resources["Http"]["Properties"]["Body"]["info"] == {"title": "h", "version": "1"}
    assert "BodyS3Location" not in resources["Http"]["Properties"]
