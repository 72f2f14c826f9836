"""Resource policies (AddPermission / RemovePermission / GetPolicy) and tags through the wire."""

from __future__ import annotations

import orjson
import pytest
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def test_permissions_build_lambdas_policy_document(lam, make_function):
    name = make_function()["FunctionName"]
    added = lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket",
                               SourceAccount="000000000000")
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": ARN + name,
                 "Condition": {"StringEquals": {"AWS:SourceAccount": "000000000000"},
                               "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}
    assert orjson.loads(added["Statement"]) == statement
    lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:GetFunction", Principal="111122223333")
    got = lam.get_policy(FunctionName=name)
    assert got["RevisionId"] == lam.get_function_configuration(FunctionName=name)["RevisionId"]
    doc = orjson.loads(got["Policy"])
    assert doc == {"Version": "2012-10-17", "Id": "default", "Statement": [
        statement, {"Sid": "acct", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "lambda:GetFunction", "Resource": ARN + name}]}
    lam.remove_permission(FunctionName=name, StatementId="s3")
    assert [s["Sid"] for s in orjson.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]] == ["acct"]
    lam.remove_permission(FunctionName=name, StatementId="acct")
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName=name)
    assert error_of(exc.value) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")


def test_permission_errors_and_qualifiers(lam, make_function):
    name = make_function(Publish=True)["FunctionName"]
    lam.get_waiter("published_version_active").wait(FunctionName=f"{name}:1", WaiterConfig={"Delay": 1})
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    base = {"Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com"}
    lam.add_permission(FunctionName=name, StatementId="one", **base)
    on_alias = lam.add_permission(FunctionName=name, Qualifier="live", StatementId="one", **base)
    assert orjson.loads(on_alias["Statement"])["Resource"] == f"{ARN}{name}:live"
    assert len(orjson.loads(lam.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"]) == 1
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName=name, Qualifier="1")  # publishing did not copy the policy
    assert error_of(exc.value)[:2] == (404, "ResourceNotFoundException")
    cases = [
        ({"FunctionName": name, "StatementId": "one"}, 409, "ResourceConflictException",
         ("The statement id (one) provided already exists. Please provide a new statement id, or remove the "
          "existing statement.")),
        ({"FunctionName": name, "StatementId": "bad.id"}, 400, "ValidationException", None),
        ({"FunctionName": name, "StatementId": "x", "Qualifier": "$LATEST"}, 400, "InvalidParameterValueException",
         "We currently do not support adding policies for $LATEST."),
        ({"FunctionName": f"{name}:1", "StatementId": "x", "Qualifier": "2"}, 400, "InvalidParameterValueException",
         "The derived qualifier from the function name does not match the specified qualifier."),
        ({"FunctionName": name, "StatementId": "x", "Qualifier": "nope"}, 404, "ResourceNotFoundException",
         f"Cannot find alias arn: {ARN}{name}:nope"),
        ({"FunctionName": name, "StatementId": "x", "Qualifier": "42"}, 404, "ResourceNotFoundException",
         f"Function not found: {ARN}{name}:42"),
        ({"FunctionName": "missing-fn", "StatementId": "x"}, 404, "ResourceNotFoundException",
         f"Function not found: {ARN}missing-fn"),
        ({"FunctionName": name, "StatementId": "x", "RevisionId": "stale"}, 412, "PreconditionFailedException", None),
    ]
    for kw, status, code, message in cases:
        with pytest.raises(ClientError) as exc:
            lam.add_permission(**{**base, **kw})
        got = error_of(exc.value)
        assert got[:2] == (status, code) and (message is None or got[2] == message), (kw, got)
    with pytest.raises(ClientError) as exc:
        lam.add_permission(FunctionName=name, StatementId="x", Action="lambda:InvokeFunction", Principal="nobody")
    assert error_of(exc.value)[2] == "The provided principal was invalid. Please check the principal and try again."
    for kw, message in (({"FunctionName": name, "StatementId": "nope"}, "Statement nope is not found in resource policy."),
                        ({"FunctionName": name, "Qualifier": "1", "StatementId": "one"},
                         "No policy is associated with the given resource."),
                        ({"FunctionName": "missing-fn", "StatementId": "one"}, f"No policy found for: {ARN}missing-fn")):
        with pytest.raises(ClientError) as exc:
            lam.remove_permission(**kw)
        assert error_of(exc.value) == (404, "ResourceNotFoundException", message)


def test_tags(lam, make_function):
    made = make_function(Tags={"a": "1"})
    arn = made["FunctionArn"]
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1"}
    lam.tag_resource(Resource=arn, Tags={"b": "2", "a": "x"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "x", "b": "2"}
    assert lam.get_function(FunctionName=arn)["Tags"] == {"a": "x", "b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["a", "nope"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    for kw, status, code, message in (
        ({"Resource": f"{arn}:$LATEST", "Tags": {"c": "3"}}, 400, "InvalidParameterValueException",
         "Tags on function aliases and versions are not supported. Please specify a function ARN."),
        ({"Resource": f"{ARN}missing-fn", "Tags": {"c": "3"}}, 404, "ResourceNotFoundException",
         f"Function not found: {ARN}missing-fn"),
        ({"Resource": "arn:aws:something", "Tags": {"c": "3"}}, 400, "ValidationException", None),
        ({"Resource": arn, "Tags": {f"k{i}": "v" for i in range(50)}}, 400, "InvalidParameterValueException",
         "Number of tags exceeds resource tag limit."),
    ):
        with pytest.raises(ClientError) as exc:
            lam.tag_resource(**kw)
        got = error_of(exc.value)
        assert got[:2] == (status, code) and (message is None or got[2] == message), (kw, got)
    with pytest.raises(ClientError) as exc:
        make_function(Tags={f"k{i}": "v" for i in range(51)})
    assert error_of(exc.value)[2] == "Number of tags exceeds resource tag limit."
