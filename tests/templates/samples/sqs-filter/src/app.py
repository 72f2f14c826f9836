"""Forward each order that passed the filter to AcceptedQueue; report "fail": true orders as failed."""

import json
import os

import boto3

sqs = boto3.client("sqs")
ACCEPTED = os.environ["ACCEPTED_QUEUE_URL"]


def handler(event, context):
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        if order.get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})  # retried, then the DLQ
            continue
        accepted = {"id": order["id"], "amount": order["amount"]}
        sqs.send_message(QueueUrl=ACCEPTED, MessageBody=json.dumps(accepted))
    return {"batchItemFailures": failures}
