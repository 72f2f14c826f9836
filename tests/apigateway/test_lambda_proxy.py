"""AWS_PROXY Lambda integrations through the wire: the payload 1.0 event exactly, path
parameters and greedy paths, the URL forms, binary media types, and API Gateway's own errors
(403 Missing Authentication Token, 502 for a malformed answer or a failed function, 504 at
the integration timeout)."""

from __future__ import annotations

import base64

from tests.apigateway.conftest import http

CONTEXT_KEYS = {"accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod", "identity",
                "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "resourcePath",
                "stage"}
IDENTITY_KEYS = {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                 "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent",
                 "userArn"}


def test_event_is_payload_format_1_0(new_api, echo_arn):
    api = new_api()
    rid = api.proxy("/items/{id}", echo_arn, "POST")
    api.deploy("prod", variables={"color": "blue"})
    r = http(api.url("/items/42?a=1&a=2&b=x", "prod"), "POST", '{"hello": "world"}',
             {"Content-Type": "application/json", "X-Custom": "v", "User-Agent": "tester/1"})
    assert r.status == 200, r.body
    assert r.headers["x-echo"] == "yes" and r.headers["x-multi"] == "a, b"
    assert r.headers["x-amzn-requestid"] and r.headers["x-amz-apigw-id"]
    event = r.json()
    assert list(event) == ["resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                           "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
                           "body", "isBase64Encoded"]
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/42" and event["httpMethod"] == "POST"
    assert event["headers"]["X-Custom"] == "v" and event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] == {"id": "42"} and event["stageVariables"] == {"color": "blue"}
    assert event["body"] == '{"hello": "world"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert CONTEXT_KEYS <= set(ctx) and set(ctx["identity"]) == IDENTITY_KEYS
    assert ctx["apiId"] == api.id and ctx["stage"] == "prod" and ctx["resourceId"] == rid
    assert ctx["resourcePath"] == "/items/{id}" and ctx["path"] == "/prod/items/42" and ctx["httpMethod"] == "POST"
    assert ctx["requestId"] == r.headers["x-amzn-requestid"] and ctx["accountId"] == "000000000000"
    assert ctx["identity"]["userAgent"] == "tester/1" and ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["domainName"] == f"{api.id}.execute-api.us-east-1.amazonaws.com" and ctx["protocol"] == "HTTP/1.1"


def test_empty_parts_are_null(new_api, echo_arn):
    api = new_api()
    api.proxy("/", echo_arn, "GET")
    api.deploy()
    event = http(api.url("/")).json()
    assert event["resource"] == "/" and event["path"] == "/"
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None and event["stageVariables"] is None and event["body"] is None


def test_greedy_path_and_literal_precedence(new_api, echo_arn, make_lambda):
    api = new_api()
    api.proxy("/{proxy+}", echo_arn)
    api.proxy("/files/{name}", echo_arn, "GET")
    api.proxy("/files/special", echo_arn, "GET")
    api.deploy()
    event = http(api.url("/a/b/c")).json()
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c"}
    assert http(api.url("/files/x")).json()["resource"] == "/files/{name}"
    assert http(api.url("/files/special")).json()["resource"] == "/files/special"
    # a POST that /files/{name} does not define falls to the greedy ANY
    assert http(api.url("/files/x"), "POST", "{}").json()["resource"] == "/{proxy+}"


def test_url_forms(new_api, echo_arn, server):
    api = new_api()
    api.proxy("/hello", echo_arn, "GET")
    api.deploy("v1")
    port = server.endpoint.rsplit(":", 1)[1]
    short = http(f"{server.endpoint}/_api/{api.id}/v1/hello")
    assert short.status == 200 and short.json()["path"] == "/hello"
    hosted = http(f"http://127.0.0.1:{port}/v1/hello", headers={"Host": f"{api.id}.execute-api.localhost:{port}"})
    assert hosted.status == 200 and hosted.json()["requestContext"]["stage"] == "v1"


def test_missing_resource_method_and_stage(new_api, echo_arn):
    api = new_api()
    api.proxy("/only-get", echo_arn, "GET")
    api.deploy()
    for url, method in ((api.url("/nothing"), "GET"), (api.url("/only-get"), "DELETE")):
        r = http(url, method)
        assert (r.status, r.json()) == (403, {"message": "Missing Authentication Token"})
        assert r.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    r = http(api.url("/only-get", stage="nostage"))
    assert (r.status, r.json()) == (403, {"message": "Forbidden"})


def test_stage_serves_its_deployment_not_live_edits(new_api, echo_arn, apigw):
    api = new_api()
    api.proxy("/a", echo_arn, "GET")
    first = api.deploy("s")
    api.proxy("/b", echo_arn, "GET")
    assert http(api.url("/b", "s")).status == 403  # not deployed yet
    second = api.deploy("s")
    assert http(api.url("/b", "s")).status == 200
    apigw.update_stage(restApiId=api.id, stageName="s",
                       patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}])
    assert http(api.url("/b", "s")).status == 403 and second != first


def test_malformed_answer_and_function_error_are_502(new_api, echo_arn):
    api = new_api()
    api.proxy("/x", echo_arn, "GET")
    api.deploy()
    for query in ("malformed=1", "fail=1"):
        r = http(api.url(f"/x?{query}"))
        assert (r.status, r.json()) == (502, {"message": "Internal server error"}), query
        assert r.headers["x-amzn-requestid"]


def test_integration_timeout_is_504(new_api, echo_arn):
    api = new_api()
    api.proxy("/slow", echo_arn, "GET", integration={"timeoutInMillis": 300})
    api.deploy()
    r = http(api.url("/slow?sleep=1.5"))
    assert (r.status, r.json()) == (504, {"message": "Endpoint request timed out"})


def test_binary_media_types(new_api, echo_arn):
    api = new_api(binaryMediaTypes=["application/octet-stream", "image/png"])
    api.proxy("/up", echo_arn, "POST")
    api.deploy()
    data = b"\x00\x01\xfe\xff"
    event = http(api.url("/up"), "POST", data, {"Content-Type": "application/octet-stream"}).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == data
    text = http(api.url("/up"), "POST", "plain", {"Content-Type": "text/plain"}).json()
    assert text["isBase64Encoded"] is False and text["body"] == "plain"
    png = http(api.url("/up?binary=1"), "POST", "", {"Accept": "image/png"})
    assert png.status == 200 and png.body == b"\x89PNG\x00\xff"
    # without a binary Accept the client gets the base64 text, as REST APIs answer
    assert http(api.url("/up?binary=1"), "POST", "", {"Accept": "application/json"}).body == base64.b64encode(
        b"\x89PNG\x00\xff")


def test_any_binary_type(new_api, echo_arn):
    api = new_api(binaryMediaTypes=["*/*"])
    api.proxy("/up", echo_arn, "POST")
    api.deploy()
    event = http(api.url("/up"), "POST", "abc", {"Content-Type": "text/plain"}).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"abc"
