"""The HTTP API's two routes (payload format 2.0 events from an HttpApi).

POST /uploads/{name}  stores the request body in the bucket as uploads/{name}
GET  /results         lists the results the recorder stored under results/
"""

import base64
import json
import os

import boto3

# Created once per worker and reused by every invocation. Under squall, AWS_ENDPOINT_URL points
# boto3 back at squall; on AWS the same code talks to AWS.
s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET_NAME"]
UPLOADS = os.environ.get("UPLOADS_PREFIX", "uploads/")
RESULTS = os.environ.get("RESULTS_PREFIX", "results/")


def respond(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def upload(event, context):
    name = event["pathParameters"]["name"]
    body = event.get("body") or ""
    # API Gateway base64-encodes bodies that are not text (images, zips, octet-stream…)
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if not data:
        return respond(400, {"message": "send the file as the request body"})
    key = UPLOADS + name
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    print(f"stored {len(data)} bytes as s3://{BUCKET}/{key}")  # → squall logs <app>-upload
    return respond(202, {"bucket": BUCKET, "key": key, "bytes": len(data),
                         "result": f"/results (as {RESULTS}{name}.json, in a moment)"})


def list_results(event, context):
    results = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=RESULTS):
        for obj in page.get("Contents", []):
            results.append(json.loads(s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()))
    return respond(200, {"count": len(results), "results": results})
