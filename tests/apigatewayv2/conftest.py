"""Helpers for HTTP API tests through the wire: the management client, a few Lambda functions made
once per server, a plain HTTP client for calling deployed APIs, and loopback backends.

Functions (one zip, several handlers):

* ``echo`` returns the event it received (payload exactness; a 1.0 event inside a 1.0 response);
* ``respond`` returns ``json.loads(event["body"])["return"]`` (any response shape), or sleeps
  ``["sleep"]`` seconds first, or raises when asked to ``["raise"]``;
* ``auth_simple`` / ``auth_policy`` — Lambda authorizers: allow when the ``authorization`` header
  (or, 1.0, ``headers.authorization``) is ``allow``; the context carries a fresh id so tests can
  tell a cached answer from a new one.
"""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

ROLE = "arn:aws:iam::000000000000:role/apigw-tests"

CODE = r'''
import json, time, uuid

def echo(event, context):
    if event.get("version") == "1.0":  # a 1.0 answer needs a statusCode
        return {"statusCode": 200, "body": json.dumps(event)}
    return event

def respond(event, context):
    body = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        import base64
        body = base64.b64decode(body).decode()
    doc = json.loads(body)
    if doc.get("sleep"):
        time.sleep(doc["sleep"])
    if doc.get("raise"):
        raise RuntimeError(doc["raise"])
    if "raw" in doc:
        return doc["raw"]
    return doc.get("return")

def _token(event):
    headers = event.get("headers") or {}
    return headers.get("authorization") or headers.get("Authorization")

def auth_simple(event, context):
    token = _token(event)
    if token == "boom":
        return {"nonsense": True}
    return {"isAuthorized": token == "allow", "context": {"user": "alice", "n": 1, "call": uuid.uuid4().hex,
                                                          "type": event.get("type"), "version": event.get("version"),
                                                          "routeArn": event.get("routeArn")}}

def auth_policy(event, context):
    token = _token(event) or event.get("authorizationToken")
    arn = event.get("routeArn") or event.get("methodArn")
    effect = "Allow" if token == "allow" else "Deny"
    return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}]},
        "context": {"call": uuid.uuid4().hex, "version": event.get("version") or ""}}
'''


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def gw(aws_client):
    return aws_client("apigatewayv2")


@pytest.fixture(scope="session")
def functions(aws_client) -> dict[str, str]:
    """handler name → function ARN, made once per server."""
    lam = aws_client("lambda")
    code = make_zip({"app.py": CODE})
    arns = {}
    for handler in ("echo", "respond", "auth_simple", "auth_policy"):
        name = unique(f"gw-{handler.replace('_', '-')}")
        arns[handler] = lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE,
                                            Handler=f"app.{handler}", Code={"ZipFile": code}, Timeout=10,
                                            MemorySize=256)["FunctionArn"]
    for arn in arns.values():
        lam.get_waiter("function_active_v2").wait(FunctionName=arn, WaiterConfig={"Delay": 0.1, "MaxAttempts": 200})
    return arns


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    raw_headers: list[tuple[str, str]]

    def json(self) -> Any:
        return json.loads(self.body)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.raw_headers if k.lower() == name]


def http(method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> Reply:
    """A plain HTTP request (no redirects, errors returned, not raised)."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = list(r.headers.items())
            return Reply(r.status, {k.lower(): v for k, v in raw}, r.read(), raw)
    except urllib.error.HTTPError as e:
        raw = list(e.headers.items())
        return Reply(e.code, {k.lower(): v for k, v in raw}, e.read(), raw)


@pytest.fixture(scope="session")
def call(server) -> Callable[..., Reply]:
    """``call(api_id, "GET", "/path", stage=None, form="short")``: a request to a deployed API.
    Forms: ``short`` (/_api/{id}/…), ``restapis`` (/restapis/{id}/{stage}/_user_request_/…),
    ``host`` (Host: {id}.execute-api.localhost)."""

    def do(api_id: str, method: str, path: str, *, stage: str | None = None, form: str = "short",
           body: bytes | str | None = None, headers: dict[str, str] | None = None, timeout: float = 30) -> Reply:
        headers = dict(headers or {})
        prefix = "" if stage in (None, "$default") else f"/{stage}"
        if form == "short":
            url = f"{server.endpoint}/_api/{api_id}{prefix}{path}"
        elif form == "restapis":
            url = f"{server.endpoint}/restapis/{api_id}/{stage or '$default'}/_user_request_{path}"
        else:
            url = f"{server.endpoint}{prefix}{path}"
            headers["Host"] = f"{api_id}.execute-api.localhost:{server.port}"
        return http(method, url, body, headers, timeout)

    return do


@pytest.fixture
def make_api(gw) -> Iterator[Callable[..., dict]]:
    """``make_api(**create_api_kwargs)``; deleted after the test."""
    made: list[str] = []

    def make(**kw: Any) -> dict:
        kw.setdefault("Name", unique("api"))
        kw.setdefault("ProtocolType", "HTTP")
        api = gw.create_api(**kw)
        made.append(api["ApiId"])
        return api

    yield make
    for api_id in made:
        try:
            gw.delete_api(ApiId=api_id)
        except Exception:  # noqa: BLE001, S110 - already deleted by the test
            pass


@pytest.fixture
def lambda_api(gw, make_api, functions) -> Callable[..., tuple[str, str]]:
    """``lambda_api(routes, handler="echo", version="2.0", stage="$default", **stage_kw)`` → (api id,
    integration id): an API whose routes all go to one Lambda integration, deployed to an
    auto-deploy stage."""

    def make(routes: list[str], handler: str = "echo", version: str = "2.0", stage: str = "$default",
             api_kw: dict | None = None, **stage_kw: Any) -> tuple[str, str]:
        api_id = make_api(**(api_kw or {}))["ApiId"]
        integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY",
                                            IntegrationUri=functions[handler], PayloadFormatVersion=version)
        for key in routes:
            gw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration['IntegrationId']}")
        gw.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True, **stage_kw)
        return api_id, integration["IntegrationId"]

    return make


class _Backend(BaseHTTPRequestHandler):
    """Echoes what it received as JSON; ``/sleep/{s}`` sleeps first; ``/status/{n}`` answers n."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path.split("/")
        if len(parts) > 2 and parts[1] == "sleep":
            import time

            time.sleep(float(parts[2].split("?")[0]))
        status = int(parts[2].split("?")[0]) if len(parts) > 2 and parts[1] == "status" else 200
        doc = {"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace")}
        out = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-backend", "yes")
        self.send_header("set-cookie", "a=1")
        self.send_header("set-cookie", "b=2")
        self.send_header("access-control-allow-origin", "https://backend.example")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def http_backend() -> Iterator[str]:
    """A loopback HTTP server for HTTP_PROXY integrations: its base URL."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
