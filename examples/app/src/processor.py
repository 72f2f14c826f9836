"""S3 → SQS: count the bytes, lines and words of each new upload and queue the result."""

import json
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
QUEUE_URL = os.environ["QUEUE_URL"]
UPLOADS = os.environ.get("UPLOADS_PREFIX", "uploads/")


def handler(event, context):
    # An S3 event may carry several records; S3 URL-encodes the keys in it.
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        text = data.decode("utf-8", errors="replace")
        result = {
            "name": key.removeprefix(UPLOADS),
            "key": key,
            "bytes": len(data),
            "lines": len(text.splitlines()),
            "words": len(text.split()),
            "etag": record["s3"]["object"].get("eTag"),
            "uploadedAt": record["eventTime"],
        }
        sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(result))
        print(f"{key}: {result['bytes']} bytes, {result['lines']} lines, {result['words']} words")
    return {"processed": len(event["Records"])}
