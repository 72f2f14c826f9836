"""AWS::Lambda::* handlers against a live in-process server: what they provision, checked with boto3."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from squall.templates.api import NeedsReplacement, ResourceFailed
from tests.lambda_.test_functions import wheel

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ECHO = "import os\n\ndef handler(event, context):\n    return {'v': 1, 'env': os.environ.get('MODE'), 'event': event}\n"


def zipped(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def function(**props: Any) -> dict[str, Any]:
    out = {"Runtime": "python3.12", "Handler": "index.handler", "Role": ROLE, "Code": {"ZipFile": ECHO}}
    out.update(props)
    return out


def invoke(client, name: str, payload: Any = None, **kw: Any) -> Any:
    out = client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **kw)
    body = json.loads(out["Payload"].read())
    assert "FunctionError" not in out, body
    return body


def test_inline_function_ref_getatt_and_cfnresponse(provision, client, stack):
    source = "import cfnresponse\n\ndef handler(event, context):\n    return cfnresponse.SUCCESS\n"
    made = provision("AWS::Lambda::Function", function(
        Code={"ZipFile": source}, Timeout="10", MemorySize=256, Environment={"Variables": {"NUM": 5, "ON": True}},
        Tags=[{"Key": "team", "Value": "core"}]), logical_id="Inline")
    name = made.ref_value
    assert name.startswith(f"{stack.stack_name}-Inline-") and len(name) <= 64
    assert made.attributes["Arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert made.attributes["SnapStartResponse.ApplyOn"] == "None"
    assert invoke(client, name) == "SUCCESS"
    got = client("lambda").get_function(FunctionName=name)
    cfg = got["Configuration"]
    assert (cfg["Timeout"], cfg["MemorySize"], cfg["State"]) == (10, 256, "Active")
    assert cfg["Environment"]["Variables"] == {"NUM": "5", "ON": "true"}
    assert got["Tags"] == {"team": "core"}


def test_update_in_place_and_replacement(provision, client):
    made = provision("AWS::Lambda::Function", function(FunctionName=f"fn-upd-{id(provision)}",
                                                        Environment={"Variables": {"MODE": "a"}}), logical_id="Fn")
    assert invoke(client, made.ref_value)["env"] == "a"
    new_source = ECHO.replace("'v': 1", "'v': 2")
    updated = provision.update("Fn", function(FunctionName=made.ref_value, Code={"ZipFile": new_source}, Timeout=7,
                                              Tags=[{"Key": "k", "Value": "v"}]))
    assert updated.ref_value == made.ref_value
    body = invoke(client, made.ref_value)
    assert (body["v"], body["env"]) == (2, None)  # the environment the template dropped is gone
    cfg = client("lambda").get_function_configuration(FunctionName=made.ref_value)
    assert (cfg["Timeout"], cfg["LastUpdateStatus"]) == (7, "Successful")
    assert client("lambda").list_tags(Resource=made.attributes["Arn"])["Tags"] == {"k": "v"}
    with pytest.raises(NeedsReplacement):
        provision.update("Fn", function(FunctionName="another-name"))


def test_local_paths_directory_and_zip(provision, client, tmp_path: Path):
    code_dir = tmp_path / "src"
    code_dir.mkdir()
    (code_dir / "app.py").write_text("def handler(event, context):\n    return 'from dir'\n")
    archive = tmp_path / "code.zip"
    archive.write_bytes(zipped({"app.py": "def handler(event, context):\n    return 'from zip'\n"}))
    from_dir = provision("AWS::Lambda::Function", function(Handler="app.handler",
                                                           Code={"SquallLocalPath": str(code_dir)}))
    from_zip = provision("AWS::Lambda::Function", function(Handler="app.handler",
                                                           Code={"SquallLocalPath": str(archive)}))
    assert invoke(client, from_dir.ref_value) == "from dir"
    assert invoke(client, from_zip.ref_value) == "from zip"
    assert client("lambda").get_function(FunctionName=from_dir.ref_value)["Code"]["Location"] == code_dir.as_uri()
    with pytest.raises(ResourceFailed, match="neither a directory nor a .zip"):
        provision("AWS::Lambda::Function", function(Code={"SquallLocalPath": str(tmp_path / "missing")}))


def test_rebuilt_zip_at_the_same_path_is_new_code(provision, client, tmp_path: Path):
    archive = tmp_path / "code.zip"
    archive.write_bytes(zipped({"app.py": "def handler(event, context):\n    return 1\n"}))
    props = function(Handler="app.handler", Code={"SquallLocalPath": str(archive)})
    made = provision("AWS::Lambda::Function", props, logical_id="Zipped")
    archive.write_bytes(zipped({"app.py": "def handler(event, context):\n    return 2\n"}))
    provision.update("Zipped", dict(props))
    assert invoke(client, made.ref_value) == 2


def test_layers_known_and_unknown(provision, client, stack, tmp_path: Path):
    layer_dir = tmp_path / "layer" / "python"
    layer_dir.mkdir(parents=True)
    (layer_dir / "greet.py").write_text("WORD = 'hello'\n")
    layer = provision("AWS::Lambda::LayerVersion", {"Content": {"SquallLocalPath": str(tmp_path / "layer")},
                                                    "CompatibleRuntimes": ["python3.12"]}, logical_id="Layer")
    assert layer.ref_value == layer.attributes["LayerVersionArn"]
    assert layer.ref_value.startswith(f"arn:aws:lambda:us-east-1:000000000000:layer:{stack.stack_name}-Layer-")
    foreign = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
    made = provision("AWS::Lambda::Function", function(
        Code={"ZipFile": "import greet\n\ndef handler(event, context):\n    return greet.WORD\n"},
        Layers=[layer.ref_value, foreign]), logical_id="WithLayers")
    assert invoke(client, made.ref_value) == "hello"
    cfg = client("lambda").get_function_configuration(FunctionName=made.ref_value)
    assert [entry["Arn"] for entry in cfg["Layers"]] == [layer.ref_value]
    assert any(foreign in warning and "WithLayers" in warning for warning in stack.warnings)
    with pytest.raises(NeedsReplacement):
        provision.update("Layer", {"Content": {"SquallLocalPath": str(tmp_path)}})


def test_reserved_concurrency(provision, client):
    made = provision("AWS::Lambda::Function", function(ReservedConcurrentExecutions="3"), logical_id="Limited")
    assert client("lambda").get_function_concurrency(FunctionName=made.ref_value)["ReservedConcurrentExecutions"] == 3
    provision.update("Limited", function(FunctionName=None))
    assert "ReservedConcurrentExecutions" not in client("lambda").get_function_concurrency(FunctionName=made.ref_value)


def test_a_function_that_cannot_become_active_fails_and_is_removed(provision, client, stack):
    code = zipped({"index.py": ECHO, "requirements.txt": "./missing-1.0-py3-none-any.whl\n"})
    with pytest.raises(ResourceFailed, match="Installing requirements.txt failed"):
        provision("AWS::Lambda::Function", function(Code={"ZipFile": code}), logical_id="Broken")
    names = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    assert not [n for n in names if n.startswith(f"{stack.stack_name}-Broken-")]


def test_permission(provision, client):
    fn = provision("AWS::Lambda::Function", function())
    perm = provision("AWS::Lambda::Permission", {"FunctionName": fn.attributes["Arn"], "Action": "lambda:InvokeFunction",
                                                 "Principal": "s3.amazonaws.com",
                                                 "SourceArn": "arn:aws:s3:::bucket"}, logical_id="Perm")
    assert perm.attributes["Id"] == perm.ref_value
    policy = json.loads(client("lambda").get_policy(FunctionName=fn.ref_value)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [perm.ref_value]
    with pytest.raises(NeedsReplacement):
        provision.update("Perm", {"FunctionName": fn.attributes["Arn"], "Action": "lambda:InvokeFunction",
                                  "Principal": "sns.amazonaws.com"})
    provision.delete("Perm")
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_policy(FunctionName=fn.ref_value)


def test_event_source_mapping(provision, client):
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName=f"esm-{id(provision)}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = provision("AWS::Lambda::Function", function())
    props = {"FunctionName": fn.ref_value, "EventSourceArn": arn, "BatchSize": "5", "Enabled": "false",
             "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["a"]}})}]},
             "FunctionResponseTypes": ["ReportBatchItemFailures"]}
    made = provision("AWS::Lambda::EventSourceMapping", props, logical_id="Esm")
    assert made.ref_value == made.attributes["Id"]
    assert made.attributes["EventSourceMappingArn"].endswith(f":event-source-mapping:{made.ref_value}")
    got = client("lambda").get_event_source_mapping(UUID=made.ref_value)
    assert (got["BatchSize"], got["FunctionResponseTypes"]) == (5, ["ReportBatchItemFailures"])
    assert got["State"] in ("Creating", "Disabled")
    provision.update("Esm", {"FunctionName": fn.ref_value, "EventSourceArn": arn, "BatchSize": 2})
    got = client("lambda").get_event_source_mapping(UUID=made.ref_value)
    assert (got["BatchSize"], got["FunctionResponseTypes"], got.get("FilterCriteria")) == (2, [], None)
    assert got["State"] in ("Enabling", "Enabled")
    with pytest.raises(NeedsReplacement):
        provision.update("Esm", {"FunctionName": fn.ref_value, "EventSourceArn": arn + "-other"})
    provision.delete("Esm")
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_event_source_mapping(UUID=made.ref_value)


def test_event_invoke_config(provision, client):
    fn = provision("AWS::Lambda::Function", function())
    props = {"FunctionName": fn.ref_value, "Qualifier": "$LATEST", "MaximumRetryAttempts": "0"}
    provision("AWS::Lambda::EventInvokeConfig", props, logical_id="Async")
    lam = client("lambda")
    assert lam.get_function_event_invoke_config(FunctionName=fn.ref_value)["MaximumRetryAttempts"] == 0
    provision.update("Async", {**props, "MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 120})
    got = lam.get_function_event_invoke_config(FunctionName=fn.ref_value)
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (1, 120)
    with pytest.raises(NeedsReplacement):
        provision.update("Async", {**props, "Qualifier": "live"})
    provision.delete("Async")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=fn.ref_value)


def test_version_alias_and_url(provision, client, squall_server):
    fn = provision("AWS::Lambda::Function", function(), logical_id="Fn")
    version = provision("AWS::Lambda::Version", {"FunctionName": fn.ref_value, "Description": "first"})
    assert version.attributes["Version"] == "1"
    assert version.ref_value == f"{fn.attributes['Arn']}:1" == version.attributes["FunctionArn"]
    alias = provision("AWS::Lambda::Alias", {"FunctionName": fn.ref_value, "Name": "live",
                                             "FunctionVersion": version.attributes["Version"]}, logical_id="Live")
    assert alias.ref_value == f"{fn.attributes['Arn']}:live" == alias.attributes["AliasArn"]
    provision.update("Fn", function(Code={"ZipFile": ECHO.replace("'v': 1", "'v': 2")}))
    second = provision("AWS::Lambda::Version", {"FunctionName": fn.ref_value})
    provision.update("Live", {"FunctionName": fn.ref_value, "Name": "live", "FunctionVersion": "1",
                              "RoutingConfig": {"AdditionalVersionWeights": [
                                  {"FunctionVersion": second.attributes["Version"], "FunctionWeight": 0.25}]}})
    got = client("lambda").get_alias(FunctionName=fn.ref_value, Name="live")
    assert got["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.25}
    with pytest.raises(NeedsReplacement):
        provision.update("Live", {"FunctionName": fn.ref_value, "Name": "other", "FunctionVersion": "1"})

    url = provision("AWS::Lambda::Url", {"TargetFunctionArn": fn.attributes["Arn"], "AuthType": "NONE",
                                         "Cors": {"AllowOrigins": ["*"], "MaxAge": "60"}}, logical_id="Url")
    assert url.attributes["FunctionArn"] == fn.attributes["Arn"] == url.ref_value
    public = url.attributes["FunctionUrl"]
    assert public.endswith(f".lambda-url.us-east-1.localhost:{squall_server.port}/")
    host = public.split("://", 1)[1].rstrip("/")
    request = urllib.request.Request(f"http://127.0.0.1:{squall_server.port}/?q=1", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert json.loads(resp.read())["v"] == 2
    provision.update("Url", {"TargetFunctionArn": fn.attributes["Arn"], "AuthType": "AWS_IAM"})
    assert client("lambda").get_function_url_config(FunctionName=fn.ref_value)["AuthType"] == "AWS_IAM"
    with pytest.raises(NeedsReplacement):
        provision.update("Url", {"TargetFunctionArn": fn.attributes["Arn"], "AuthType": "NONE", "Qualifier": "live"})
    provision.delete("Url")
    provision.delete("Live")
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_alias(FunctionName=fn.ref_value, Name="live")


def test_requirements_install_before_the_create_completes(provision, client):
    code = zipped({"index.py": "import tplpkg\n\ndef handler(event, context):\n    return tplpkg.VALUE\n",
                   "requirements.txt": "./tplpkg-1.0-py3-none-any.whl\n",
                   "tplpkg-1.0-py3-none-any.whl": wheel("tplpkg", "VALUE = 7\n")})
    made = provision("AWS::Lambda::Function", function(Code={"ZipFile": code}))
    assert invoke(client, made.ref_value) == 7
