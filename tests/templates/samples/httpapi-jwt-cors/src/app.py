"""Answers with the route and the caller's verified JWT claims (None on the public route)."""

import json


def handler(event, context):
    jwt = event["requestContext"].get("authorizer", {}).get("jwt")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-request-id": context.aws_request_id},
        "body": json.dumps({
            "route": event["routeKey"],
            "sub": jwt["claims"]["sub"] if jwt else None,
            "scopes": jwt.get("scopes") if jwt else None,
        }),
    }
