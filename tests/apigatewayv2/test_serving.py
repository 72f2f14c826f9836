"""Deployed HTTP APIs through plain HTTP: the 2.0 and 1.0 events a function receives (compared
whole), route selection, stages and stage variables, the three URL forms, response handling
(simplified responses, cookies, multi-value headers, base64 bodies) and API Gateway's own errors."""

from __future__ import annotations

import base64
import http.client
import json
import re

import pytest

from tests.apigatewayv2.conftest import Reply

TIME = re.compile(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000")


def raw(server, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> Reply:
    """A request with exactly these headers (repeated ones too) and nothing else added."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    if body:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body or None)
    r = conn.getresponse()
    out = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), r.getheaders())
    conn.close()
    return out


def test_payload_v2_is_exact(server, lambda_api):
    api_id, _ = lambda_api(["POST /items/{id}"])
    host = f"127.0.0.1:{server.port}"
    body = b'{"k": "v"}'
    reply = raw(server, "POST", f"/_api/{api_id}/items/42?a=1&a=2&b=&c=x%20y", [
        ("Host", host), ("User-Agent", "test-agent/1.0"), ("Content-Type", "application/json"),
        ("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c1=v1; c2=v2"), ("Cookie", "c3=v3")], body)
    assert reply.status == 200, reply.body
    event = reply.json()
    request_id = reply.headers["apigw-requestid"]
    context = event["requestContext"]
    assert TIME.fullmatch(context["time"]) and isinstance(context["timeEpoch"], int)
    assert event == {
        "version": "2.0", "routeKey": "POST /items/{id}", "rawPath": "/items/42",
        "rawQueryString": "a=1&a=2&b=&c=x%20y", "cookies": ["c1=v1", "c2=v2", "c3=v3"],
        "headers": {"host": host, "user-agent": "test-agent/1.0", "content-type": "application/json",
                    "x-multi": "one,two", "content-length": str(len(body))},
        "queryStringParameters": {"a": "1,2", "b": "", "c": "x y"},
        "requestContext": {
            "accountId": "000000000000", "apiId": api_id, "domainName": f"{api_id}.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": api_id,
            "http": {"method": "POST", "path": "/items/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "test-agent/1.0"},
            "requestId": request_id, "routeKey": "POST /items/{id}", "stage": "$default",
            "time": context["time"], "timeEpoch": context["timeEpoch"]},
        "body": '{"k": "v"}', "pathParameters": {"id": "42"}, "isBase64Encoded": False,
    }


def test_payload_v1_is_exact(server, lambda_api):
    api_id, _ = lambda_api(["GET /items/{id}"], version="1.0", stage="prod", StageVariables={"color": "blue"})
    host = f"127.0.0.1:{server.port}"
    reply = raw(server, "GET", f"/_api/{api_id}/prod/items/7?q=1&q=2", [
        ("Host", host), ("User-Agent", "ua"), ("X-Multi", "one"), ("X-Multi", "two")])
    assert reply.status == 200, reply.body
    event = reply.json()
    context = event["requestContext"]
    assert TIME.fullmatch(context["requestTime"])
    assert event == {
        "version": "1.0", "resource": "/items/{id}", "path": "/prod/items/7", "httpMethod": "GET",
        "headers": {"host": host, "user-agent": "ua", "x-multi": "two"},
        "multiValueHeaders": {"host": [host], "user-agent": ["ua"], "x-multi": ["one", "two"]},
        "queryStringParameters": {"q": "2"}, "multiValueQueryStringParameters": {"q": ["1", "2"]},
        "pathParameters": {"id": "7"}, "stageVariables": {"color": "blue"},
        "requestContext": {
            "accountId": "000000000000", "apiId": api_id, "authorizer": {"claims": None, "scopes": None},
            "domainName": f"{api_id}.execute-api.us-east-1.amazonaws.com", "domainPrefix": api_id,
            "extendedRequestId": reply.headers["apigw-requestid"], "httpMethod": "GET",
            "identity": {"accessKey": None, "accountId": None, "caller": None, "cognitoAuthenticationProvider": None,
                         "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                         "principalOrgId": None, "sourceIp": "127.0.0.1", "user": None, "userAgent": "ua",
                         "userArn": None},
            "path": "/prod/items/7", "protocol": "HTTP/1.1", "requestId": reply.headers["apigw-requestid"],
            "requestTime": context["requestTime"], "requestTimeEpoch": context["requestTimeEpoch"],
            "resourceId": None, "resourcePath": "/items/{id}", "stage": "prod"},
        "body": None, "isBase64Encoded": False,
    }


@pytest.mark.parametrize("form", ["short", "restapis", "host"])
def test_named_stage_with_variables_in_every_url_form(call, lambda_api, form):
    api_id, _ = lambda_api(["GET /hello"], stage="prod", StageVariables={"env": "production"})
    reply = call(api_id, "GET", "/hello", stage="prod", form=form)
    assert reply.status == 200, reply.body
    event = reply.json()
    assert event["rawPath"] == "/prod/hello" and event["requestContext"]["http"]["path"] == "/prod/hello"
    assert event["requestContext"]["stage"] == "prod" and event["stageVariables"] == {"env": "production"}
    assert call(api_id, "GET", "/hello", form=form).status == 404  # no $default stage


def test_default_stage_at_the_root_in_every_form(call, lambda_api):
    api_id, _ = lambda_api(["GET /hello"])
    for form in ("short", "restapis", "host"):
        reply = call(api_id, "GET", "/hello", form=form)
        assert reply.status == 200, (form, reply.body)
        assert reply.json()["rawPath"] == "/hello" and reply.json()["requestContext"]["stage"] == "$default"


def test_route_selection_follows_aws_priorities(call, lambda_api):
    api_id, _ = lambda_api(["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}",
                            "$default", "GET /", "PUT /pets/{kind}/{id}", "ANY /pets/{kind}/{id}"])
    cases = [("GET", "/pets/dog/1", "GET /pets/dog/1", None), ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
             ("GET", "/pets/cat/1/2", "GET /pets/{proxy+}", {"proxy": "cat/1/2"}),
             ("POST", "/test/5", "ANY /{proxy+}", {"proxy": "test/5"}), ("GET", "/", "GET /", None),
             ("POST", "/", "$default", None), ("PUT", "/pets/cat/9", "PUT /pets/{kind}/{id}", {"kind": "cat", "id": "9"}),
             ("DELETE", "/pets/cat/9", "ANY /pets/{kind}/{id}", {"kind": "cat", "id": "9"}),
             ("GET", "/pets/a%20b/x/y", "GET /pets/{proxy+}", {"proxy": "a b/x/y"})]
    for method, path, route_key, params in cases:
        reply = call(api_id, method, path, body=b"" if method in ("POST", "PUT") else None)
        assert reply.status == 200, (method, path, reply.body)
        event = reply.json()
        assert event["routeKey"] == route_key, (method, path)
        assert event.get("pathParameters") == params, (method, path)


def test_no_route_no_api_no_stage_are_404(call, lambda_api, gw, make_api):
    api_id, _ = lambda_api(["GET /only"])
    for reply in (call(api_id, "GET", "/other"), call(api_id, "POST", "/only"), call("nosuchapi1", "GET", "/only"),
                  call(api_id, "GET", "/only", stage="nostage", form="restapis")):
        assert reply.status == 404 and reply.json() == {"message": "Not Found"}
        assert reply.headers["content-type"] == "application/json" and reply.headers["apigw-requestid"]
    undeployed = make_api()["ApiId"]
    gw.create_route(ApiId=undeployed, RouteKey="GET /x")
    gw.create_stage(ApiId=undeployed, StageName="$default")  # never deployed
    assert call(undeployed, "GET", "/x").status == 404


def test_changes_are_served_at_once(call, lambda_api, gw):
    api_id, integration = lambda_api(["GET /a"])
    assert call(api_id, "GET", "/a").status == 200
    assert call(api_id, "GET", "/b").status == 404
    gw.create_route(ApiId=api_id, RouteKey="GET /b", Target=f"integrations/{integration}")
    assert call(api_id, "GET", "/b").status == 200
    gw.update_api(ApiId=api_id, DisableExecuteApiEndpoint=True)
    reply = call(api_id, "GET", "/a")
    assert reply.status == 403 and reply.json() == {"message": "Forbidden"}


def _respond(call, api_id: str, doc: dict, path: str = "/r", headers: dict | None = None) -> Reply:
    return call(api_id, "POST", path, body=json.dumps(doc), headers={"content-type": "application/json", **(headers or {})})


def test_v2_responses(call, lambda_api):
    api_id, _ = lambda_api(["POST /r"], handler="respond")
    reply = _respond(call, api_id, {"return": "hello"})  # simplified: a string
    assert (reply.status, reply.headers["content-type"], reply.body) == (200, "application/json", b'"hello"')
    reply = _respond(call, api_id, {"return": {"a": 1}})  # simplified: an object without statusCode
    assert reply.status == 200 and reply.json() == {"a": 1}
    reply = _respond(call, api_id, {"return": {"statusCode": 201, "headers": {"X-A": "1", "content-type": "text/plain"},
                                               "cookies": ["a=1; Path=/", "b=2"], "body": "created"}})
    assert (reply.status, reply.body, reply.headers["x-a"], reply.headers["content-type"]) == (
        201, b"created", "1", "text/plain")
    assert reply.all("set-cookie") == ["a=1; Path=/", "b=2"]
    assert reply.headers["apigw-requestid"]
    blob = bytes(range(256))
    reply = _respond(call, api_id, {"return": {"statusCode": 200, "isBase64Encoded": True,
                                               "headers": {"content-type": "application/octet-stream"},
                                               "body": base64.b64encode(blob).decode()}})
    assert reply.status == 200 and reply.body == blob
    for bad in ({"raw": {"statusCode": "nope"}}, {"raw": {"statusCode": 200, "cookies": "a=1"}},
                {"raise": "boom"}):
        reply = _respond(call, api_id, bad)
        assert reply.status == 500 and reply.json() == {"message": "Internal Server Error"}, bad
        assert reply.headers["apigw-requestid"]


def test_binary_request_bodies_arrive_base64(call, lambda_api):
    api_id, _ = lambda_api(["POST /upload"])
    blob = bytes(range(256)) * 4
    event = call(api_id, "POST", "/upload", body=blob, headers={"content-type": "application/octet-stream"}).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == blob
    event = call(api_id, "POST", "/upload", body="plain text", headers={"content-type": "text/plain"}).json()
    assert event["isBase64Encoded"] is False and event["body"] == "plain text"


def test_v1_responses(call, lambda_api):
    api_id, _ = lambda_api(["POST /r"], handler="respond", version="1.0")
    reply = _respond(call, api_id, {"return": {"statusCode": 202, "headers": {"X-One": "1"},
                                               "multiValueHeaders": {"X-Many": ["a", "b"], "Set-Cookie": ["c=1", "d=2"]},
                                               "body": "accepted"}})
    assert (reply.status, reply.body, reply.headers["x-one"]) == (202, b"accepted", "1")
    assert reply.all("x-many") == ["a", "b"] or reply.headers["x-many"] == "a, b"
    assert reply.all("set-cookie") == ["c=1", "d=2"]
    reply = _respond(call, api_id, {"return": "not a 1.0 response"})
    assert reply.status == 500 and reply.json() == {"message": "Internal Server Error"}


def test_integration_timeout_is_503(call, gw, make_api, functions):
    api_id = make_api()["ApiId"]
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=functions["respond"],
                                        PayloadFormatVersion="2.0", TimeoutInMillis=300)
    gw.create_route(ApiId=api_id, RouteKey="POST /slow", Target=f"integrations/{integration['IntegrationId']}")
    gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = _respond(call, api_id, {"sleep": 1.2, "return": "late"}, path="/slow")
    assert reply.status == 503 and reply.json() == {"message": "Service Unavailable"}
    assert reply.headers["apigw-requestid"]


def test_stage_variables_choose_the_function(call, gw, make_api, functions):
    api_id = make_api()["ApiId"]
    name = functions["echo"].rsplit(":", 1)[1]
    uri = functions["echo"].replace(name, "${stageVariables.fn}")
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri,
                                        PayloadFormatVersion="2.0")
    gw.create_route(ApiId=api_id, RouteKey="GET /who", Target=f"integrations/{integration['IntegrationId']}")
    gw.create_stage(ApiId=api_id, StageName="good", AutoDeploy=True, StageVariables={"fn": name})
    gw.create_stage(ApiId=api_id, StageName="bad", AutoDeploy=True, StageVariables={"fn": "missing-function"})
    assert call(api_id, "GET", "/who", stage="good").json()["stageVariables"] == {"fn": name}
    assert call(api_id, "GET", "/who", stage="bad").status == 500
    gw.update_stage(ApiId=api_id, StageName="bad", StageVariables={"fn": name})  # no deployment needed
    assert call(api_id, "GET", "/who", stage="bad").status == 200
