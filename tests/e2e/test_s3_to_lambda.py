"""S3 upload → notification → function (async) → result written back to S3, all through the wire."""

from __future__ import annotations

import io
import textwrap
import time
import uuid
import zipfile

CODE = textwrap.dedent('''
    import json, urllib.parse, boto3

    s3 = boto3.client("s3")

    def handler(event, context):
        for record in event["Records"]:
            bucket = record["s3"]["bucket"]["name"]
            key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            s3.put_object(Bucket=bucket, Key="out/" + key, Body=body.upper(),
                          Metadata={"event": record["eventName"], "source": record["eventSource"]})
        return {"done": len(event["Records"])}
''')


def test_upload_triggers_function_that_writes_back(aws_client):
    s3, lam = aws_client("s3"), aws_client("lambda")
    bucket = f"e2e-{uuid.uuid4().hex[:10]}"
    name = f"upper-{uuid.uuid4().hex[:8]}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", CODE)
    arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role="arn:aws:iam::000000000000:role/r",
                              Handler="app.handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
    s3.put_object(Bucket=bucket, Key="in/hello world.txt", Body=b"shout this")

    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            out = s3.get_object(Bucket=bucket, Key="out/in/hello world.txt")
            break
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    else:
        raise AssertionError("the function did not write its result")
    assert out["Body"].read() == b"SHOUT THIS"
    assert out["Metadata"] == {"event": "ObjectCreated:Put", "source": "aws:s3"}
    # the function's own write (out/…) is outside the prefix filter: no loop
    time.sleep(0.5)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == ["in/hello world.txt", "out/in/hello world.txt"]
