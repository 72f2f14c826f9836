"""Log groups through boto3: create (names, tags, class), describe (fields, prefix, pattern,
class, identifiers, paging), delete, retention policies, deletion protection, ListLogGroups."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.logs.conftest import error_of, put, unique


def test_create_describe_delete(logs, make_group):
    name = make_group(tags={"team": "core"}, logGroupClass="INFREQUENT_ACCESS")
    [group] = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert group["logGroupName"] == name
    assert group["arn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{name}:*"
    assert group["logGroupArn"] == f"arn:aws:logs:us-east-1:000000000000:log-group:{name}"
    assert group["logGroupClass"] == "INFREQUENT_ACCESS"
    assert group["metricFilterCount"] == 0 and group["storedBytes"] == 0
    assert group["creationTime"] > 1_600_000_000_000
    assert "retentionInDays" not in group
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"team": "core"}
    logs.delete_log_group(logGroupName=name)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_create_twice_and_delete_missing(logs, make_group):
    name = make_group()
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException) as exc:
        logs.create_log_group(logGroupName=name)
    assert error_of(exc) == ("ResourceAlreadyExistsException", "The specified log group already exists", 400)
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as exc:
        logs.delete_log_group(logGroupName=unique())
    assert error_of(exc) == ("ResourceNotFoundException", "The specified log group does not exist.", 400)


@pytest.mark.parametrize("name", ["has space", "bad:colon", "star*", "x" * 513, "aws/reserved"])
def test_invalid_group_names(logs, name):
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.create_log_group(logGroupName=name)
    code, message, status = error_of(exc)
    assert (code, status) == ("InvalidParameterException", 400)
    if name != "aws/reserved":
        assert message.startswith("1 validation error detected: Value ")


def test_valid_group_name_characters(logs, make_group):
    name = make_group(unique("/a.b-c_d/e#f") + "x" * 400)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["logGroupName"] == name


def test_stored_bytes_counts_every_stream(logs, make_group):
    name = make_group(streams=("a", "b"))
    put(logs, name, "a", "12345", "678")
    put(logs, name, "b", "90")
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["storedBytes"] == 10


def test_describe_paging_and_limit(logs, make_group):
    base = unique("/test/page")
    names = sorted(make_group(f"{base}/{i:02d}") for i in range(7))
    seen, token, pages = [], None, 0
    while True:
        kw = {"nextToken": token} if token else {}
        page = logs.describe_log_groups(logGroupNamePrefix=base, limit=3, **kw)
        seen += [g["logGroupName"] for g in page["logGroups"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names and pages == 3
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.describe_log_groups(limit=51)
    assert "Member must have value less than or equal to 50" in error_of(exc)[1]
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.describe_log_groups(nextToken="not-a-token!")
    assert error_of(exc)[1] == "The specified nextToken is invalid."


def test_describe_pattern_class_and_identifiers(logs, make_group):
    tag = unique("Pat").replace("-", "")
    a = make_group(f"/svc/{tag}/one")
    b = make_group(f"/other/{tag}Logs", logGroupClass="ESSENTIALS")
    make_group(f"/svc/{tag.lower()}/two")
    found = logs.describe_log_groups(logGroupNamePattern=tag)["logGroups"]
    assert [g["logGroupName"] for g in found] == sorted([a, b])
    assert set(found[0]) == {"logGroupName", "creationTime", "arn"}  # a pattern search answers three fields
    infrequent = logs.describe_log_groups(logGroupNamePattern=tag, logGroupClass="INFREQUENT_ACCESS")["logGroups"]
    assert [g["logGroupName"] for g in infrequent] == [b]  # INFREQUENT_ACCESS includes ESSENTIALS
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{a}"
    by_id = logs.describe_log_groups(logGroupIdentifiers=[arn, b])["logGroups"]
    assert [g["logGroupName"] for g in by_id] == sorted([a, b])
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_groups(logGroupNamePrefix="/svc", logGroupNamePattern=tag)


def test_groups_are_scoped_by_region(aws_client, make_group):
    name = make_group()
    west = aws_client("logs", region="us-west-2")
    assert west.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []
    west.create_log_group(logGroupName=name)  # the same name in another region is another group
    west.delete_log_group(logGroupName=name)


def test_retention_policy(logs, make_group):
    name = make_group()
    logs.put_retention_policy(logGroupName=name, retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["retentionInDays"] == 7
    logs.delete_retention_policy(logGroupName=name)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    with pytest.raises(logs.exceptions.InvalidParameterException) as exc:
        logs.put_retention_policy(logGroupName=name, retentionInDays=2)
    _, message, _ = error_of(exc)
    assert message.startswith("1 validation error detected: Value '2' at 'retentionInDays'")
    assert "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827" in message
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.put_retention_policy(logGroupName=unique(), retentionInDays=1)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_retention_policy(logGroupName=unique())


def test_deletion_protection(logs):
    name = unique()
    logs.create_log_group(logGroupName=name, deletionProtectionEnabled=True)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["deletionProtectionEnabled"] is True
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName=name)
    assert error_of(exc)[0] == "ValidationException"
    logs.put_log_group_deletion_protection(logGroupIdentifier=name, deletionProtectionEnabled=False)
    logs.delete_log_group(logGroupName=name)


def test_delete_drops_streams_and_events(logs):
    name = unique()
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    put(logs, name, "s", "old incarnation")
    logs.delete_log_group(logGroupName=name)
    logs.create_log_group(logGroupName=name)
    try:
        assert logs.describe_log_streams(logGroupName=name)["logStreams"] == []
        logs.create_log_stream(logGroupName=name, logStreamName="s")
        assert logs.get_log_events(logGroupName=name, logStreamName="s")["events"] == []
        assert logs.filter_log_events(logGroupName=name)["events"] == []
    finally:
        logs.delete_log_group(logGroupName=name)


def test_list_log_groups(logs, make_group):
    tag = unique("lst").replace("-", "")
    a = make_group(f"/aws/lambda/{tag}a")
    b = make_group(f"/{tag}/b", logGroupClass="INFREQUENT_ACCESS")
    found = logs.list_log_groups(logGroupNamePattern=tag)["logGroups"]
    assert found == [  # name order: "/aws/…" before "/lst…"
        {"logGroupName": a, "logGroupArn": f"arn:aws:logs:us-east-1:000000000000:log-group:{a}",
         "logGroupClass": "STANDARD"},
        {"logGroupName": b, "logGroupArn": f"arn:aws:logs:us-east-1:000000000000:log-group:{b}",
         "logGroupClass": "INFREQUENT_ACCESS"},
    ]
    assert [g["logGroupName"] for g in logs.list_log_groups(logGroupNamePattern=f"^/{tag}")["logGroups"]] == [b]
    page = logs.list_log_groups(logGroupNamePattern=tag, limit=1)
    assert len(page["logGroups"]) == 1 and page["nextToken"]
    rest = logs.list_log_groups(logGroupNamePattern=tag, nextToken=page["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == [b] and "nextToken" not in rest


def test_unimplemented_operation_answers_not_implemented(logs):
    with pytest.raises(ClientError) as exc:
        logs.describe_metric_filters()
    assert error_of(exc)[0] == "NotImplemented" and error_of(exc)[2] == 501
