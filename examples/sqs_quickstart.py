"""A first look at squall: a queue, a FIFO queue with a dead-letter queue, long polling.

Run `make demo` in one shell, then `python examples/sqs_quickstart.py` in another.
"""

import json
import os

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")

url = sqs.create_queue(QueueName="orders")["QueueUrl"]
sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 1}),
                 MessageAttributes={"kind": {"DataType": "String", "StringValue": "new"}})
msg = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageAttributeNames=["All"])["Messages"][0]
print("received", msg["Body"], msg["MessageAttributes"]["kind"]["StringValue"])
sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])

dlq = sqs.create_queue(QueueName="payments-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
fifo = sqs.create_queue(QueueName="payments.fifo", Attributes={
    "FifoQueue": "true", "ContentBasedDeduplication": "true",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
for i in range(3):
    sqs.send_message(QueueUrl=fifo, MessageBody=f"payment {i}", MessageGroupId="customer-42")
got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
print("in order:", [m["Body"] for m in got])
print("queues:", sqs.list_queues()["QueueUrls"])
