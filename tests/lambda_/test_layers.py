"""Layers through the wire: publishing, listing, deleting, permissions, functions using them."""

from __future__ import annotations

import base64

import orjson
import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of, make_zip, unique

LAYER = "arn:aws:lambda:us-east-1:000000000000:layer:"


def layer_zip(text: str = "VALUE = 1\n") -> bytes:
    return make_zip({"python/helper.py": text})


def test_layer_version_lifecycle(lam, server):
    name = unique("layer")
    first = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()}, Description="d",
                                      CompatibleRuntimes=["python3.12"], CompatibleArchitectures=["x86_64"],
                                      LicenseInfo="MIT")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["LayerArn"] == LAYER + name and first["LayerVersionArn"] == f"{LAYER}{name}:1"
    assert first["Version"] == 1 and first["CompatibleRuntimes"] == ["python3.12"] and first["LicenseInfo"] == "MIT"
    assert first["Content"]["CodeSize"] > 0 and first["Content"]["CodeSha256"] and first["CreatedDate"]
    extracted = server.data_dir / "lambda" / "code" / base64.b64decode(first["Content"]["CodeSha256"]).hex()
    assert (extracted / "python" / "helper.py").read_text() == "VALUE = 1\n"
    second = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip("VALUE = 2\n")})
    assert second["Version"] == 2 and "CompatibleRuntimes" not in second
    assert lam.get_layer_version(LayerName=name, VersionNumber=1)["Description"] == "d"
    by_arn = lam.get_layer_version_by_arn(Arn=f"{LAYER}{name}:2")
    assert by_arn["Version"] == 2 and by_arn["LayerArn"] == LAYER + name
    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1] and "Content" not in versions[0]
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=name, CompatibleRuntime="python3.12")
            ["LayerVersions"]] == [1]
    layers = {item["LayerName"]: item for item in lam.list_layers()["Layers"]}
    assert layers[name]["LatestMatchingVersion"]["Version"] == 2 and layers[name]["LayerArn"] == LAYER + name
    filtered = {item["LayerName"]: item for item in lam.list_layers(CompatibleRuntime="python3.12")["Layers"]}
    assert filtered[name]["LatestMatchingVersion"]["Version"] == 1
    lam.delete_layer_version(LayerName=name, VersionNumber=1)
    lam.delete_layer_version(LayerName=name, VersionNumber=1)  # idempotent
    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    assert lam.list_layer_versions(LayerName=name)["LayerVersions"] == []
    third = lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    assert third["Version"] == 3  # numbers are never reused


def test_layer_errors(lam):
    name = unique("layer")
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    for kw, status, code, message in (
        ({"LayerName": name, "VersionNumber": 0}, 400, "InvalidParameterValueException",
         "Layer Version Cannot be less than 1"),
        ({"LayerName": name, "VersionNumber": 5}, 404, "ResourceNotFoundException",
         "The resource you requested does not exist."),
        ({"LayerName": "missing-layer", "VersionNumber": 1}, 404, "ResourceNotFoundException",
         "The resource you requested does not exist."),
    ):
        with pytest.raises(ClientError) as exc:
            lam.get_layer_version(**kw)
        assert error_of(exc.value) == (status, code, message)
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_by_arn(Arn=LAYER + name)
    assert error_of(exc.value)[1] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()},
                                  CompatibleRuntimes=["nope"], CompatibleArchitectures=["sparc"])
    assert error_of(exc.value)[1] == "ValidationException"
    assert error_of(exc.value)[2].startswith("2 validation errors detected: Value '[nope]' at 'compatibleRuntimes'")
    with pytest.raises(ClientError) as exc:
        lam.list_layers(CompatibleRuntime="nope")
    assert error_of(exc.value)[1] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        lam.publish_layer_version(LayerName=name, Content={"ZipFile": b"garbage"})
    assert error_of(exc.value)[1] == "InvalidParameterValueException"
    assert lam.list_layer_versions(LayerName="missing-layer")["LayerVersions"] == []


def test_layer_policy(lam):
    name = unique("layer")
    lam.publish_layer_version(LayerName=name, Content={"ZipFile": layer_zip()})
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert error_of(exc.value)[2] == "No policy is associated with the given resource."
    added = lam.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s1",
                                             Action="lambda:GetLayerVersion", Principal="*")
    assert orjson.loads(added["Statement"]) == {"Sid": "s1", "Effect": "Allow", "Principal": "*",
                                                "Action": "lambda:GetLayerVersion", "Resource": f"{LAYER}{name}:1"}
    lam.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2",
                                     Action="lambda:GetLayerVersion", Principal="111122223333",
                                     RevisionId=added["RevisionId"])
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    doc = orjson.loads(policy["Policy"])
    assert doc["Version"] == "2012-10-17" and doc["Id"] == "default"
    assert doc["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    for kw, status, code in (({"StatementId": "s1"}, 409, "ResourceConflictException"),
                             ({"StatementId": "s3", "RevisionId": "x"}, 412, "PreconditionFailedException")):
        with pytest.raises(ClientError) as exc:
            lam.add_layer_version_permission(LayerName=name, VersionNumber=1, Action="lambda:GetLayerVersion",
                                             Principal="*", **kw)
        assert error_of(exc.value)[:2] == (status, code)
    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s9", Action="*", Principal="*")
    assert error_of(exc.value)[1] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(LayerName=name, VersionNumber=2, StatementId="s9",
                                         Action="lambda:GetLayerVersion", Principal="*")
    assert error_of(exc.value)[2] == f"Layer version {LAYER}{name}:2 does not exist."
    lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2")
    with pytest.raises(ClientError) as exc:
        lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="s2")
    assert error_of(exc.value)[2] == "Statement s2 is not found in resource policy."
    assert len(orjson.loads(lam.get_layer_version_policy(LayerName=name, VersionNumber=1)["Policy"])["Statement"]) == 1


def test_functions_reference_layers(lam, make_function, server):
    one, two = unique("layer"), unique("layer")
    arn1 = lam.publish_layer_version(LayerName=one, Content={"ZipFile": layer_zip("A = 1\n")})["LayerVersionArn"]
    made2 = lam.publish_layer_version(LayerName=two, Content={"ZipFile": layer_zip("B = 2\n")})
    arn2 = made2["LayerVersionArn"]
    created = make_function(Layers=[arn1, arn2])
    assert [layer["Arn"] for layer in created["Layers"]] == [arn1, arn2]
    assert all(layer["CodeSize"] > 0 for layer in created["Layers"])
    with pytest.raises(ClientError) as exc:
        make_function(Layers=[arn1, arn1.rsplit(":", 1)[0] + ":2"])
    assert "Two different versions of the same layer" in error_of(exc.value)[2]
    # deleting a layer version keeps it working for the functions that use it
    lam.delete_layer_version(LayerName=two, VersionNumber=1)
    extracted = server.data_dir / "lambda" / "code" / base64.b64decode(made2["Content"]["CodeSha256"]).hex()
    assert extracted.is_dir()
    cfg = lam.get_function_configuration(FunctionName=created["FunctionName"])
    assert [layer["Arn"] for layer in cfg["Layers"]] == [arn1, arn2]
    out = lam.update_function_configuration(FunctionName=created["FunctionName"], Layers=[arn1])
    assert [layer["Arn"] for layer in out["Layers"]] == [arn1]
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=created["FunctionName"],
                                          Layers=["arn:aws:lambda:eu-west-1:000000000000:layer:x:1"])
    assert error_of(exc.value)[2].startswith("Layers are not in the same region as the function.")
