"""Lambda without Docker: deploy a function, invoke it, feed it from SQS and S3, read its logs.

Run `make demo` in one shell, then `python examples/lambda_quickstart.py` in another.
"""

import base64
import io
import json
import os
import time
import zipfile

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
kw = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "test",
      "aws_secret_access_key": "test"}
lam, sqs, s3, logs = (boto3.client(s, **kw) for s in ("lambda", "sqs", "s3", "logs"))

HANDLER = '''
import json, urllib.parse, boto3

s3 = boto3.client("s3")  # reaches squall: AWS_ENDPOINT_URL is set for every function

def handler(event, context):
    records = event.get("Records", [])
    if records and records[0].get("eventSource") == "aws:sqs":
        for r in records:
            print("order", r["body"])
        return {"batchItemFailures": []}
    for r in records:  # S3 notifications
        key = urllib.parse.unquote_plus(r["s3"]["object"]["key"])
        text = s3.get_object(Bucket=r["s3"]["bucket"]["name"], Key=key)["Body"].read()
        s3.put_object(Bucket=r["s3"]["bucket"]["name"], Key="upper/" + key, Body=text.upper())
    return {"hello": event.get("name", "world"), "request": context.aws_request_id}
'''

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", HANDLER)
try:
    lam.delete_function(FunctionName="quickstart")
except lam.exceptions.ResourceNotFoundException:
    pass
fn = lam.create_function(FunctionName="quickstart", Runtime="python3.12", Handler="app.handler",
                         Role="arn:aws:iam::000000000000:role/quickstart", Code={"ZipFile": buf.getvalue()})
lam.get_waiter("function_active_v2").wait(FunctionName="quickstart")

# 1. a synchronous invoke, with the log tail
r = lam.invoke(FunctionName="quickstart", Payload=json.dumps({"name": "squall"}), LogType="Tail")
print("result:", json.loads(r["Payload"].read()))
print(base64.b64decode(r["LogResult"]).decode())

# 2. SQS → function through an event source mapping
queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="quickstart", BatchSize=10,
                                FunctionResponseTypes=["ReportBatchItemFailures"])
sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": f"order-{i}"} for i in range(5)])

# 3. S3 upload → function → result written back to S3
s3.create_bucket(Bucket="inbox")
s3.put_bucket_notification_configuration(Bucket="inbox", NotificationConfiguration={
    "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn["FunctionArn"], "Events": ["s3:ObjectCreated:*"],
                                      "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}}]})
s3.put_object(Bucket="inbox", Key="in/note.txt", Body=b"make me loud")
for _ in range(50):
    try:
        print("written back:", s3.get_object(Bucket="inbox", Key="upper/in/note.txt")["Body"].read())
        break
    except s3.exceptions.NoSuchKey:
        time.sleep(0.2)

# 4. the function's logs (also: `squall logs quickstart --follow`)
time.sleep(1)
for e in logs.filter_log_events(logGroupName="/aws/lambda/quickstart")["events"]:
    print(e["message"].rstrip())
