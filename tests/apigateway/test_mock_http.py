"""MOCK, HTTP and HTTP_PROXY integrations through the wire: request templates choosing the
status, integration responses with templates and header mappings, CORS preflights as the
console and SAM configure them, and forwarding to a loopback backend."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.apigateway.conftest import http


class _Backend(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        status = 418 if "teapot" in self.path else 200
        doc = {"method": self.command, "path": self.path, "body": body.decode("latin-1"),
               "headers": {k.lower(): v for k, v in self.headers.items()}}
        out = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "loopback")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_mock_selects_response_by_template_status(new_api):
    api = new_api()
    api.method("/items/{id}", "GET", {
        "type": "MOCK",
        "requestTemplates": {"application/json": '{"statusCode": #if($input.params("id") == "0")404#{else}200#end}'},
    }, responses={
        "200": {"responseTemplates": {"application/json": '{"id": "$input.params(\'id\')", "stage": "$context.stage", '
                                                          '"v": "$stageVariables.v", "q": "$input.params(\'q\')"}'},
                "responseParameters": {"method.response.header.X-Id": "method.request.path.id",
                                       "method.response.header.X-Fixed": "'yes'"},
                "method": {"responseParameters": {"method.response.header.X-Id": False,
                                                  "method.response.header.X-Fixed": False}}},
        "404": {"selectionPattern": "404", "responseTemplates": {"application/json": '{"message": "no such item"}'}},
    })
    api.deploy(variables={"v": "V"})
    ok = http(api.url("/items/7?q=z"))
    assert ok.status == 200 and ok.json() == {"id": "7", "stage": "test", "v": "V", "q": "z"}
    assert ok.headers["x-id"] == "7" and ok.headers["x-fixed"] == "yes"
    missing = http(api.url("/items/0"))
    assert (missing.status, missing.json()) == (404, {"message": "no such item"})


def test_mock_without_templates_is_200_and_no_default_response_is_500(new_api):
    api = new_api()
    api.method("/plain", "GET", {"type": "MOCK"}, responses={"200": {}})
    api.method("/broken", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 500}'}},
               responses={"200": {"selectionPattern": "2\\d\\d"}})
    api.deploy()
    assert http(api.url("/plain")).status == 200
    r = http(api.url("/broken"))
    assert (r.status, r.json()) == (500, {"message": "Internal server error"})


def test_passthrough_behaviors(new_api):
    api = new_api()
    templates = {"application/json": '{"statusCode": 200}'}
    api.method("/never", "POST", {"type": "MOCK", "requestTemplates": templates, "passthroughBehavior": "NEVER"},
               responses={"200": {}})
    api.method("/match", "POST", {"type": "MOCK", "requestTemplates": templates}, responses={"200": {}})
    api.deploy()
    r = http(api.url("/never"), "POST", "x", {"Content-Type": "text/plain"})
    assert (r.status, r.json()) == (415, {"message": "Unsupported Media Type"})
    assert http(api.url("/never"), "POST", "{}", {"Content-Type": "application/json"}).status == 200
    assert http(api.url("/match"), "POST", "x", {"Content-Type": "text/plain"}).status == 200


def test_cors_preflight_as_sam_configures_it(new_api, echo_arn):
    api = new_api()
    api.proxy("/things", echo_arn, "GET")
    headers = {"method.response.header.Access-Control-Allow-Origin": "'*'",
               "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
               "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'"}
    api.method("/things", "OPTIONS", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
               responses={"200": {"responseParameters": headers, "responseTemplates": {"application/json": ""},
                                  "method": {"responseParameters": {k: False for k in headers}}}})
    api.deploy()
    r = http(api.url("/things"), "OPTIONS", headers={"Origin": "http://example.com",
                                                     "Access-Control-Request-Method": "GET"})
    assert r.status == 200 and r.body == b""
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert r.headers["access-control-allow-headers"] == "Content-Type,X-Api-Key"


def test_http_proxy_forwards_everything(new_api, loopback):
    api = new_api()
    api.method("/pass/{proxy+}", "ANY", {
        "type": "HTTP_PROXY", "integrationHttpMethod": "ANY", "uri": loopback + "/base/{proxy}",
        "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}},
        requestParameters={"method.request.path.proxy": True})
    api.deploy()
    r = http(api.url("/pass/a/b?x=1&y=2"), "PUT", "payload", {"Content-Type": "text/plain", "X-Mine": "m"})
    assert r.status == 200 and r.headers["x-backend"] == "loopback"
    got = r.json()
    assert got["method"] == "PUT" and got["path"] == "/base/a/b?x=1&y=2" and got["body"] == "payload"
    assert got["headers"]["x-mine"] == "m" and got["headers"]["content-type"] == "text/plain"
    teapot = http(api.url("/pass/teapot"))
    assert teapot.status == 418  # the backend's status, unchanged


def test_http_proxy_unreachable_backend(new_api):
    api = new_api()
    api.method("/down", "GET", {"type": "HTTP_PROXY", "integrationHttpMethod": "GET",
                                "uri": "http://127.0.0.1:9/nothing"})
    api.deploy()
    r = http(api.url("/down"))
    assert r.status == 500 and r.json() == {"message": "Internal server error"}


def test_http_with_templates(new_api, loopback):
    api = new_api()
    api.method("/orders/{id}", "POST", {
        "type": "HTTP", "integrationHttpMethod": "POST", "uri": loopback + "/orders/{id}",
        "requestParameters": {"integration.request.path.id": "method.request.path.id",
                              "integration.request.querystring.source": "'gateway'",
                              "integration.request.header.X-Stage": "stageVariables.name"},
        "requestTemplates": {"application/json": '{"order": $input.json(\'$.item\'), "by": "$context.httpMethod"}'},
    }, responses={
        "200": {"responseTemplates": {"application/json": '#set($b = $input.path(\'$\')){"seen": $b.body, '
                                                          '"path": "$b.path"}'},
                "responseParameters": {"method.response.header.X-From": "integration.response.header.X-Backend"},
                "method": {"responseParameters": {"method.response.header.X-From": False}}},
    }, requestParameters={"method.request.path.id": True})
    api.deploy(variables={"name": "blue"})
    r = http(api.url("/orders/9"), "POST", '{"item": {"sku": "a1"}}', {"Content-Type": "application/json"})
    assert r.status == 200 and r.headers["x-from"] == "loopback"
    got = r.json()
    assert got["path"] == "/orders/9?source=gateway"
    assert got["seen"] == {"order": {"sku": "a1"}, "by": "POST"}
