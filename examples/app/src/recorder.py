"""SQS → S3: store each queued result as results/{name}.json.

The SQS event source uses ReportBatchItemFailures: returning the ids of the messages that failed
makes only those come back (after the queue's visibility timeout, up to 3 times, then the DLQ);
the rest of the batch is deleted from the queue.
"""

import json
import os
from datetime import UTC, datetime

import boto3

s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET_NAME"]
RESULTS = os.environ.get("RESULTS_PREFIX", "results/")


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            result = json.loads(record["body"])
            result["recordedAt"] = datetime.now(UTC).isoformat(timespec="seconds")
            s3.put_object(Bucket=BUCKET, Key=f"{RESULTS}{result['name']}.json",
                          Body=json.dumps(result, indent=2), ContentType="application/json")
        except Exception as exc:  # noqa: BLE001 - a bad message must not fail its batch-mates
            print(f"message {record['messageId']} failed: {exc!r}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
