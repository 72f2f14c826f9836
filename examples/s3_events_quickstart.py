"""S3 with event notifications into SQS: upload files, read the events, fetch by presigned URL.

Run `make demo` in one shell, then `python examples/s3_events_quickstart.py` in another.
"""

import json
import os
import urllib.request

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
kw = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "test",
      "aws_secret_access_key": "test"}
s3, sqs = boto3.client("s3", **kw), boto3.client("sqs", **kw)

s3.create_bucket(Bucket="photos")
queue = sqs.create_queue(QueueName="photo-events")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.put_bucket_notification_configuration(Bucket="photos", NotificationConfiguration={"QueueConfigurations": [
    {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
     "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}}]})

s3.put_object(Bucket="photos", Key="2026/holiday beach.jpg", Body=b"\xff\xd8 not really a jpeg",
              ContentType="image/jpeg")
s3.put_object(Bucket="photos", Key="notes.txt", Body=b"filtered out by the suffix rule")
s3.delete_object(Bucket="photos", Key="2026/holiday beach.jpg")

seen = 0
while seen < 3:  # the s3:TestEvent, the upload and the delete
    for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=5).get("Messages", []):
        body = json.loads(m["Body"])
        if "Records" in body:
            rec = body["Records"][0]
            print(rec["eventName"], rec["s3"]["object"]["key"], rec["s3"]["object"].get("size", ""))
        else:
            print(body["Event"], "for bucket", body["Bucket"])
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        seen += 1

s3.put_object(Bucket="photos", Key="share.txt", Body=b"hello from a presigned URL")
url = s3.generate_presigned_url("get_object", Params={"Bucket": "photos", "Key": "share.txt"}, ExpiresIn=300)
print(urllib.request.urlopen(url).read().decode())
