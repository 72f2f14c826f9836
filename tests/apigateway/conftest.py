"""Helpers for the REST API tests: boto3 clients for the management API, Lambda functions
built from inline code, an API factory (deleted after each test), and plain-HTTP calls of
deployed APIs (``http(...)`` → status, headers, body)."""

from __future__ import annotations

import io
import json
import textwrap
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
FAST = {"Delay": 0.1, "MaxAttempts": 100}

#: returns its event (and answers what the event asks for: a status, a malformed answer, a sleep)
ECHO = textwrap.dedent('''
    import base64, json, time

    def handler(event, context):
        query = event.get("queryStringParameters") or {}
        if query.get("sleep"):
            time.sleep(float(query["sleep"]))
        if query.get("malformed"):
            return {"body": "no status code"}
        if query.get("binary"):
            return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                    "body": base64.b64encode(b"\\x89PNG\\x00\\xff").decode(), "isBase64Encoded": True}
        if query.get("fail"):
            raise RuntimeError("asked to fail")
        return {"statusCode": int(query.get("status", 200)), "headers": {"Content-Type": "application/json",
                "X-Echo": "yes"}, "multiValueHeaders": {"X-Multi": ["a", "b"]}, "body": json.dumps(event)}
''')


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def zip_of(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _headers(message: Any) -> dict[str, str]:
    """Response headers by lower-case name; a repeated header's values joined with ", "."""
    out: dict[str, str] = {}
    for k, v in message.items():
        k = k.lower()
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def http(url: str, method: str = "GET", body: bytes | str | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Answer(r.status, _headers(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, _headers(e.headers), e.read())


@pytest.fixture(scope="session")
def apigw(aws_client):
    return aws_client("apigateway")


@pytest.fixture(scope="session")
def lam(aws_client):
    return aws_client("lambda")


@pytest.fixture(scope="session")
def make_lambda(lam) -> Iterator[Callable[..., str]]:
    """``make_lambda(code, **create_kwargs) -> function ARN`` (Active); deleted at the end of the session."""
    made: list[str] = []

    def make(code: str = ECHO, **kw: Any) -> str:
        name = kw.pop("FunctionName", unique("fn"))
        out = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                  Code={"ZipFile": zip_of(code)}, Timeout=kw.pop("Timeout", 10), **kw)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=FAST)
        made.append(name)
        return out["FunctionArn"]

    yield make
    for name in made:
        try:
            lam.delete_function(FunctionName=name)
        except ClientError:
            pass


@pytest.fixture(scope="session")
def echo_arn(make_lambda) -> str:
    return make_lambda(ECHO)


def invocation_uri(function_arn: str, region: str = "us-east-1") -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


class Api:
    """A REST API under construction: ``resource('/a/{b}')`` creates the chain of resources,
    ``method(...)`` a method with its integration, ``deploy(stage)`` and ``url(stage, path)``."""

    def __init__(self, client: Any, endpoint: str, **kw: Any) -> None:
        self.client, self.endpoint = client, endpoint
        out = client.create_rest_api(name=kw.pop("name", unique("api")), **kw)
        self.id, self.root = out["id"], out["rootResourceId"]
        self.ids = {"/": self.root}

    def resource(self, path: str) -> str:
        current = ""
        parent = self.root
        for part in [p for p in path.split("/") if p]:
            current += "/" + part
            if current not in self.ids:
                self.ids[current] = self.client.create_resource(restApiId=self.id, parentId=parent,
                                                                pathPart=part)["id"]
            parent = self.ids[current]
        return parent

    def method(self, path: str, http_method: str, integration: dict[str, Any], *, responses: dict[str, dict] | None = None,
               **method_kw: Any) -> str:
        rid = self.resource(path)
        method_kw.setdefault("authorizationType", "NONE")
        self.client.put_method(restApiId=self.id, resourceId=rid, httpMethod=http_method, **method_kw)
        self.client.put_integration(restApiId=self.id, resourceId=rid, httpMethod=http_method, **integration)
        for code, spec in (responses or {}).items():
            self.client.put_method_response(restApiId=self.id, resourceId=rid, httpMethod=http_method,
                                            statusCode=code, **spec.pop("method", {}))
            self.client.put_integration_response(restApiId=self.id, resourceId=rid, httpMethod=http_method,
                                                 statusCode=code, **spec)
        return rid

    def proxy(self, path: str, function_arn: str, http_method: str = "ANY", **kw: Any) -> str:
        integration = {"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": invocation_uri(function_arn),
                       **kw.pop("integration", {})}
        return self.method(path, http_method, integration, **kw)

    def deploy(self, stage: str = "test", **kw: Any) -> str:
        return self.client.create_deployment(restApiId=self.id, stageName=stage, **kw)["id"]

    def url(self, path: str = "/", stage: str = "test") -> str:
        return f"{self.endpoint}/restapis/{self.id}/{stage}/_user_request_{path}"


@pytest.fixture
def new_api(apigw, server) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(**kw: Any) -> Api:
        api = Api(apigw, server.endpoint, **kw)
        made.append(api)
        return api

    yield make
    for api in made:
        try:
            apigw.delete_rest_api(restApiId=api.id)
        except ClientError:
            pass


def error_of(exc: ClientError) -> tuple[int, str, str]:
    err = exc.response["Error"]
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], err["Code"], err["Message"]
