"""Lambda function URLs through the wire: the configuration API with boto3, serving with plain HTTP
requests sent to 127.0.0.1 with the URL's host in the ``Host`` header (``*.localhost`` names are not
relied on to resolve).

Expected errors and answers are AWS's recorded ones (LocalStack's AWS-validated snapshots
``TestLambdaUrl`` / ``TestLambdaURL``) unless a comment says otherwise.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import textwrap
import time
import uuid

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.lambda_.conftest import error_of, make_zip, unique

ECHO = textwrap.dedent('''
    import json, os

    def handler(event, context):
        headers = event.get("headers") or {}
        if "x-fail" in headers:
            raise RuntimeError("asked to fail")
        if "x-reply" in headers:
            return json.loads(headers["x-reply"])
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps({"event": event, "request_id": context.aws_request_id,
                                    "arn": context.invoked_function_arn,
                                    "trace": os.environ.get("_X_AMZN_TRACE_ID")})}
''')
URL_RE = r"http://([a-z0-9]{{32}})\.lambda-url\.us-east-1\.localhost:{port}/"
TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
FORBIDDEN = ("Forbidden. For troubleshooting Function URL authorization issues, see: "
             "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")


# ---- helpers ---------------------------------------------------------------------------------
def host_of(url: str) -> str:
    return url.split("://", 1)[1].rstrip("/")


def call(server, url: str, method: str = "GET", path: str = "/", body: bytes | None = None,
         headers: list[tuple[str, str]] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request to 127.0.0.1 with the function URL's host as ``Host``; ``headers`` may repeat names."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host_of(url))
        for name, value in headers or []:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def signed(server, url: str, method: str = "GET", path: str = "/", body: bytes = b"", key: str = "test",
           secret: str = "test") -> tuple[int, http.client.HTTPMessage, bytes]:
    request = AWSRequest(method=method, url=url.rstrip("/") + path, data=body)
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    headers = [(k, v) for k, v in request.headers.items() if k.lower() != "host"]
    return call(server, url, method, path, body or None, headers)


def echoed(response: tuple[int, http.client.HTTPMessage, bytes]) -> dict:
    status, _headers, body = response
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def echo(lam):
    """A function returning its event (or the reply its ``x-reply`` header asks for), with a NONE URL."""
    name = unique("url-echo")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
                        Handler="app.handler", Code={"ZipFile": make_zip({"app.py": ECHO})})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    yield name, url
    lam.delete_function(FunctionName=name)


@pytest.fixture
def echo_fn(make_function):
    """``echo_fn(**create_kwargs) -> name``: a fresh echo function for tests that change it."""
    def make(**kw) -> str:
        kw.setdefault("Code", {"ZipFile": make_zip({"app.py": ECHO})})
        return make_function(**kw)["FunctionName"]
    return make


# ---- the configuration API -------------------------------------------------------------------
def test_lifecycle(lam, server, echo_fn):
    name = echo_fn()
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    url_id = re.fullmatch(URL_RE.format(port=server.port), created["FunctionUrl"])[1]
    assert created["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert created["AuthType"] == "NONE"
    assert re.fullmatch(TIME_RE, created["CreationTime"])
    assert "LastModifiedTime" not in created and "InvokeMode" not in created and "Cors" not in created

    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error_of(exc.value) == (409, "ResourceConflictException", (
        f"Failed to create function url config for [functionArn = {created['FunctionArn']}]. "
        "Error message:  FunctionUrlConfig exists for this Lambda function"))

    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == created["FunctionUrl"] and got["InvokeMode"] == "BUFFERED"
    assert got["CreationTime"] == got["LastModifiedTime"] == created["CreationTime"]

    time.sleep(0.01)
    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "MaxAge": 300}
    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM", Cors=cors)
    assert updated["FunctionUrl"] == created["FunctionUrl"] and updated["AuthType"] == "AWS_IAM"
    assert updated["Cors"] == cors and "InvokeMode" not in updated
    assert updated["LastModifiedTime"] > updated["CreationTime"]
    updated = lam.update_function_url_config(FunctionName=name, InvokeMode="BUFFERED")
    assert updated["InvokeMode"] == "BUFFERED" and updated["Cors"] == cors and updated["AuthType"] == "AWS_IAM"

    by_arn = lam.get_function_url_config(FunctionName=created["FunctionArn"])
    assert by_arn["FunctionUrl"].endswith(f"//{url_id}.lambda-url.us-east-1.localhost:{server.port}/")

    assert lam.delete_function_url_config(FunctionName=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.get_function_url_config(FunctionName=name)
    assert error_of(exc.value) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    again = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="BUFFERED")
    assert again["FunctionUrl"] != created["FunctionUrl"]  # a new URL, never the old one
    assert again["InvokeMode"] == "BUFFERED"


def test_errors(lam, echo_fn):
    name = echo_fn()
    missing = unique("missing")
    pattern = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"

    def err(fn, **kw):
        with pytest.raises(ClientError) as exc:
            fn(**kw)
        return error_of(exc.value)

    not_found = (404, "ResourceNotFoundException", "Function does not exist")
    no_resource = (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert err(lam.create_function_url_config, FunctionName=missing, AuthType="NONE") == not_found
    assert err(lam.update_function_url_config, FunctionName=missing, AuthType="NONE") == not_found
    assert err(lam.get_function_url_config, FunctionName=missing) == no_resource
    assert err(lam.delete_function_url_config, FunctionName=missing) == no_resource
    assert err(lam.list_function_url_configs, FunctionName=missing) == not_found
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{missing}"
    assert err(lam.create_function_url_config, FunctionName=arn, AuthType="NONE") == not_found

    for qualifier in ("$LATEST", "1", "2"):
        for op, kw in ((lam.create_function_url_config, {"AuthType": "NONE"}), (lam.get_function_url_config, {}),
                       (lam.update_function_url_config, {"AuthType": "NONE"}),
                       (lam.delete_function_url_config, {})):
            assert err(op, FunctionName=name, Qualifier=qualifier, **kw) == (
                400, "ValidationException", (f"1 validation error detected: Value '{qualifier}' at 'qualifier' "
                                             "failed to satisfy constraint: Member must satisfy regular expression "
                                             f"pattern: {pattern}"))
    assert err(lam.create_function_url_config, FunctionName=name, Qualifier="nope", AuthType="NONE") == not_found
    assert err(lam.update_function_url_config, FunctionName=name, Qualifier="nope", AuthType="NONE") == not_found
    assert err(lam.get_function_url_config, FunctionName=name, Qualifier="nope") == no_resource
    assert err(lam.get_function_url_config, FunctionName=f"{name}:other", Qualifier="nope") == (
        400, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")
    assert err(lam.get_function_url_config, FunctionName=name) == no_resource
    assert err(lam.update_function_url_config, FunctionName=name, AuthType="NONE") == no_resource
    assert err(lam.delete_function_url_config, FunctionName=name) == no_resource

    assert err(lam.create_function_url_config, FunctionName=name, AuthType="OPEN") == (
        400, "ValidationException", ("1 validation error detected: Value 'OPEN' at 'authType' failed to satisfy "
                                     "constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"))
    assert err(lam.create_function_url_config, FunctionName=name, AuthType="NONE", InvokeMode="UNKNOWN") == (
        400, "ValidationException", ("1 validation error detected: Value 'UNKNOWN' at 'invokeMode' failed to "
                                     "satisfy constraint: Member must satisfy enum value set: [RESPONSE_STREAM, BUFFERED]"))
    assert err(lam.create_function_url_config, FunctionName=name, AuthType="NONE", Cors={"MaxAge": 86401}) == (
        400, "ValidationException", ("1 validation error detected: Value '86401' at 'cors.maxAge' failed to "
                                     "satisfy constraint: Member must have value less than or equal to 86400"))
    status, code, message = err(lam.create_function_url_config, FunctionName=name, AuthType="NONE",
                                Cors={"AllowMethods": ["GET", "OPTIONSX"]})
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value '[GET, OPTIONSX]' at 'cors.allowMethods' failed")
    status, code, _ = err(lam.create_function_url_config, FunctionName=name, AuthType="NONE",
                          Cors={"AllowOrigins": ["x"] * 101})
    assert (status, code) == (400, "ValidationException")
    with pytest.raises(ClientError):
        lam.get_function_url_config(FunctionName=name)  # nothing was created by the refused calls


def test_alias_urls_and_listing(lam, server, echo_fn):
    name = echo_fn()
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    assert lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []
    own = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    aliased = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="AWS_IAM")
    assert aliased["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}:live"
    assert aliased["FunctionUrl"] != own["FunctionUrl"]
    assert lam.get_function_url_config(FunctionName=f"{name}:live")["FunctionUrl"] == aliased["FunctionUrl"]

    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert [c["FunctionArn"] for c in listed] == [own["FunctionArn"], aliased["FunctionArn"]]
    assert all(c["InvokeMode"] == "BUFFERED" and "LastModifiedTime" in c for c in listed)
    first = lam.list_function_url_configs(FunctionName=name, MaxItems=1)
    assert len(first["FunctionUrlConfigs"]) == 1 and first["NextMarker"]
    rest = lam.list_function_url_configs(FunctionName=name, MaxItems=1, Marker=first["NextMarker"])
    assert [c["FunctionArn"] for c in first["FunctionUrlConfigs"] + rest["FunctionUrlConfigs"]] == \
        [own["FunctionArn"], aliased["FunctionArn"]]
    assert "NextMarker" not in rest

    # the alias URL runs the alias's version, with the alias in the invoked ARN
    event = echoed(signed(server, aliased["FunctionUrl"]))
    assert event["arn"] == aliased["FunctionArn"]

    lam.delete_function_url_config(FunctionName=name)  # without a qualifier: the function's own URL only
    assert lam.get_function_url_config(FunctionName=name, Qualifier="live")["FunctionUrl"] == aliased["FunctionUrl"]
    lam.delete_alias(FunctionName=name, Name="live")  # the alias's URL goes with it
    with pytest.raises(ClientError) as exc:
        lam.get_function_url_config(FunctionName=name, Qualifier="live")
    assert error_of(exc.value)[1] == "ResourceNotFoundException"
    assert lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"] == []


def test_deleting_the_function_deletes_its_url(lam, server, echo_fn):
    name = echo_fn()
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    assert call(server, url)[0] == 200
    lam.delete_function(FunctionName=name)
    echo_fn(FunctionName=name)  # the same name again: a new function without a URL
    with pytest.raises(ClientError) as exc:
        lam.get_function_url_config(FunctionName=name)
    assert error_of(exc.value)[1] == "ResourceNotFoundException"
    time.sleep(1.1)  # another process's view of the URL expires within a second
    status, _headers, body = call(server, url)
    assert (status, body) == (403, b'{"Message":null}')  # an unknown URL: see test_unknown_url
    assert lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"] != url


# ---- serving ---------------------------------------------------------------------------------
def test_event_is_payload_format_2(server, echo):
    name, url = echo
    status, headers, body = call(server, url, "POST", "/some/pa%2Fth?b=2&a=1&a=x%20y&empty=",
                                 b'{"hello": "world"}',
                                 [("Content-Type", "application/json"), ("User-Agent", "tests/1.0"),
                                  ("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c1=v1; c2=v2"),
                                  ("Cookie", "c3=v3")])
    assert status == 200, body
    out = json.loads(body)
    event = out["event"]
    host = host_of(url)
    url_id = host.split(".", 1)[0]
    assert list(event) == ["version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
                           "queryStringParameters", "requestContext", "body", "isBase64Encoded"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/some/pa%2Fth"
    assert event["rawQueryString"] == "b=2&a=1&a=x%20y&empty="
    assert event["cookies"] == ["c1=v1", "c2=v2", "c3=v3"]
    assert event["queryStringParameters"] == {"b": "2", "a": "1,x y", "empty": ""}
    h = event["headers"]
    assert h["x-multi"] == "one,two" and h["content-type"] == "application/json" and h["host"] == host
    assert h["user-agent"] == "tests/1.0" and h["content-length"] == "18" and "cookie" not in h
    assert h["x-forwarded-proto"] == "http" and h["x-forwarded-port"] == str(server.port)
    assert h["x-forwarded-for"] == "127.0.0.1"
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", h["x-amzn-trace-id"])
    assert out["trace"] == h["x-amzn-trace-id"]
    assert event["body"] == '{"hello": "world"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert list(ctx) == ["accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey",
                         "stage", "time", "timeEpoch"]
    assert ctx["accountId"] == "anonymous" and ctx["apiId"] == url_id and ctx["domainPrefix"] == url_id
    assert ctx["domainName"] == host.rsplit(":", 1)[0]
    assert ctx["http"] == {"method": "POST", "path": "/some/pa%2Fth", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "tests/1.0"}
    assert ctx["routeKey"] == "$default" and ctx["stage"] == "$default"
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", ctx["time"])
    assert abs(ctx["timeEpoch"] / 1000 - time.time()) < 60
    assert ctx["requestId"] == out["request_id"] == headers["x-amzn-RequestId"]
    assert out["arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"

    event = echoed(call(server, url))  # no body, no query, no cookies: those members are absent
    assert event["event"]["rawPath"] == "/" and event["event"]["rawQueryString"] == ""
    assert {"body", "cookies", "queryStringParameters", "pathParameters", "stageVariables"}.isdisjoint(
        event["event"])
    assert event["event"]["isBase64Encoded"] is False


def test_binary_bodies_are_base64(server, echo):
    _name, url = echo
    data = bytes(range(256))
    event = echoed(call(server, url, "PUT", "/bin", data, [("Content-Type", "application/octet-stream")]))["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == data
    event = echoed(call(server, url, "POST", "/", "héllo".encode(), [("Content-Type", "text/plain")]))["event"]
    assert event["isBase64Encoded"] is False and event["body"] == "héllo"


@pytest.mark.parametrize(("reply", "status", "content_type", "body"), [
    ({"hello": "world"}, 200, "application/json", b'{"hello":"world"}'),
    ("hello", 200, "application/json", b"hello"),
    (["hello", 3, True], 200, "application/json", b'["hello",3,true]'),
    (3.1, 200, "application/json", b"3.1"),
    (True, 200, "application/json", b"true"),
    ({"statusCode": 200, "body": "body123"}, 200, "application/json", b"body123"),
    ({"statusCode": "418", "body": "i'm a teapot"}, 418, "application/json", b"i'm a teapot"),
    ({"statusCode": 201, "headers": {"Content-Type": "text/html", "My-Header": "v"}, "body": "<p>"}, 201,
     "text/html", b"<p>"),
    ({"statusCode": 200, "body": base64.b64encode(b"\x00\x01binary").decode(), "isBase64Encoded": True,
      "headers": {"content-type": "application/octet-stream"}}, 200, "application/octet-stream", b"\x00\x01binary"),
], ids=["dict", "string", "list", "float", "boolean", "structured", "string-status", "headers", "base64"])
def test_responses(server, echo, reply, status, content_type, body):
    _name, url = echo
    got_status, headers, got_body = call(server, url, headers=[("X-Reply", json.dumps(reply))])
    assert (got_status, got_body) == (status, body)
    assert headers["Content-Type"] == content_type
    assert headers["x-amzn-RequestId"] and "apigw-requestid" not in headers
    if isinstance(reply, dict) and "My-Header" in reply.get("headers", {}):
        assert headers["my-header"] == "v"


def test_cookies_become_set_cookie_headers(server, echo):
    _name, url = echo
    reply = {"statusCode": 201, "body": "{}", "cookies": ["a=1; Max-Age=60", "b=2; Path=/"]}
    status, headers, _ = call(server, url, headers=[("X-Reply", json.dumps(reply))])
    assert status == 201
    assert headers.get_all("Set-Cookie") == ["a=1; Max-Age=60", "b=2; Path=/"]


@pytest.mark.parametrize("reply", [{"statusCode": "abc"}, {"statusCode": 200, "body": "!", "isBase64Encoded": True},
                                   {"statusCode": 200, "headers": {"x": {"nested": 1}}}],
                         ids=["bad-status", "bad-base64", "bad-header"])
def test_malformed_answers_are_502(server, echo, reply):
    _name, url = echo
    status, _headers, body = call(server, url, headers=[("X-Reply", json.dumps(reply))])
    assert (status, body) == (502, b"Internal Server Error")


def test_function_error_is_502(server, echo):
    _name, url = echo
    status, headers, body = call(server, url, headers=[("X-Fail", "1")])
    assert (status, body) == (502, b"Internal Server Error")
    assert headers["x-amzn-RequestId"]


def test_throttled_is_429(lam, server, echo_fn):
    name = echo_fn()
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    time.sleep(1.1)  # the server's cached view of the function expires
    status, headers, body = call(server, url)
    assert (status, json.loads(body)) == (429, {"Message": "Rate Exceeded."})
    assert headers["x-amzn-ErrorType"] == "TooManyRequestsException"


def test_unknown_url(server):
    status, headers, body = call(server, f"http://{uuid.uuid4().hex}.lambda-url.us-east-1.localhost:{server.port}/")
    # AWS answers an unknown function URL as one the caller may not invoke
    assert (status, body) == (403, b'{"Message":null}')
    assert headers["Content-Type"] == "application/json"
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_url_of_another_region(server, echo):
    _name, url = echo
    other = url.replace(".us-east-1.", ".eu-west-1.")
    status, headers, body = call(server, other)
    assert (status, body) == (403, b'{"Message":null}')
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_response_stream_mode_sends_the_payload_as_is(lam, server, echo_fn):
    name = echo_fn()
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    reply = {"statusCode": 201, "body": "x"}
    status, _headers, body = call(server, url["FunctionUrl"], headers=[("X-Reply", json.dumps(reply))])
    assert status == 200 and json.loads(body) == reply


# ---- CORS ------------------------------------------------------------------------------------
def test_cors(lam, server, echo_fn):
    name = echo_fn()
    cors = {"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["content-type", "x-custom"], "ExposeHeaders": ["x-total"], "MaxAge": 600,
            "AllowCredentials": True}
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)["FunctionUrl"]

    # a browser's preflight is answered by the URL itself: the function is not invoked
    preflight = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"),
                 ("Access-Control-Request-Headers", "content-type"), ("X-Fail", "1")]
    status, headers, body = call(server, url, "OPTIONS", "/any/path", headers=preflight)
    assert (status, body) == (200, b"")
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Allow-Headers"] == "content-type,x-custom"
    assert headers["Access-Control-Max-Age"] == "600"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    status, headers, body = call(server, url, "OPTIONS", "/", headers=[("Origin", "https://evil.example"),
                                                                        ("Access-Control-Request-Method", "GET")])
    assert status == 200 and "Access-Control-Allow-Origin" not in headers

    # actual requests: the configured headers, replacing the function's own
    reply = {"statusCode": 200, "body": "ok", "headers": {"Access-Control-Allow-Origin": "*", "x-total": "3"}}
    status, headers, body = call(server, url, headers=[("Origin", "https://app.example.com"),
                                                       ("X-Reply", json.dumps(reply))])
    assert (status, body) == (200, b"ok")
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Expose-Headers"] == "x-total"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    status, headers, _ = call(server, url, headers=[("Origin", "https://evil.example"),
                                                    ("X-Reply", json.dumps(reply))])
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = call(server, url, headers=[("Origin", "https://app.example.com"), ("X-Fail", "1")])
    assert status == 502 and headers["Access-Control-Allow-Origin"] == "https://app.example.com"

    lam.update_function_url_config(FunctionName=name, Cors={"AllowOrigins": ["*"]})
    status, headers, _ = call(server, url, "OPTIONS", "/", headers=[("Origin", "https://x.example"),
                                                                    ("Access-Control-Request-Method", "GET")])
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Methods" not in headers and "Access-Control-Max-Age" not in headers


def test_options_without_cors_reaches_the_function(server, echo):
    _name, url = echo
    event = echoed(call(server, url, "OPTIONS", "/", headers=[("Origin", "https://x.example"),
                                                              ("Access-Control-Request-Method", "GET")]))
    assert event["event"]["requestContext"]["http"]["method"] == "OPTIONS"


# ---- AWS_IAM ---------------------------------------------------------------------------------
def test_aws_iam(lam, server, echo_fn):
    name = echo_fn()
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]

    status, headers, body = call(server, url, "POST", "/", b"{}")
    assert (status, json.loads(body)) == (403, {"Message": FORBIDDEN})
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"

    out = echoed(signed(server, url, "POST", "/path?q=1", b'{"signed": true}'))
    event = out["event"]
    assert event["body"] == '{"signed": true}' and event["rawPath"] == "/path"
    ctx = event["requestContext"]
    assert ctx["accountId"] == "000000000000"
    assert ctx["authorizer"] == {"iam": {"accessKey": "test", "accountId": "000000000000",
                                         "callerId": "000000000000", "cognitoIdentity": None,
                                         "principalOrgId": None,
                                         "userArn": "arn:aws:iam::000000000000:root", "userId": "000000000000"}}
    assert "authorization" in event["headers"] and "x-amz-date" in event["headers"]

    status, headers, _ = signed(server, url, secret="wrong")
    assert status == 403 and headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    status, headers, body = signed(server, url, key="AKIDUNKNOWN", secret="x")
    assert (status, json.loads(body)) == (403, {"Message": FORBIDDEN})

    lam.update_function_url_config(FunctionName=name, AuthType="NONE")
    assert call(server, url)[0] == 200  # a local change is seen at once
