"""S3 event notifications delivered into an SQS queue: the exact records, for put, copy,
multipart completion, tagging and delete, with prefix/suffix filters."""

from __future__ import annotations

import json
import os
import time
import uuid

MIB = 1024 * 1024


def _drain(sqs, url, want: int, timeout: float = 15.0) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in r.get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_events_reach_the_queue(aws_client):
    s3, sqs = aws_client("s3"), aws_client("sqs")
    bucket = f"ev-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=f"ev-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"Id": "created", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}},
        {"Id": "removed", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]},
    ]})
    test_event = _drain(sqs, url, 1)
    assert test_event and test_event[0]["Event"] == "s3:TestEvent" and test_event[0]["Bucket"] == bucket

    s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="out/ignored.txt", Body=b"x")  # filtered out
    s3.copy_object(Bucket=bucket, Key="in/copy.txt", CopySource=f"{bucket}/in/a b.txt")
    up = s3.create_multipart_upload(Bucket=bucket, Key="in/mp.bin")
    p = s3.upload_part(Bucket=bucket, Key="in/mp.bin", UploadId=up["UploadId"], PartNumber=1, Body=b"mp")
    s3.complete_multipart_upload(Bucket=bucket, Key="in/mp.bin", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    s3.delete_object(Bucket=bucket, Key="in/copy.txt")

    records = [m["Records"][0] for m in _drain(sqs, url, 4)]
    names = sorted(r["eventName"] for r in records)
    assert names == ["ObjectCreated:CompleteMultipartUpload", "ObjectCreated:Copy", "ObjectCreated:Put",
                     "ObjectRemoved:Delete"]
    put = next(r for r in records if r["eventName"] == "ObjectCreated:Put")
    assert put["eventVersion"] == "2.1" and put["eventSource"] == "aws:s3" and put["awsRegion"] == "us-east-1"
    assert put["s3"]["configurationId"] == "created" and put["s3"]["s3SchemaVersion"] == "1.0"
    assert put["s3"]["bucket"]["name"] == bucket and put["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    obj = put["s3"]["object"]
    assert obj["key"] == "in/a+b.txt" and obj["size"] == 5
    assert obj["eTag"] == "5d41402abc4b2a76b9719d911017c592" and int(obj["sequencer"], 16) > 0
    assert put["eventTime"].endswith("Z") and "x-amz-request-id" in put["responseElements"]
    deleted = next(r for r in records if r["eventName"] == "ObjectRemoved:Delete")
    assert deleted["s3"]["object"]["key"] == "in/copy.txt" and "size" not in deleted["s3"]["object"]
    assert _drain(sqs, url, 1, timeout=1.5) == []


def test_large_put_event(aws_client):
    s3, sqs = aws_client("s3"), aws_client("sqs")
    bucket = f"ev-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=f"ev-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"QueueArn": arn, "Events": ["s3:ObjectCreated:Put"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".bin"}]}}}]})
    _drain(sqs, url, 1)  # the test event
    s3.put_object(Bucket=bucket, Key="big.bin", Body=os.urandom(2 * MIB))
    [msg] = _drain(sqs, url, 1)
    assert msg["Records"][0]["s3"]["object"]["size"] == 2 * MIB
