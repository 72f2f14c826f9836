"""squall.apigw.proxy in process: how a function's answer becomes the HTTP response (payload 2.0's
simplified and structured forms, 1.0's multi-value headers) and the request details of the events."""

from __future__ import annotations

import base64

import orjson

from squall.apigw import proxy
from squall.apigw.front import match
from squall.gateway.http import Request


def user(headers: list[tuple[str, str]], query: str = "", method: str = "GET", body: bytes = b""):
    joined: dict[str, str] = {}
    for k, v in headers:
        joined[k.lower()] = f"{joined[k.lower()]},{v}" if k.lower() in joined else v
    request = Request(method=method, path="/_api/abc123/items", query_string=query, headers=joined, body=body,
                      raw_headers=[(k.lower().encode(), v.encode()) for k, v in headers])
    return match(request, "us-east-1")


def test_v2_simplified_responses():
    for value in ("hello", {"a": 1}, [1, 2], 42, None):
        response = proxy.response_v2(orjson.dumps(value))
        assert (response.status, response.headers["content-type"]) == (200, "application/json")
        assert orjson.loads(response.body) == value
    assert proxy.response_v2(b"not json").status == 500


def test_v2_structured_responses():
    u = user([])
    response = proxy.response_v2(orjson.dumps({"statusCode": 302, "headers": {"Location": "/x", "X-N": 5, "X-B": True},
                                               "cookies": ["a=1", "b=2; HttpOnly"], "body": ""}), u)
    assert response.status == 302 and response.headers["location"] == "/x"
    assert response.headers["x-n"] == "5" and response.headers["x-b"] == "true"
    assert response.headers["set-cookie"] == ["a=1", "b=2; HttpOnly"]
    assert response.headers["apigw-requestid"] == u.request_id
    blob = bytes(range(256))
    response = proxy.response_v2(orjson.dumps({"statusCode": 200, "isBase64Encoded": True,
                                               "body": base64.b64encode(blob).decode()}))
    assert response.body == blob
    response = proxy.response_v2(orjson.dumps({"statusCode": 200, "body": {"json": "object"}}))
    assert orjson.loads(response.body) == {"json": "object"}
    for bad in ({"statusCode": "x"}, {"statusCode": 99}, {"statusCode": 200, "isBase64Encoded": True, "body": "%%%"},
                {"statusCode": 200, "headers": {"x": {"nested": 1}}}):
        assert proxy.response_v2(orjson.dumps(bad)).status == 500, bad


def test_v1_responses():
    response = proxy.response_v1(orjson.dumps({"statusCode": 200, "headers": {"X-A": "1"},
                                               "multiValueHeaders": {"X-A": ["2"], "Set-Cookie": ["c=1", "d=2"]},
                                               "body": "ok"}), bad_status=500, bad_message="Internal Server Error")
    assert response.headers["x-a"] == ["1", "2"] and response.headers["set-cookie"] == ["c=1", "d=2"]
    bad = proxy.response_v1(b'"just a string"', bad_status=500, bad_message="Internal Server Error")
    assert bad.status == 500 and orjson.loads(bad.body) == {"message": "Internal Server Error"}


def test_v2_event_request_details():
    u = user([("Host", "h"), ("X-Dup", "1"), ("x-dup", "2"), ("Cookie", "a=1; b=2"), ("Content-Type", "image/png")],
             query="x=1&x=2&y", method="PUT", body=b"\x89PNG")
    event = proxy.event_v2(u, route_key="PUT /items", stage="$default", raw_path="/items", body=b"\x89PNG")
    assert event["headers"] == {"host": "h", "x-dup": "1,2", "content-type": "image/png"}
    assert event["cookies"] == ["a=1", "b=2"] and event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG"
    assert "pathParameters" not in event and "stageVariables" not in event
