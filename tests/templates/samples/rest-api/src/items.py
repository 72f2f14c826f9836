"""GET /items/{id} echoes what API Gateway passed; POST /items "creates" the JSON body."""

import json


def respond(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    if event["httpMethod"] == "GET":
        return respond(200, {
            "id": event["pathParameters"]["id"],
            "query": event.get("queryStringParameters") or {},
            "greeting": (event.get("stageVariables") or {}).get("greeting"),
            "resource": event["resource"],
        })
    try:
        item = json.loads(event.get("body") or "")
    except ValueError:
        return respond(400, {"message": "the body must be JSON"})
    # what the authorizer returned: its principalId and context
    return respond(201, {"created": item, "user": event["requestContext"]["authorizer"]["user"]})
