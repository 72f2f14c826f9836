"""Lifecycle expiration through a real server: the loop runs at start-up (and every minute),
so the test puts objects, sets a rule whose Date has passed, restarts, and looks."""

from __future__ import annotations

import json
import time

from tests.s3.conftest import unique


def test_expiration_by_date_with_events(fresh_server, tmp_path):
    import boto3

    srv = fresh_server

    def client(service):
        return boto3.client(service, endpoint_url=srv.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    s3, sqs = client("s3"), client("sqs")
    b = unique()
    s3.create_bucket(Bucket=b)
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:LifecycleExpiration:*"]}]})
    for key in ("logs/a", "logs/b", "keep/c"):
        s3.put_object(Bucket=b, Key=key, Body=b"x")
    s3.put_object(Bucket=b, Key="logs/tagged", Body=b"x", Tagging="team=ops")
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "old-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Date": "2020-01-01T00:00:00Z"}},
        {"ID": "disabled", "Status": "Disabled", "Filter": {"Prefix": "keep/"},
         "Expiration": {"Date": "2020-01-01T00:00:00Z"}},
    ]})
    srv.stop()
    srv.start()
    s3, sqs = client("s3"), client("sqs")
    # the loop's first pass runs in the background as the server starts: give it a moment
    deadline = time.monotonic() + 10
    while True:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]
        if keys == ["keep/c"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert keys == ["keep/c"]
    names = []
    for _ in range(10):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(m["Body"])
            if "Records" in body:
                names.append((body["Records"][0]["eventName"], body["Records"][0]["s3"]["object"]["key"]))
        if len(names) >= 3:
            break
    assert sorted(names) == [("LifecycleExpiration:Delete", "logs/a"), ("LifecycleExpiration:Delete", "logs/b"),
                             ("LifecycleExpiration:Delete", "logs/tagged")]
