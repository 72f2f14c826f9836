"""AWS::IAM::* handlers: records in the engine with AWS's names, ARNs and ids."""

from __future__ import annotations

import re
from typing import Any

import pytest

from squall.services import records
from squall.templates.api import NeedsReplacement, ResourceFailed
from squall.templates.resources.iam import NS_INSTANCE_PROFILES, NS_MANAGED_POLICIES, NS_POLICIES, NS_ROLES

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}


def stored(squall_server, ns: str, key: str) -> dict[str, Any] | None:
    return squall_server.run(squall_server.runtime.engine.read(lambda tx: records.load(tx, ns, key)))


def test_role(provision, squall_server, stack):
    made = provision("AWS::IAM::Role", {"AssumeRolePolicyDocument": TRUST, "Path": "/service/",
                                        "Policies": [{"PolicyName": "p", "PolicyDocument": DOC}]}, logical_id="Role")
    name = made.ref_value
    assert name.startswith(f"{stack.stack_name}-Role-") and len(name) <= 64
    assert made.attributes["Arn"] == f"arn:aws:iam::000000000000:role/service/{name}"
    assert re.fullmatch(r"AROA[A-Z0-9]{16}", made.attributes["RoleId"])
    doc = stored(squall_server, NS_ROLES, f"000000000000/{name}")
    assert doc is not None and doc["AssumeRolePolicyDocument"] == TRUST and doc["Policies"][0]["PolicyName"] == "p"

    again = provision.update("Role", {"AssumeRolePolicyDocument": TRUST, "Path": "/service/",
                                      "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]})
    assert again.attributes == made.attributes  # same role, same id
    doc = stored(squall_server, NS_ROLES, f"000000000000/{name}")
    assert doc["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"] and "Policies" not in doc
    with pytest.raises(NeedsReplacement):
        provision.update("Role", {"AssumeRolePolicyDocument": TRUST, "Path": "/other/"})
    provision.delete("Role")
    assert stored(squall_server, NS_ROLES, f"000000000000/{name}") is None


def test_role_names_are_unique(provision):
    made = provision("AWS::IAM::Role", {"RoleName": f"fixed-{id(provision)}", "AssumeRolePolicyDocument": TRUST})
    assert made.attributes["Arn"].endswith(f":role/fixed-{id(provision)}")
    with pytest.raises(ResourceFailed, match="already exists"):
        provision("AWS::IAM::Role", {"RoleName": made.ref_value, "AssumeRolePolicyDocument": TRUST})


def test_inline_policy(provision, squall_server):
    made = provision("AWS::IAM::Policy", {"PolicyName": "q", "PolicyDocument": DOC, "Roles": ["r1"]},
                     logical_id="Pol")
    assert made.attributes["Id"] == made.ref_value
    provision.update("Pol", {"PolicyName": "q2", "PolicyDocument": DOC, "Roles": ["r1", "r2"]})
    doc = stored(squall_server, NS_POLICIES, f"000000000000/{made.ref_value}")
    assert (doc["PolicyName"], doc["Roles"]) == ("q2", ["r1", "r2"])


def test_managed_policy_versions(provision, squall_server):
    made = provision("AWS::IAM::ManagedPolicy", {"PolicyDocument": DOC, "Roles": ["r1"]}, logical_id="Managed")
    arn = made.ref_value
    assert arn == made.attributes["PolicyArn"] and arn.startswith("arn:aws:iam::000000000000:policy/")
    assert re.fullmatch(r"ANPA[A-Z0-9]{16}", made.attributes["PolicyId"])
    assert (made.attributes["DefaultVersionId"], made.attributes["AttachmentCount"]) == ("v1", 1)
    same_doc = provision.update("Managed", {"PolicyDocument": DOC, "Roles": []})
    assert same_doc.attributes["DefaultVersionId"] == "v1"
    changed = provision.update("Managed", {"PolicyDocument": {**DOC, "Statement": []}})
    assert changed.attributes["DefaultVersionId"] == "v2"
    assert stored(squall_server, NS_MANAGED_POLICIES, arn)["PolicyDocument"]["Statement"] == []
    with pytest.raises(NeedsReplacement):
        provision.update("Managed", {"PolicyDocument": DOC, "Description": "now described"})


def test_instance_profile(provision, squall_server):
    made = provision("AWS::IAM::InstanceProfile", {"Roles": ["r1"], "InstanceProfileName": f"ip-{id(provision)}"},
                     logical_id="Profile")
    assert made.ref_value == f"ip-{id(provision)}"
    assert made.attributes["Arn"] == f"arn:aws:iam::000000000000:instance-profile/{made.ref_value}"
    provision.update("Profile", {"Roles": ["r2"], "InstanceProfileName": made.ref_value})
    assert stored(squall_server, NS_INSTANCE_PROFILES, f"000000000000/{made.ref_value}")["Roles"] == ["r2"]
    provision.delete("Profile")
    assert stored(squall_server, NS_INSTANCE_PROFILES, f"000000000000/{made.ref_value}") is None
