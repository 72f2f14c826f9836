"""Queue lifecycle through boto3: create (idempotency, naming), URL, list, delete, tags, permissions."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.sqs.conftest import error_of, unique


def test_create_get_url_and_arn(sqs, server):
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{server.endpoint}/000000000000/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="000000000000")["QueueUrl"] == url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    sqs.delete_queue(QueueUrl=url)


def test_create_is_idempotent_when_attributes_match(sqs, make_queue):
    name = unique()
    url = make_queue(name=name, VisibilityTimeout="10")
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "10"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "11"})
    code, message, status = error_of(exc)
    assert code == "QueueNameExists" and status == 400
    assert "VisibilityTimeout" in message
    assert exc.value.response["Error"]["Code"] == "QueueAlreadyExists"


@pytest.mark.parametrize("name", ["", "a" * 81, "has space", "bad!char", "std.fifo"])
def test_invalid_queue_names(sqs, name):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_fifo_name_rules(sqs):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=unique(), Attributes={"FifoQueue": "true"})
    assert error_of(exc)[0] == "InvalidParameterValue"
    ok = "a" * 75 + ".fifo"
    url = sqs.create_queue(QueueName=ok, Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)


def test_missing_queue_errors(sqs, server):
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.get_queue_url(QueueName=unique())
    code, message, status = error_of(exc)
    assert (code, message, status) == ("QueueDoesNotExist", "The specified queue does not exist.", 400)
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=f"{server.endpoint}/000000000000/{unique()}", MessageBody="x")


def test_delete_then_recreate_is_refused_for_60s(sqs):
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=name)
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name)
    assert error_of(exc)[0] == "QueueDeletedRecently"


def test_list_queues_prefix_and_pagination(sqs, make_queue):
    prefix = unique("lst")
    urls = sorted(make_queue(name=f"{prefix}-{i}") for i in range(5))
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == urls
    seen, token = [], None
    while True:
        kw = {"QueueNamePrefix": prefix, "MaxResults": 2}
        if token:
            kw["NextToken"] = token
        page = sqs.list_queues(**kw)
        assert len(page["QueueUrls"]) <= 2
        seen += page["QueueUrls"]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix=unique("none"))
    paginator = sqs.get_paginator("list_queues")
    flat = [u for p in paginator.paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 3})
            for u in p.get("QueueUrls", [])]
    assert sorted(flat) == urls


def test_queues_are_scoped_by_region(aws_client, make_queue):
    name = unique()
    url = make_queue(name=name)
    eu = aws_client("sqs", region="eu-west-1")
    with pytest.raises(eu.exceptions.QueueDoesNotExist):
        eu.get_queue_url(QueueName=name)
    with pytest.raises(eu.exceptions.QueueDoesNotExist):
        eu.send_message(QueueUrl=url, MessageBody="x")
    assert url not in eu.list_queues().get("QueueUrls", [])
    # The same name may exist independently in another region.
    eu_url = eu.create_queue(QueueName=name)["QueueUrl"]
    arn = eu.get_queue_attributes(QueueUrl=eu_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn.startswith("arn:aws:sqs:eu-west-1:")
    eu.delete_queue(QueueUrl=eu_url)


def test_tags(sqs, make_queue):
    url = sqs.create_queue(QueueName=unique(), tags={"team": "a"})["QueueUrl"]
    try:
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
        sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "b"})
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev"}
        sqs.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
        sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
        assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
        with pytest.raises(ClientError) as exc:
            sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
        assert error_of(exc)[0] == "InvalidParameterValue"
    finally:
        sqs.delete_queue(QueueUrl=url)


def test_add_and_remove_permission(sqs, make_queue):
    url = make_queue()
    sqs.add_permission(QueueUrl=url, Label="p1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=url, Label="p2", AWSAccountIds=["111122223333", "444455556666"],
                       Actions=["ReceiveMessage", "DeleteMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert policy["Version"] == "2012-10-17"
    s1, s2 = policy["Statement"]
    assert s1 == {"Sid": "p1", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                  "Action": "SQS:SendMessage", "Resource": arn}
    assert s2["Action"] == ["SQS:ReceiveMessage", "SQS:DeleteMessage"]
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(QueueUrl=url, Label="p1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    assert error_of(exc)[0] == "InvalidParameterValue"
    sqs.remove_permission(QueueUrl=url, Label="p1")
    sqs.remove_permission(QueueUrl=url, Label="p2")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    with pytest.raises(ClientError) as exc:
        sqs.remove_permission(QueueUrl=url, Label="p1")
    assert error_of(exc)[0] == "InvalidParameterValue"


def test_purge(sqs, make_queue):
    url = make_queue()
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "m"} for i in range(5)])
    sqs.purge_queue(QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") is None
    with pytest.raises(ClientError) as exc:
        sqs.purge_queue(QueueUrl=url)
    code, _, status = error_of(exc)
    assert code == "PurgeQueueInProgress" and status == 403


def test_queue_url_with_any_host_or_path_prefix(sqs, make_queue, server):
    url = make_queue()
    account, name = url.rsplit("/", 2)[-2:]
    for other in (f"http://some.proxy.example:1234/{account}/{name}",
                  f"https://sqs.us-east-1.amazonaws.com/{account}/{name}",
                  f"{server.endpoint}/queue/us-east-1/{account}/{name}"):
        sqs.send_message(QueueUrl=other, MessageBody="hi")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 3
    # A host naming another region addresses that region's queue (which does not exist).
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=f"https://sqs.eu-west-1.amazonaws.com/{account}/{name}", MessageBody="x")
    assert error_of(exc)[0] == "QueueDoesNotExist"


def test_add_permission_limits(sqs, make_queue):
    url = make_queue()
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(QueueUrl=url, Label="many", AWSAccountIds=["111122223333"],
                           Actions=["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                                    "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues",
                                    "PurgeQueue"])
    code, _, status = error_of(exc)
    assert code == "OverLimit" and status == 403
    with pytest.raises(ClientError) as exc:
        sqs.add_permission(QueueUrl=url, Label="bad label!", AWSAccountIds=["111122223333"],
                           Actions=["SendMessage"])
    assert error_of(exc)[0] == "InvalidParameterValue"
