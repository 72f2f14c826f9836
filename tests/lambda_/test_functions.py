"""Functions through the wire: create/get/list/update/delete, states and waiters, code sources."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import urllib.request

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.lambda_.conftest import FAST, HANDLER_CODE, ROLE, error_of, make_zip, unique

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def code_dir(server, code_sha256: str):
    return server.data_dir / "lambda" / "code" / base64.b64decode(code_sha256).hex()


def test_create_answers_pending_then_becomes_active(lam, make_function):
    name = unique()
    zipped = make_zip({"app.py": HANDLER_CODE})
    created = make_function(FunctionName=name, wait=False, Code={"ZipFile": zipped}, Description="d",
                            Environment={"Variables": {"AA": "1"}}, Tags={"team": "x"})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["StateReason"] == "The function is being created."
    assert "LastUpdateStatus" not in created
    assert created["FunctionArn"] == ARN + name and created["Version"] == "$LATEST"
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert created["CodeSize"] == len(zipped) and created["PackageType"] == "Zip"
    assert created["Architectures"] == ["x86_64"] and created["EphemeralStorage"] == {"Size": 512}
    assert created["SnapStart"] == {"ApplyOn": "None", "OptimizationStatus": "Off"}
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert created["Environment"] == {"Variables": {"AA": "1"}} and created["Timeout"] == 3
    assert created["LastModified"].endswith("+0000") and len(created["LastModified"]) == 28
    assert created["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=FAST)
    got = lam.get_function(FunctionName=name)
    cfg = got["Configuration"]
    assert cfg["State"] == "Active" and cfg["LastUpdateStatus"] == "Successful" and "StateReason" not in cfg
    assert cfg["RevisionId"] != created["RevisionId"]
    assert got["Code"]["RepositoryType"] == "S3" and got["Code"]["Location"].startswith("http")
    with urllib.request.urlopen(got["Code"]["Location"]) as resp:  # the package downloads, as from AWS
        assert resp.read() == zipped and resp.headers["content-type"] == "application/zip"
    assert got["Tags"] == {"team": "x"} and "Concurrency" not in got
    lam.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig=FAST)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST)
    assert lam.get_function_configuration(FunctionName=name)["State"] == "Active"


def test_create_errors(lam, make_function):
    name = make_function()["FunctionName"]
    cases = [
        ({"FunctionName": name}, 409, "ResourceConflictException", f"Function already exist: {name}"),
        ({"Code": {"ZipFile": b"not a zip"}}, 400, "InvalidParameterValueException",
         "Could not unzip uploaded file. Please check your file, then try to upload again."),
        ({"Role": "r1"}, 400, "ValidationException", "1 validation error detected: Value 'r1' at 'role' failed"),
        ({"Runtime": "python3.7"}, 400, "InvalidParameterValueException",
         "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions."),
        ({"Runtime": "nodejs20.x"}, 400, "InvalidParameterValueException", "squall cannot run the nodejs20.x runtime"),
        ({"Runtime": "cobol"}, 400, "InvalidParameterValueException", "Value cobol at 'runtime' failed to satisfy"),
        ({"PackageType": "Image"}, 400, "InvalidParameterValueException", "squall cannot run container image"),
        ({"MemorySize": 10241}, 400, "ValidationException", "1 validation error detected: Value '10241' at 'memorySize'"),
        ({"Timeout": 901}, 400, "ValidationException", "Member must have value less than or equal to 900"),
        ({"EphemeralStorage": {"Size": 20000}}, 400, "ValidationException", "less than or equal to 10240"),
        ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, 400, "InvalidParameterValueException",
         ("contains reserved keys that are currently not supported for modification. Reserved keys used in this "
          "request: AWS_REGION")),
        ({"Environment": {"Variables": {"BIG": "x" * 5000}}}, 400, "InvalidParameterValueException",
         "exceeded the 4KB limit. String measured: {\"BIG\""),
        ({"LoggingConfig": {"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"}}, 400,
         "InvalidParameterValueException", 'LogLevel is not supported when LogFormat is set to "Text"'),
        ({"Architectures": ["x86_64", "arm64"]}, 400, "ValidationException", "at 'architectures'"),
        ({"Layers": [f"arn:aws:lambda:us-east-1:000000000000:layer:l{i}:1" for i in range(6)]}, 400,
         "InvalidParameterValueException", "Cannot reference more than 5 layers."),
        ({"Layers": ["arn:aws:lambda:us-east-1:000000000000:layer:nope:1"]}, 400,
         "InvalidParameterValueException", "Layer version arn:aws:lambda:us-east-1:000000000000:layer:nope:1 does not"),
        ({"DeadLetterConfig": {"TargetArn": "arn:aws:s3:::bucket"}}, 400, "InvalidParameterValueException", ""),
        ({"Code": {"ImageUri": "x"}}, 400, "InvalidParameterValueException", ""),
        ({"Code": {}}, 400, "InvalidParameterValueException", "Please provide a source for function code."),
    ]
    for overrides, status, code, message in cases:
        kw = {"FunctionName": unique(), "Runtime": "python3.12", "Role": ROLE, "Handler": "app.handler",
                  "Code": {"ZipFile": make_zip({"app.py": HANDLER_CODE})}}
        kw.update(overrides)
        with pytest.raises(ClientError) as exc:
            lam.create_function(**kw)
        got = error_of(exc.value)
        assert got[:2] == (status, code) and message in got[2], (overrides, got)
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName=unique(), Runtime="python3.12", Role=ROLE,
                            Code={"ZipFile": make_zip({"app.py": HANDLER_CODE})})
    assert error_of(exc.value)[1] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="x" * 65, Runtime="python3.12", Role=ROLE, Handler="a.b",
                            Code={"ZipFile": make_zip({"app.py": HANDLER_CODE})})
    assert error_of(exc.value)[:2] == (400, "InvalidParameterValueException")


def test_every_python_runtime_is_accepted(make_function, lam):
    for runtime in ("python3.9", "python3.10", "python3.11", "python3.13", "python3.14"):
        assert make_function(Runtime=runtime, wait=False)["Runtime"] == runtime


def test_names_partial_and_full_arns(lam, make_function):
    name = make_function()["FunctionName"]
    for form in (name, f"000000000000:function:{name}", ARN + name, f"{name}:$LATEST"):
        assert lam.get_function_configuration(FunctionName=form)["FunctionName"] == name
    assert lam.get_function(FunctionName=name, Qualifier="$LATEST")["Configuration"]["FunctionArn"] == \
        f"{ARN}{name}:$LATEST"
    expectations = [
        ({"FunctionName": "missing-fn"}, 404, "ResourceNotFoundException", f"Function not found: {ARN}missing-fn"),
        ({"FunctionName": name, "Qualifier": "7"}, 404, "ResourceNotFoundException", f"Function not found: {ARN}{name}:7"),
        ({"FunctionName": f"{name}:1", "Qualifier": "2"}, 400, "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        ({"FunctionName": f"arn:aws:lambda:eu-west-1:000000000000:function:{name}"}, 404,
         "ResourceNotFoundException", "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"),
        ({"FunctionName": "bad name!"}, 400, "ValidationException", "1 validation error detected: Value 'bad name!'"),
    ]
    for kw, status, code, message in expectations:
        with pytest.raises(ClientError) as exc:
            lam.get_function(**kw)
        assert error_of(exc.value) == (status, code, message) or error_of(exc.value)[2].startswith(message), kw


def test_list_functions_pages_and_versions(lam, make_function):
    names = sorted(make_function(wait=False)["FunctionName"] for _ in range(3))
    mine = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] in names]
    assert [f["FunctionName"] for f in mine] == names
    assert all("State" not in f and "RuntimeVersionConfig" not in f and ":$LATEST" not in f["FunctionArn"]
               for f in mine)
    seen, marker = [], None
    while True:
        page = lam.list_functions(MaxItems=1, **({"Marker": marker} if marker else {}))
        assert len(page["Functions"]) <= 1
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert set(names) <= set(seen) and len(seen) == len(set(seen))
    every = lam.list_functions(FunctionVersion="ALL")["Functions"]
    assert any(f["FunctionArn"] == f"{ARN}{names[0]}:$LATEST" for f in every)
    with pytest.raises(ClientError) as exc:
        lam.list_functions(FunctionVersion="NONE")
    assert error_of(exc.value)[1] == "ValidationException"


def test_update_configuration_goes_in_progress_then_successful(lam, make_function):
    made = make_function(Environment={"Variables": {"AA": "1"}})
    name = made["FunctionName"]
    rev = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=name, RevisionId="nope", Timeout=10)
    assert error_of(exc.value)[:2] == (412, "PreconditionFailedException")
    out = lam.update_function_configuration(
        FunctionName=name, RevisionId=rev, Timeout=10, MemorySize=512, Description="new", Handler="app.other",
        Runtime="python3.11", Environment={"Variables": {"BB": "2"}}, TracingConfig={"Mode": "Active"},
        LoggingConfig={"LogFormat": "JSON"}, EphemeralStorage={"Size": 1024}, KMSKeyArn="arn:aws:kms:us-east-1:0:key/k",
        DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"})
    assert out["LastUpdateStatus"] == "InProgress" and out["LastUpdateStatusReasonCode"] == "Creating"
    assert out["State"] == "Active" and out["Timeout"] == 10 and out["MemorySize"] == 512
    assert out["Environment"] == {"Variables": {"BB": "2"}} and out["TracingConfig"] == {"Mode": "Active"}
    assert out["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": f"/aws/lambda/{name}",
                                    "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}
    assert out["DeadLetterConfig"] == {"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST)
    lam.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    cfg = lam.get_function_configuration(FunctionName=name)
    assert cfg["LastUpdateStatus"] == "Successful" and cfg["Runtime"] == "python3.11"
    assert cfg["Handler"] == "app.other" and cfg["EphemeralStorage"] == {"Size": 1024}
    back = lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"},
                                             DeadLetterConfig={"TargetArn": ""})
    assert back["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert "DeadLetterConfig" not in back


def test_update_code_zip_publish_and_dry_run(lam, make_function):
    name = make_function()["FunctionName"]
    new_zip = make_zip({"app.py": HANDLER_CODE + "# v2\n"})
    new_sha = base64.b64encode(hashlib.sha256(new_zip).digest()).decode()
    dry = lam.update_function_code(FunctionName=name, ZipFile=new_zip, DryRun=True)
    assert dry["CodeSha256"] == new_sha
    assert lam.get_function_configuration(FunctionName=name)["CodeSha256"] != new_sha
    out = lam.update_function_code(FunctionName=name, ZipFile=new_zip)
    assert out["CodeSha256"] == new_sha and out["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=FAST)
    published = lam.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": HANDLER_CODE + "# v3"}),
                                         Publish=True)
    assert published["Version"] == "1" and published["FunctionArn"] == f"{ARN}{name}:1"
    for kw, message in (({"ImageUri": "img"}, "Please don't provide ImageUri"),
                        ({}, "Please provide a source for function code.")):
        with pytest.raises(ClientError) as exc:
            lam.update_function_code(FunctionName=name, **kw)
        assert error_of(exc.value)[2].startswith(message)
    with pytest.raises(ClientError) as exc:
        lam.update_function_code(FunctionName="missing-fn", ZipFile=new_zip)
    assert error_of(exc.value)[:2] == (404, "ResourceNotFoundException")


def test_delete_function_and_versions(lam, make_function):
    name = make_function(Publish=True)["FunctionName"]
    for qualifier, message in (("$LATEST", "$LATEST version cannot be deleted without deleting the function."),):
        with pytest.raises(ClientError) as exc:
            lam.delete_function(FunctionName=name, Qualifier=qualifier)
        assert error_of(exc.value) == (400, "InvalidParameterValueException", message)
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    assert lam.delete_function(FunctionName=name, Qualifier="1")["StatusCode"] == 204
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST"]
    assert lam.delete_function(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName=name)
    assert error_of(exc.value) == (404, "ResourceNotFoundException", f"Function not found: {ARN}{name}")


def test_code_from_squall_s3(lam, aws_client, make_function):
    s3 = aws_client("s3")
    bucket = unique("code")
    s3.create_bucket(Bucket=bucket)
    zipped = make_zip({"app.py": HANDLER_CODE, "data.bin": os.urandom(300_000)})  # stored as a blob, not inline
    s3.put_object(Bucket=bucket, Key="fn.zip", Body=zipped)
    made = make_function(Code={"S3Bucket": bucket, "S3Key": "fn.zip"})
    assert made["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert made["CodeSize"] == len(zipped)
    with pytest.raises(ClientError) as exc:
        make_function(Code={"S3Bucket": bucket, "S3Key": "missing.zip"})
    assert error_of(exc.value) == (400, "InvalidParameterValueException",
                                   ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: "
                                    "The specified key does not exist."))
    small = make_zip({"app.py": HANDLER_CODE + "# small"})
    s3.put_object(Bucket=bucket, Key="small.zip", Body=small)
    out = lam.update_function_code(FunctionName=made["FunctionName"], S3Bucket=bucket, S3Key="small.zip")
    assert out["CodeSize"] == len(small)


def test_zip_is_extracted_once_with_modes_and_no_escape(lam, make_function, server):
    zipped = make_zip({"app.py": HANDLER_CODE, "bin/tool.sh": "#!/bin/sh\necho hi\n"}, {"bin/tool.sh": 0o755})
    made = make_function(Code={"ZipFile": zipped})
    where = code_dir(server, made["CodeSha256"])
    assert (where / "app.py").read_text() == HANDLER_CODE
    assert stat.S_IMODE((where / "bin" / "tool.sh").stat().st_mode) == 0o755
    again = make_function(Code={"ZipFile": zipped})  # same bytes: same directory, extracted once
    assert again["CodeSha256"] == made["CodeSha256"]
    for evil in ("../escape.py", "/abs.py"):
        with pytest.raises(ClientError) as exc:
            make_function(Code={"ZipFile": make_zip({evil: "x = 1"})})
        assert error_of(exc.value)[1] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as exc:
        make_function(Code={"ZipFile": make_zip({})})
    assert error_of(exc.value)[2] == "Uploaded file must be a non-empty zip"


def test_hot_reload_directory(lam, make_function, tmp_path):
    (tmp_path / "app.py").write_text(HANDLER_CODE)
    made = make_function(Code={"S3Bucket": "hot-reload", "S3Key": str(tmp_path)})
    assert made["CodeSha256"] == base64.b64encode(hashlib.sha256(str(tmp_path).encode()).digest()).decode()
    got = lam.get_function(FunctionName=made["FunctionName"])
    assert got["Code"]["Location"] == tmp_path.as_uri()
    with pytest.raises(ClientError) as exc:
        make_function(Code={"S3Bucket": "hot-reload", "S3Key": "relative/dir"})
    assert error_of(exc.value)[1] == "InvalidParameterValueException"


def wheel(name: str, module: str) -> bytes:
    """A minimal pure-Python wheel (installable offline by pip)."""
    dist = f"{name}-1.0.dist-info"
    files = {f"{name}/__init__.py": module,
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},,\n" for path in files) + f"{dist}/RECORD,,\n"
    return make_zip({**files, f"{dist}/RECORD": record})


def test_requirements_are_installed_then_active(lam, make_function, server):
    whl = wheel("squallpkg", "VALUE = 42\n")
    zipped = make_zip({"app.py": "import squallpkg\n" + HANDLER_CODE, "requirements.txt": "./squallpkg-1.0-py3-none-any.whl\n",
                       "squallpkg-1.0-py3-none-any.whl": whl})
    name = make_function(Code={"ZipFile": zipped}, wait=False)["FunctionName"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    installed = list((server.data_dir / "lambda" / "deps").glob("*/squallpkg/__init__.py"))
    assert installed and installed[0].read_text() == "VALUE = 42\n"
    # a second function with the same requirements reuses the install
    before = set((server.data_dir / "lambda" / "deps").iterdir())
    make_function(Code={"ZipFile": zipped})
    assert set((server.data_dir / "lambda" / "deps").iterdir()) == before


def test_failed_requirements_fail_the_function(lam, make_function):
    zipped = make_zip({"app.py": HANDLER_CODE, "requirements.txt": "./missing-1.0-py3-none-any.whl\n"})
    name = make_function(Code={"ZipFile": zipped}, wait=False)["FunctionName"]
    with pytest.raises(WaiterError):
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    cfg = lam.get_function_configuration(FunctionName=name)
    assert cfg["State"] == "Failed" and cfg["StateReasonCode"] == "DependencyError"
    assert cfg["StateReason"].startswith("Installing requirements.txt failed:")
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=name, Timeout=5)
    assert error_of(exc.value)[:2] == (409, "ResourceConflictException")


def test_pending_function_is_activated_after_a_restart(fresh_server, aws_client):
    import boto3

    lam = boto3.client("lambda", endpoint_url=fresh_server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    whl = wheel("restartpkg", "X = 1\n")
    zipped = make_zip({"app.py": HANDLER_CODE, "requirements.txt": "./restartpkg-1.0-py3-none-any.whl\n",
                       "restartpkg-1.0-py3-none-any.whl": whl})
    lam.create_function(FunctionName="restarted", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zipped})
    fresh_server.kill()  # mid-install, most likely: the pending state is in the database
    fresh_server.restart()
    lam.get_waiter("function_active_v2").wait(FunctionName="restarted",
                                              WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    assert list((fresh_server.data_dir / "lambda" / "deps").glob("*/restartpkg/__init__.py"))
