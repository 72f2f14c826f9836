"""CloudFormation through the wire: create / update / rollback / delete of plain CloudFormation
templates, with boto3's waiters, on both backends."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

FAST = {"Delay": 0.1, "MaxAttempts": 300}


def _queue_template(extra: dict | None = None, visibility: int = 30) -> str:
    resources = {
        "Work": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": {"Ref": "Visibility"},
                                                         "Tags": [{"Key": "team", "Value": {"Ref": "AWS::StackName"}}]}},
        "Files": {"Type": "AWS::S3::Bucket", "Condition": "WithBucket"},
    }
    resources.update(extra or {})
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "queue and bucket",
        "Parameters": {"Visibility": {"Type": "Number", "Default": str(visibility), "MinValue": 0, "MaxValue": 43200},
                       "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"}},
        "Conditions": {"WithBucket": {"Fn::Equals": [{"Ref": "Env"}, "dev"]}},
        "Resources": resources,
        "Outputs": {
            "QueueUrl": {"Value": {"Ref": "Work"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-queue"}}},
            "QueueArn": {"Value": {"Fn::GetAtt": ["Work", "Arn"]}},
            "Bucket": {"Value": {"Ref": "Files"}, "Condition": "WithBucket"},
        },
    })


def test_create_describe_update_delete(aws_client):
    cfn, sqs, s3 = aws_client("cloudformation"), aws_client("sqs"), aws_client("s3")
    name = f"st-{uuid.uuid4().hex[:8]}"
    stack_id = cfn.create_stack(StackName=name, TemplateBody=_queue_template())["StackId"]
    assert stack_id.startswith("arn:aws:cloudformation:us-east-1:")
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE" and stack["Description"] == "queue and bucket"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    url = outputs["QueueUrl"]
    assert outputs["QueueArn"].endswith(":" + url.rsplit("/", 1)[1])
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "30"}
    s3.head_bucket(Bucket=outputs["Bucket"])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {"Visibility": "30", "Env": "dev"}
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports[f"{name}-queue"] == url
    resources = {r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName=name)["StackResources"]}
    assert resources["Work"]["PhysicalResourceId"] == url and resources["Work"]["ResourceStatus"] == "CREATE_COMPLETE"
    body = cfn.get_template(StackName=name)["TemplateBody"]  # boto3 decodes a JSON body into a dict
    assert (body if isinstance(body, dict) else json.loads(body))["Description"] == "queue and bucket"
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    assert events[0]["ResourceStatus"] == "CREATE_COMPLETE" and events[0]["LogicalResourceId"] == name

    sqs.send_message(QueueUrl=url, MessageBody="kept across updates")
    # in place: a new visibility; the bucket goes (condition false); a new queue comes
    cfn.update_stack(StackName=name, TemplateBody=_queue_template({"Extra": {"Type": "AWS::SQS::Queue"}}),
                     Parameters=[{"ParameterKey": "Visibility", "ParameterValue": "45"},
                                 {"ParameterKey": "Env", "ParameterValue": "prod"}])
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["QueueUrl"] == url and "Bucket" not in outputs
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"][
        "VisibilityTimeout"] == "45"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "kept across updates"
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=resources["Files"]["PhysicalResourceId"])
    with pytest.raises(ClientError) as err:
        cfn.update_stack(StackName=name, UsePreviousTemplate=True,
                         Parameters=[{"ParameterKey": "Visibility", "UsePreviousValue": True},
                                     {"ParameterKey": "Env", "UsePreviousValue": True}])
    assert err.value.response["Error"]["Message"] == "No updates are to be performed."

    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=FAST)
    with pytest.raises(ClientError):
        sqs.get_queue_attributes(QueueUrl=url)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError) as err:
        cfn.describe_stacks(StackName=name)
    assert err.value.response["Error"]["Message"] == f"Stack with id {name} does not exist"


def test_failed_create_rolls_back_with_the_reason(aws_client):
    cfn, sqs = aws_client("cloudformation"), aws_client("sqs")
    name = f"rb-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"Resources": {
        "Good": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-good"}},
        "Bad": {"Type": "AWS::SQS::Queue", "DependsOn": "Good", "Properties": {"DelaySeconds": 99999}},
    }})
    cfn.create_stack(StackName=name, TemplateBody=body)
    with pytest.raises(Exception):  # noqa: B017 - the waiter fails on ROLLBACK_COMPLETE
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
              if e["ResourceStatus"] == "CREATE_FAILED" and e["LogicalResourceId"] == "Bad"]
    assert failed and failed[0].get("ResourceStatusReason")
    assert f"{name}-good" not in json.dumps(sqs.list_queues().get("QueueUrls", []))


def test_failed_update_rolls_back_to_the_previous_state(aws_client):
    cfn, sqs = aws_client("cloudformation"), aws_client("sqs")
    name = f"ur-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(StackName=name, TemplateBody=_queue_template())
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    url = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}[
        "QueueUrl"]
    bad = _queue_template({"New": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-new"}},
                           "Broken": {"Type": "AWS::SQS::Queue", "DependsOn": "New",
                                      "Properties": {"MaximumMessageSize": 1}}})
    cfn.update_stack(StackName=name, TemplateBody=bad, Parameters=[{"ParameterKey": "Visibility",
                                                                     "ParameterValue": "50"}])
    with pytest.raises(Exception):  # noqa: B017
        cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=FAST)
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"][
        "VisibilityTimeout"] == "30"
    assert f"{name}-new" not in json.dumps(sqs.list_queues().get("QueueUrls", []))
    cfn.delete_stack(StackName=name)


def test_validation_errors(aws_client):
    cfn = aws_client("cloudformation")
    name = f"ve-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=name, TemplateBody="{not json: [")
    assert err.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=name, TemplateBody=_queue_template(),
                         Parameters=[{"ParameterKey": "Env", "ParameterValue": "staging"}])
    assert "AllowedValues" in err.value.response["Error"]["Message"]
    role = json.dumps({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}}})
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=f"{name}-iam", TemplateBody=role)
    assert err.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    assert "CAPABILITY_IAM" in err.value.response["Error"]["Message"]
    cfn.create_stack(StackName=f"{name}-ok", TemplateBody=_queue_template())
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=f"{name}-ok", TemplateBody=_queue_template())
    assert err.value.response["Error"]["Code"] == "AlreadyExistsException"
    cfn.get_waiter("stack_create_complete").wait(StackName=f"{name}-ok", WaiterConfig=FAST)
    cfn.delete_stack(StackName=f"{name}-ok")
    summary = cfn.validate_template(TemplateBody=_queue_template())
    assert {p["ParameterKey"] for p in summary["Parameters"]} == {"Visibility", "Env"}


def test_unsupported_type_fails_naming_the_resource(aws_client):
    cfn = aws_client("cloudformation")
    name = f"un-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"Resources": {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {}}}})
    cfn.create_stack(StackName=name, TemplateBody=body)
    with pytest.raises(Exception):  # noqa: B017
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    failed = [e for e in cfn.describe_stack_events(StackName=name)["StackEvents"]
              if e["ResourceStatus"] == "CREATE_FAILED"]
    assert "AWS::RDS::DBInstance" in failed[0]["ResourceStatusReason"] and "Db" in failed[0]["ResourceStatusReason"]


def test_change_sets(aws_client):
    cfn, sqs = aws_client("cloudformation"), aws_client("sqs")
    name = f"cs-{uuid.uuid4().hex[:8]}"
    cs = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                               TemplateBody=_queue_template())
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=cs["Id"], WaiterConfig=FAST)
    described = cfn.describe_change_set(ChangeSetName="first", StackName=name)
    assert described["Status"] == "CREATE_COMPLETE" and described["ExecutionStatus"] == "AVAILABLE"
    assert {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"]["Action"]
            for c in described["Changes"]} == {"Work": "Add", "Files": "Add"}
    assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.execute_change_set(ChangeSetName="first", StackName=name)
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    same = cfn.create_change_set(StackName=name, ChangeSetName="same", TemplateBody=_queue_template())
    described = cfn.describe_change_set(ChangeSetName=same["Id"])
    assert described["Status"] == "FAILED" and "didn't contain changes" in described["StatusReason"]
    cfn.delete_change_set(ChangeSetName=same["Id"])
    cfn.create_change_set(StackName=name, ChangeSetName="more",
                          TemplateBody=_queue_template({"More": {"Type": "AWS::SQS::Queue"}}))
    described = cfn.describe_change_set(ChangeSetName="more", StackName=name)
    assert [c["ResourceChange"]["Action"] for c in described["Changes"]] == ["Add"]
    cfn.execute_change_set(ChangeSetName="more", StackName=name)
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig=FAST)
    more = cfn.describe_stack_resource(StackName=name, LogicalResourceId="More")["StackResourceDetail"]
    sqs.get_queue_attributes(QueueUrl=more["PhysicalResourceId"])
    cfn.delete_stack(StackName=name)


def test_an_export_name_belongs_to_one_stack(aws_client):
    cfn = aws_client("cloudformation")
    tag = uuid.uuid4().hex[:8]

    def template(export: str) -> str:
        return json.dumps({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
                           "Outputs": {"Url": {"Value": {"Ref": "Q"}, "Export": {"Name": export}}}})

    cfn.create_stack(StackName=f"ex-a-{tag}", TemplateBody=template(f"shared-{tag}"))
    cfn.get_waiter("stack_create_complete").wait(StackName=f"ex-a-{tag}", WaiterConfig=FAST)
    cfn.create_stack(StackName=f"ex-b-{tag}", TemplateBody=template(f"own-{tag}"))
    cfn.get_waiter("stack_create_complete").wait(StackName=f"ex-b-{tag}", WaiterConfig=FAST)
    cfn.update_stack(StackName=f"ex-b-{tag}", TemplateBody=template(f"shared-{tag}"))  # taken by stack a
    with pytest.raises(Exception):  # noqa: B017 - the waiter fails on UPDATE_ROLLBACK_COMPLETE
        cfn.get_waiter("stack_update_complete").wait(StackName=f"ex-b-{tag}", WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName=f"ex-b-{tag}")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    exports = {e["Name"]: e["ExportingStackId"] for e in cfn.list_exports()["Exports"]}
    assert exports[f"own-{tag}"] == stack["StackId"] and exports[f"shared-{tag}"].split("/")[1] == f"ex-a-{tag}"
    for name in ("a", "b"):
        cfn.delete_stack(StackName=f"ex-{name}-{tag}")
