"""in/NAME.txt → out/NAME.txt, upper-cased, with the source key and event name as metadata."""

import urllib.parse

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])  # keys arrive URL-encoded
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        out = "out/" + key.removeprefix("in/")
        s3.put_object(Bucket=bucket, Key=out, Body=body.upper(),
                      Metadata={"source-key": key, "event-name": record["eventName"]})
        print(f"{key} → {out}")
    return {"copied": len(event["Records"])}
