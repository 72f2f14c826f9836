"""The S3 and SQS resource handlers, called directly over an in-process squall and checked with
boto3: what each resource's Ref / GetAtt give, that its configuration reached the service in the
API's shapes, in-place updates, replacement rules and deletes."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement, ResourceFailed

ACCOUNT = "000000000000"


def policy_for(arn: str, action: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": action,
                                                     "Resource": arn}]}


# ---- AWS::SQS::Queue -------------------------------------------------------------------------------
def test_queue_ref_getatt_attributes_and_messages(provision, stack, client):
    sqs = client("sqs")
    queue = provision("AWS::SQS::Queue", {"VisibilityTimeout": 45, "DelaySeconds": "0", "MaximumMessageSize": 2048,
                                          "ReceiveMessageWaitTimeSeconds": 1,
                                          "Tags": [{"Key": "team", "Value": "a"}]}, logical_id="Orders")
    name = queue.attributes["QueueName"]
    assert name.startswith(f"{stack.stack_name}-Orders-") and len(name) <= 80
    assert queue.ref_value == queue.attributes["QueueUrl"] == sqs.get_queue_url(QueueName=name)["QueueUrl"]
    assert queue.attributes["Arn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"
    attrs = sqs.get_queue_attributes(QueueUrl=queue.ref_value, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["MaximumMessageSize"], attrs["QueueArn"]) == (
        "45", "2048", queue.attributes["Arn"])
    assert sqs.list_queue_tags(QueueUrl=queue.ref_value)["Tags"] == {"team": "a"}
    sqs.send_message(QueueUrl=queue.ref_value, MessageBody="hello")
    assert sqs.receive_message(QueueUrl=queue.ref_value, WaitTimeSeconds=2)["Messages"][0]["Body"] == "hello"


def test_queue_update_in_place_resets_dropped_attributes(provision, client):
    sqs = client("sqs")
    props = {"VisibilityTimeout": 45, "DelaySeconds": 5, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    queue = provision("AWS::SQS::Queue", props, logical_id="Q")
    updated = provision.update("Q", {"VisibilityTimeout": 60, "Tags": [{"Key": "a", "Value": "9"}]})
    assert updated.physical_id == queue.physical_id
    attrs = sqs.get_queue_attributes(QueueUrl=queue.ref_value, AttributeNames=["All"])["Attributes"]
    assert (attrs["VisibilityTimeout"], attrs["DelaySeconds"]) == ("60", "0")  # DelaySeconds back to its default
    assert sqs.list_queue_tags(QueueUrl=queue.ref_value)["Tags"] == {"a": "9"}


def test_queue_name_and_fifo_changes_need_replacement(provision, stack):
    provision("AWS::SQS::Queue", {"QueueName": f"{stack.stack_name}-named"}, logical_id="Q")
    with pytest.raises(NeedsReplacement):
        provision.update("Q", {"QueueName": f"{stack.stack_name}-renamed"})
    with pytest.raises(NeedsReplacement):
        provision.update("Q", {"QueueName": f"{stack.stack_name}-named", "FifoQueue": True})


def test_fifo_queue_keeps_suffix_and_fifo_attributes(provision, client):
    sqs = client("sqs")
    queue = provision("AWS::SQS::Queue", {"FifoQueue": "true", "ContentBasedDeduplication": True,
                                          "DeduplicationScope": "messageGroup",
                                          "FifoThroughputLimit": "perMessageGroupId"}, logical_id="Jobs")
    name = queue.attributes["QueueName"]
    assert name.endswith(".fifo") and len(name) <= 80
    attrs = sqs.get_queue_attributes(QueueUrl=queue.ref_value, AttributeNames=["All"])["Attributes"]
    assert (attrs["FifoQueue"], attrs["ContentBasedDeduplication"], attrs["FifoThroughputLimit"]) == (
        "true", "true", "perMessageGroupId")
    sqs.send_message(QueueUrl=queue.ref_value, MessageBody="x", MessageGroupId="g")  # content-based dedup id


def test_redrive_policy_object_becomes_json_attribute(provision, client):
    sqs = client("sqs")
    dlq = provision("AWS::SQS::Queue", {}, logical_id="Dlq")
    source = provision("AWS::SQS::Queue", {"RedrivePolicy": {"deadLetterTargetArn": dlq.attributes["Arn"],
                                                             "maxReceiveCount": 3}}, logical_id="Src")
    attrs = sqs.get_queue_attributes(QueueUrl=source.ref_value, AttributeNames=["RedrivePolicy"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.attributes["Arn"], "maxReceiveCount": 3}
    provision.update("Src", {})  # dropping the policy clears it
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=source.ref_value,
                                                           AttributeNames=["All"])["Attributes"]


def test_existing_queue_name_is_refused(provision, stack, client):
    name = f"{stack.stack_name}-taken"
    client("sqs").create_queue(QueueName=name)
    with pytest.raises(ResourceFailed, match="already exists"):
        provision("AWS::SQS::Queue", {"QueueName": name})


def test_queue_delete(provision, client):
    queue = provision("AWS::SQS::Queue", {}, logical_id="Gone")
    provision.delete("Gone")
    with pytest.raises(ClientError):
        client("sqs").get_queue_attributes(QueueUrl=queue.ref_value, AttributeNames=["All"])


def test_queue_policy_and_inline_policy(provision, client):
    sqs = client("sqs")
    a = provision("AWS::SQS::Queue", {}, logical_id="A")
    b = provision("AWS::SQS::Queue", {}, logical_id="B")

    def policy_of(queue) -> dict | None:
        found = sqs.get_queue_attributes(QueueUrl=queue.ref_value, AttributeNames=["Policy"]).get("Attributes", {})
        return json.loads(found["Policy"]) if found.get("Policy") else None

    doc = policy_for(a.attributes["Arn"], "sqs:SendMessage")
    policy = provision("AWS::SQS::QueuePolicy", {"Queues": [a.ref_value, b.ref_value], "PolicyDocument": doc},
                       logical_id="P")
    assert policy.attributes["Id"] == policy.ref_value
    assert policy_of(a) == policy_of(b) == doc
    provision.update("P", {"Queues": [a.ref_value], "PolicyDocument": doc})
    assert (policy_of(a), policy_of(b)) == (doc, None)
    provision.delete("P")
    assert policy_of(a) is None

    inline = provision("AWS::SQS::QueueInlinePolicy", {"Queue": b.ref_value, "PolicyDocument": doc}, logical_id="I")
    assert inline.ref_value == b.ref_value and policy_of(b) == doc
    with pytest.raises(NeedsReplacement):
        provision.update("I", {"Queue": a.ref_value, "PolicyDocument": doc})
    provision.delete("I")
    assert policy_of(b) is None


# ---- AWS::S3::Bucket ----------------------------------------------------------------------------------
def test_bucket_ref_getatt_and_configurations(provision, stack, client):
    s3 = client("s3")
    props = {
        "VersioningConfiguration": {"Status": "Enabled"},
        "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
                                             "ExposedHeaders": ["ETag"], "MaxAge": 300, "Id": "web"}]},
        "LifecycleConfiguration": {"Rules": [
            {"Id": "logs", "Status": "Enabled", "Prefix": "logs/", "ExpirationInDays": 7},
            {"Id": "tmp", "Status": "Enabled", "Prefix": "tmp/", "TagFilters": [{"Key": "k", "Value": "v"}],
             "NoncurrentVersionExpirationInDays": "3",
             "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 30}]},
        ]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": "false",
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": False},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
        "WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "error.html"},
        "Tags": [{"Key": "team", "Value": "data"}],
    }
    bucket = provision("AWS::S3::Bucket", props, logical_id="DataBucket")
    name = bucket.ref_value
    assert name == name.lower() and len(name) <= 63 and name.startswith(f"{stack.stack_name}-databucket-")
    assert bucket.attributes == {
        "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.us-east-1.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.us-east-1.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-us-east-1.amazonaws.com"}
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    rule = s3.get_bucket_cors(Bucket=name)["CORSRules"][0]
    assert (rule["ExposeHeaders"], rule["MaxAgeSeconds"], rule["ID"]) == (["ETag"], 300, "web")
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]}
    assert rules["logs"]["Filter"] == {"Prefix": "logs/"} and rules["logs"]["Expiration"] == {"Days": 7}
    assert rules["tmp"]["Filter"] == {"And": {"Prefix": "tmp/", "Tags": [{"Key": "k", "Value": "v"}]}}
    assert rules["tmp"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 3}
    assert rules["tmp"]["Transitions"] == [{"Days": 30, "StorageClass": "GLACIER"}]
    assert s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": False, "IgnorePublicAcls": True, "RestrictPublicBuckets": False}
    assert s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerPreferred"}]
    sse = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
    website = s3.get_bucket_website(Bucket=name)
    assert (website["IndexDocument"], website["ErrorDocument"]) == ({"Suffix": "index.html"}, {"Key": "error.html"})
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "team", "Value": "data"}]


def test_bucket_update_in_place_removes_dropped_configurations(provision, client):
    s3 = client("s3")
    props = {"VersioningConfiguration": {"Status": "Enabled"}, "Tags": [{"Key": "a", "Value": "1"}],
             "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}}
    bucket = provision("AWS::S3::Bucket", props, logical_id="B")
    provision.update("B", {"Tags": [{"Key": "a", "Value": "2"}]})
    name = bucket.ref_value
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "a", "Value": "2"}]
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        s3.get_bucket_cors(Bucket=name)
    with pytest.raises(NeedsReplacement):
        provision.update("B", {"BucketName": "another-name-entirely"})


def test_bucket_notifications_reach_a_queue(provision, client):
    s3, sqs = client("s3"), client("sqs")
    queue = provision("AWS::SQS::Queue", {}, logical_id="Events")
    fn = "arn:aws:lambda:us-east-1:000000000000:function:thumbnails"
    bucket = provision("AWS::S3::Bucket", {"NotificationConfiguration": {
        "QueueConfigurations": [{"Event": "s3:ObjectCreated:*", "Queue": queue.attributes["Arn"],
                                 "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}}}],
        "LambdaConfigurations": [{"Event": "s3:ObjectCreated:*", "Function": fn,
                                  "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "images/"}]}}}],
        "EventBridgeConfiguration": {"EventBridgeEnabled": True},
    }}, logical_id="Uploads")
    config = s3.get_bucket_notification_configuration(Bucket=bucket.ref_value)
    assert config["QueueConfigurations"][0]["QueueArn"] == queue.attributes["Arn"]
    assert config["QueueConfigurations"][0]["Filter"] == {"Key": {"FilterRules": [{"Name": "Prefix",
                                                                                   "Value": "uploads/"}]}}
    assert config["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] == fn
    assert config["LambdaFunctionConfigurations"][0]["Events"] == ["s3:ObjectCreated:*"]
    assert "EventBridgeConfiguration" in config

    s3.put_object(Bucket=bucket.ref_value, Key="uploads/a.txt", Body=b"hi")
    records = []
    for _ in range(10):
        for message in sqs.receive_message(QueueUrl=queue.ref_value, WaitTimeSeconds=1,
                                           MaxNumberOfMessages=10).get("Messages", []):
            records += json.loads(message["Body"]).get("Records", [])
        if records:
            break
    assert records and records[0]["s3"]["object"]["key"] == "uploads/a.txt"

    provision.update("Uploads", {})
    assert set(s3.get_bucket_notification_configuration(Bucket=bucket.ref_value)) <= {"ResponseMetadata"}


def test_existing_bucket_is_refused_and_non_empty_bucket_is_not_deleted(provision, stack, client):
    s3 = client("s3")
    name = f"{stack.stack_name}-taken"
    s3.create_bucket(Bucket=name)
    with pytest.raises(ResourceFailed, match="already exists"):
        provision("AWS::S3::Bucket", {"BucketName": name})
    s3.delete_bucket(Bucket=name)

    bucket = provision("AWS::S3::Bucket", {}, logical_id="Full")
    s3.put_object(Bucket=bucket.ref_value, Key="k", Body=b"x")
    with pytest.raises(ServiceError) as failed:
        provision.delete("Full")
    assert failed.value.code == "BucketNotEmpty"
    s3.delete_object(Bucket=bucket.ref_value, Key="k")
    provision.live["Full"] = ("AWS::S3::Bucket", bucket, {})
    provision.delete("Full")
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=bucket.ref_value)


def test_bucket_policy(provision, client):
    s3 = client("s3")
    bucket = provision("AWS::S3::Bucket", {}, logical_id="Site")
    doc = policy_for(f"{bucket.attributes['Arn']}/*", "s3:GetObject")
    provision("AWS::S3::BucketPolicy", {"Bucket": bucket.ref_value, "PolicyDocument": doc}, logical_id="Policy")
    assert json.loads(s3.get_bucket_policy(Bucket=bucket.ref_value)["Policy"]) == doc
    with pytest.raises(NeedsReplacement):
        provision.update("Policy", {"Bucket": "other", "PolicyDocument": doc})
    provision.delete("Policy")
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket.ref_value)
