"""Tags through both sets of operations: TagResource/UntagResource/ListTagsForResource (by ARN)
and the legacy TagLogGroup/UntagLogGroup/ListTagsLogGroup (by name) edit the same tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.logs.conftest import error_of, unique

ARN = "arn:aws:logs:us-east-1:000000000000:log-group:{}"


def test_tag_untag_by_arn_and_by_name(logs, make_group):
    name = make_group(tags={"a": "1"})
    arn = ARN.format(name)
    logs.tag_resource(resourceArn=arn, tags={"b": "2", "a": "one"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "one", "b": "2"}
    assert logs.list_tags_for_resource(resourceArn=arn + ":*")["tags"] == {"a": "one", "b": "2"}
    logs.untag_resource(resourceArn=arn, tagKeys=["a", "missing"])
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"b": "2"}
    logs.tag_log_group(logGroupName=name, tags={"c": "3"})
    logs.untag_log_group(logGroupName=name, tags=["b"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"c": "3"}


def test_tag_limits_and_missing_groups(logs, make_group):
    name = make_group()
    arn = ARN.format(name)
    logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    with pytest.raises(logs.exceptions.TooManyTagsException) as exc:
        logs.tag_resource(resourceArn=arn, tags={"one-more": "v"})
    assert error_of(exc)[2] == 400
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.tag_resource(resourceArn=ARN.format(unique()), tags={"a": "b"})
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.list_tags_log_group(logGroupName=unique())
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.tag_resource(resourceArn=arn, tags={"bad!key": "v"})
    with pytest.raises(ClientError) as exc:
        logs.list_tags_for_resource(resourceArn="arn:aws:sqs:us-east-1:000000000000:queue")
    assert error_of(exc)[0] == "InvalidParameterException"
