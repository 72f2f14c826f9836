"""AWS::Logs::LogGroup through the logs service."""

from __future__ import annotations

import pytest

from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement


def describe(client, name: str) -> dict:
    groups = client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return next(g for g in groups if g["logGroupName"] == name)


def test_log_group(provision, client, stack):
    made = provision("AWS::Logs::LogGroup", {"RetentionInDays": "7", "Tags": [{"Key": "team", "Value": "core"}]},
                     logical_id="Group")
    name = made.ref_value
    assert name.startswith(f"{stack.stack_name}-Group-")
    assert made.attributes["Arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{name}:*"
    assert describe(client, name)["retentionInDays"] == 7
    assert client("logs").list_tags_log_group(logGroupName=name)["tags"] == {"team": "core"}

    provision.update("Group", {"Tags": [{"Key": "env", "Value": "dev"}]})
    assert "retentionInDays" not in describe(client, name)
    assert client("logs").list_tags_log_group(logGroupName=name)["tags"] == {"env": "dev"}
    with pytest.raises(NeedsReplacement):
        provision.update("Group", {"LogGroupName": "/explicit/name"})
    provision.delete("Group")
    assert not client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]


def test_named_group_that_exists_fails(provision, client):
    name = f"/aws/lambda/taken-{id(provision)}"
    client("logs").create_log_group(logGroupName=name)
    with pytest.raises(ServiceError) as failed:
        provision("AWS::Logs::LogGroup", {"LogGroupName": name})
    assert failed.value.code == "ResourceAlreadyExistsException"
