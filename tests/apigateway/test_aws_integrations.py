"""AWS service integrations through the wire: a VTL request template sending a message to a
squall SQS queue (path and action forms), a non-proxy Lambda integration with templates and
an error selection pattern, and S3 reads."""

from __future__ import annotations

import json
import textwrap

from tests.apigateway.conftest import http, invocation_uri, unique

FORM = {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"}


def test_send_message_to_sqs_with_a_template(new_api, aws_client):
    sqs = aws_client("sqs")
    queue = unique("q")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    api = new_api()
    api.method("/orders", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST",
        "uri": f"arn:aws:apigateway:us-east-1:sqs:path/000000000000/{queue}",
        "requestParameters": FORM,
        "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
                                                 "&MessageAttribute.1.Name=stage&MessageAttribute.1.Value.DataType"
                                                 "=String&MessageAttribute.1.Value.StringValue=$context.stage"},
    }, responses={"200": {"responseTemplates": {"application/json": '{"id": "$input.path(\'$.SendMessageResponse.'
                                                                     'SendMessageResult.MessageId\')"}'}}})
    api.deploy("live")
    r = http(api.url("/orders", "live"), "POST", '{"sku": "a1", "qty": 2}', {"Content-Type": "application/json"})
    assert r.status == 200, r.body
    message_id = r.json()["id"]
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=2)["Messages"][0]
    assert got["MessageId"] == message_id and json.loads(got["Body"]) == {"sku": "a1", "qty": 2}
    assert got["MessageAttributes"]["stage"]["StringValue"] == "live"
    sqs.delete_queue(QueueUrl=url)


def test_sqs_action_form_and_default_passthrough_response(new_api, aws_client):
    sqs = aws_client("sqs")
    queue = unique("q")
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    api = new_api()
    api.method("/send", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
        "requestParameters": {"integration.request.querystring.QueueUrl": f"'{url}'",
                              "integration.request.querystring.MessageBody": "method.request.querystring.text"},
    }, responses={"200": {}}, requestParameters={"method.request.querystring.text": True})
    api.deploy()
    r = http(api.url("/send?text=hello"), "POST", "")
    assert r.status == 200
    assert r.json()["SendMessageResponse"]["SendMessageResult"]["MessageId"]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]["Body"] == "hello"
    sqs.delete_queue(QueueUrl=url)


def test_sqs_error_selects_a_response(new_api):
    api = new_api()
    api.method("/send", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:sqs:path/000000000000/no-such-queue-here",
        "requestParameters": FORM, "requestTemplates": {"application/json": "Action=SendMessage&MessageBody=x"},
    }, responses={"200": {}, "400": {"selectionPattern": "4\\d\\d",
                                     "responseTemplates": {"application/json": '{"failed": true}'}}})
    api.deploy()
    r = http(api.url("/send"), "POST", "{}", {"Content-Type": "application/json"})
    assert (r.status, r.json()) == (400, {"failed": True})


ADDER = textwrap.dedent('''
    def handler(event, context):
        if event.get("a") is None:
            raise ValueError("BadInput: a is required")
        return {"sum": event["a"] + event.get("b", 0), "who": event.get("who")}
''')


def test_lambda_non_proxy_with_templates_and_error_pattern(new_api, make_lambda):
    arn = make_lambda(ADDER)
    api = new_api()
    api.method("/add", "POST", {
        "type": "AWS", "integrationHttpMethod": "POST", "uri": invocation_uri(arn),
        "requestTemplates": {"application/json": '{"a": $input.json(\'$.x\'), "b": $input.json(\'$.y\'), '
                                                 '"who": "$input.params(\'who\')"}'},
    }, responses={
        "200": {"responseTemplates": {"application/json": '{"result": $input.json(\'$.sum\'), '
                                                          '"caller": "$input.path(\'$.who\')"}'}},
        "400": {"selectionPattern": "BadInput.*",
                "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}},
    })
    api.deploy()
    ok = http(api.url("/add?who=me"), "POST", '{"x": 2, "y": 3}', {"Content-Type": "application/json"})
    assert (ok.status, ok.json()) == (200, {"result": 5, "caller": "me"})
    bad = http(api.url("/add"), "POST", '{"y": 3}', {"Content-Type": "application/json"})
    assert (bad.status, bad.json()) == (400, {"error": "BadInput: a is required"})


def test_s3_get_object(new_api, aws_client):
    s3 = aws_client("s3")
    bucket = unique("b")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="docs/readme.txt", Body=b"hello from s3")
    api = new_api()
    api.method("/files/{name}", "GET", {
        "type": "AWS", "integrationHttpMethod": "GET",
        "uri": f"arn:aws:apigateway:us-east-1:s3:path/{bucket}/docs/{{key}}",
        "requestParameters": {"integration.request.path.key": "method.request.path.name"},
    }, responses={"200": {"responseParameters": {"method.response.header.Content-Type":
                                                 "integration.response.header.Content-Type"},
                          "method": {"responseParameters": {"method.response.header.Content-Type": False}}},
                  "404": {"selectionPattern": "404"}}, requestParameters={"method.request.path.name": True})
    api.deploy()
    r = http(api.url("/files/readme.txt"))
    assert (r.status, r.body) == (200, b"hello from s3")
    assert http(api.url("/files/nothing.txt")).status == 404
    s3.delete_object(Bucket=bucket, Key="docs/readme.txt")
    s3.delete_bucket(Bucket=bucket)
