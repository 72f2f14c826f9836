"""squall.apigw.authorizers in process: identity sources, the events of each flavour, reading answers,
IAM policy evaluation and the result cache — with the function call replaced by a recorder."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from squall.apigw import authorizers as az
from squall.apigw.front import match
from squall.apigw.functions import Outcome
from squall.gateway.http import Request

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/1"


class Runtime:
    def __init__(self) -> None:
        self.state: dict[str, Any] = {}


class Recorder:
    """Stands in for call_function: records events, answers what the test queued."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[dict] = []
        self.answers: list[Outcome] = []
        monkeypatch.setattr(az, "call_function", self)

    def answer(self, doc: Any = None, error: str | None = None, raw: bytes | None = None) -> None:
        self.answers.append(Outcome(raw if raw is not None else orjson.dumps(doc), error))

    async def __call__(self, runtime: Any, arn: str, event: Any, *, request_id: str, timeout: float) -> Outcome:
        self.events.append(event)
        return self.answers.pop(0)


def user_request(headers: dict[str, str] | None = None, query: str = "", method: str = "GET"):
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    request = Request(method=method, path="/restapis/abc123/prod/_user_request_/items/1", query_string=query,
                      headers={k.lower(): v for k, v in (headers or {}).items()}, raw_headers=raw)
    return match(request, "us-east-1")


def call_for(headers: dict[str, str] | None = None, query: str = "", arn: str = ARN, **kw: Any) -> az.AuthorizerCall:
    base = {"resource": "/items/{id}", "path": "/items/1", "httpMethod": "GET", "headers": headers or {},
            "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": {"id": "1"}, "stageVariables": None, "requestContext": {"stage": "prod"},
            "body": "secret body", "isBase64Encoded": False}
    return az.AuthorizerCall(user_request(headers, query), arn, event=lambda: dict(base), **kw)


def policy(effect: str, resource: str | list[str] = ARN, action: Any = "execute-api:Invoke", **extra: Any) -> dict:
    return {"principalId": "user-9", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": action, "Resource": resource}]}, **extra}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---- policies and ARNs ------------------------------------------------------------------------
def test_arn_wildcards():
    assert az.arn_matches("arn:aws:execute-api:us-east-1:123456789012:abc123/*", ARN)
    assert az.arn_matches("arn:aws:execute-api:*:*:abc123/*/GET/*", ARN)
    assert az.arn_matches("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/items/?", ARN)
    assert not az.arn_matches("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*", ARN)
    assert not az.arn_matches("arn:aws:execute-api:us-east-1:123456789012:ABC123/*", ARN)  # ARNs are case-sensitive
    assert az.method_arn("us-east-1", "123456789012", "abc123", "prod", "GET", "/items/1") == ARN
    assert az.method_arn("r", "1", "a", "$default", "GET", "/").endswith("a/$default/GET/")


def test_policy_evaluation():
    allow = policy("Allow")["policyDocument"]
    assert az.evaluate_policy(allow, ARN)
    assert not az.evaluate_policy(allow, ARN.replace("GET", "POST"))  # no statement: implicit deny
    both = {"Statement": [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
                          {"Effect": "Deny", "Action": ["execute-api:Invoke"], "Resource": [ARN]}]}
    assert not az.evaluate_policy(both, ARN)  # an explicit deny wins
    assert az.evaluate_policy(both, ARN.replace("items/1", "items/2"))
    assert az.evaluate_policy({"Statement": {"Effect": "Allow", "Action": "*", "Resource": ARN}}, ARN)
    assert az.evaluate_policy({"Statement": {"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": ARN}}, ARN)
    assert not az.evaluate_policy({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}, ARN)


def test_identity_sources_in_both_spellings():
    rest_list = "method.request.querystring.token, stageVariables.env"  # REST: several in one string
    parsed = az.parse_identity_sources(("$request.header.Authorization", rest_list, "$context.routeKey",
                                        "context.identity.sourceIp"))
    assert parsed == (("header", "authorization"), ("query", "token"), ("stage", "env"), ("context", "routeKey"),
                      ("context", "identity.sourceIp"))
    call = call_for({"Authorization": "t"}, "token=a&token=b", stage_variables={"env": "dev"},
                    context={"routeKey": "GET /x", "identity": {"sourceIp": "10.0.0.1"}})
    assert az.identity_values(parsed, call) == ["t", "a,b", "dev", "GET /x", "10.0.0.1"]
    assert az.identity_values((("header", "missing"),), call) is None
    assert az.identity_values((("header", "authorization"),), call_for({"Authorization": ""})) is None


# ---- REST authorizers ----------------------------------------------------------------------------
TOKEN = az.LambdaAuthorizer(cache_id="abc123/prod/t1", function_arn="fn", flavor="rest", kind="TOKEN",
                            identity_sources=("method.request.header.Authorization",), ttl=0)


def test_rest_token_authorizer(monkeypatch):
    rec = Recorder(monkeypatch)
    rec.answer(policy("Allow", context={"tier": "gold", "n": 1, "ok": True}))
    decision = run(az.authorize(Runtime(), TOKEN, call_for({"Authorization": "tok-1"})))
    assert rec.events == [{"type": "TOKEN", "authorizationToken": "tok-1", "methodArn": ARN}]
    assert decision.outcome == az.ALLOW and decision.principal_id == "user-9"
    assert decision.context == {"tier": "gold", "n": 1, "ok": True}
    rec.answer(policy("Deny"))
    assert run(az.authorize(Runtime(), TOKEN, call_for({"Authorization": "tok-1"}))).outcome == az.FORBIDDEN
    assert run(az.authorize(Runtime(), TOKEN, call_for())).outcome == az.UNAUTHORIZED  # not called
    strict = az.LambdaAuthorizer(**{**TOKEN.__dict__, "validation_expression": r"Bearer [a-z]+"})
    assert run(az.authorize(Runtime(), strict, call_for({"Authorization": "Bearer 123"}))).outcome == az.UNAUTHORIZED
    assert len(rec.events) == 2


def test_rest_failures(monkeypatch):
    rec = Recorder(monkeypatch)
    rt = Runtime()
    rec.answer({"errorMessage": "Unauthorized", "errorType": "Exception"}, error="function")
    assert run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"}))).outcome == az.UNAUTHORIZED
    rec.answer({"errorMessage": "boom"}, error="function")
    assert run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"}))).outcome == az.FAILURE
    rec.answer(None, error="timeout", raw=b"")
    assert run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"}))).outcome == az.FAILURE
    rec.answer(policy("Allow", context={"nested": {"a": 1}}))  # REST context values must be scalars
    assert run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"}))).outcome == az.FAILURE
    rec.answer({"policyDocument": policy("Allow")["policyDocument"]})  # no principalId
    assert run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"}))).outcome == az.FAILURE
    rec.answer(None, raw=b"not json")
    decision = run(az.authorize(rt, TOKEN, call_for({"Authorization": "x"})))
    assert decision.outcome == az.FAILURE and "JSON" in decision.error


def test_rest_request_authorizer_event_and_optional_identity(monkeypatch):
    rec = Recorder(monkeypatch)
    spec = az.LambdaAuthorizer(cache_id="c", function_arn="fn", flavor="rest", kind="REQUEST",
                               identity_sources=("method.request.header.X-Key",), ttl=0)
    rec.answer(policy("Allow"))
    assert run(az.authorize(Runtime(), spec, call_for())).outcome == az.ALLOW  # no caching: identity optional
    event = rec.events[0]
    assert event["type"] == "REQUEST" and event["methodArn"] == ARN and event["resource"] == "/items/{id}"
    assert event["pathParameters"] == {"id": "1"} and "body" not in event and "isBase64Encoded" not in event
    cached = az.LambdaAuthorizer(**{**spec.__dict__, "ttl": 300})
    assert run(az.authorize(Runtime(), cached, call_for())).outcome == az.UNAUTHORIZED  # caching: required


def test_cache_reuses_results_and_reevaluates_the_policy(monkeypatch):
    rec = Recorder(monkeypatch)
    rt = Runtime()
    spec = az.LambdaAuthorizer(**{**TOKEN.__dict__, "ttl": 300})
    rec.answer(policy("Allow", context={"k": "v"}))  # allows only ARN
    assert run(az.authorize(rt, spec, call_for({"Authorization": "a"}))).outcome == az.ALLOW
    again = run(az.authorize(rt, spec, call_for({"Authorization": "a"})))
    assert again.outcome == az.ALLOW and again.cached and again.context == {"k": "v"}
    other = ARN.replace("GET", "DELETE")
    assert run(az.authorize(rt, spec, call_for({"Authorization": "a"}, arn=other))).outcome == az.FORBIDDEN
    assert len(rec.events) == 1
    rec.answer(policy("Deny"))
    assert run(az.authorize(rt, spec, call_for({"Authorization": "b"}))).outcome == az.FORBIDDEN  # other identity
    az.clear_cache(rt, "abc123/prod/")
    rec.answer(policy("Allow"))
    assert run(az.authorize(rt, spec, call_for({"Authorization": "a"}))).outcome == az.ALLOW
    assert len(rec.events) == 3
    rec.answer({"errorMessage": "boom"}, error="function")  # failures are not cached
    assert run(az.authorize(rt, spec, call_for({"Authorization": "c"}))).outcome == az.FAILURE
    rec.answer(policy("Allow"))
    assert run(az.authorize(rt, spec, call_for({"Authorization": "c"}))).outcome == az.ALLOW


# ---- HTTP API authorizers -------------------------------------------------------------------------
def test_http_simple_responses_v2(monkeypatch):
    rec = Recorder(monkeypatch)
    spec = az.LambdaAuthorizer(cache_id="c", function_arn="fn", flavor="http", payload_version="2.0",
                               identity_sources=("$request.header.Authorization", "$request.querystring.q"),
                               simple_responses=True)
    base = {"version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/items/1", "rawQueryString": "q=1",
            "headers": {"authorization": "t"}, "requestContext": {"stage": "prod"}, "body": "x", "isBase64Encoded": False,
            "pathParameters": {"id": "1"}}
    call = az.AuthorizerCall(user_request({"Authorization": "t"}, "q=1"), ARN, event=lambda: dict(base))
    rec.answer({"isAuthorized": True, "context": {"deep": {"a": [1, 2]}}})
    decision = run(az.authorize(Runtime(), spec, call))
    assert decision.outcome == az.ALLOW and decision.context == {"deep": {"a": [1, 2]}}
    assert rec.events[0] == {"version": "2.0", "type": "REQUEST", "routeArn": ARN, "identitySource": ["t", "1"],
                             "routeKey": "GET /items/{id}", "rawPath": "/items/1", "rawQueryString": "q=1",
                             "headers": {"authorization": "t"}, "requestContext": {"stage": "prod"},
                             "pathParameters": {"id": "1"}}
    rec.answer({"isAuthorized": False})
    assert run(az.authorize(Runtime(), spec, call)).outcome == az.FORBIDDEN
    rec.answer({"isAuthorized": "yes"})
    assert run(az.authorize(Runtime(), spec, call)).outcome == az.FAILURE
    no_query = az.AuthorizerCall(user_request({"Authorization": "t"}), ARN, event=lambda: dict(base))
    assert run(az.authorize(Runtime(), spec, no_query)).outcome == az.UNAUTHORIZED  # HTTP APIs always require them


def test_http_v1_event_and_policy(monkeypatch):
    rec = Recorder(monkeypatch)
    spec = az.LambdaAuthorizer(cache_id="c", function_arn="fn", flavor="http", payload_version="1.0",
                               identity_sources=("$request.header.Authorization", "$request.header.X-Two"))
    rec.answer(policy("Allow", context={"a": {"b": 1}}))
    decision = run(az.authorize(Runtime(), spec, call_for({"Authorization": "one", "X-Two": "two"})))
    assert decision.outcome == az.ALLOW and decision.context == {"a": {"b": 1}}  # HTTP APIs take any JSON
    event = rec.events[0]
    assert (event["version"], event["type"], event["methodArn"]) == ("1.0", "REQUEST", ARN)
    assert event["identitySource"] == event["authorizationToken"] == "one,two"
    assert "body" not in event and event["resource"] == "/items/{id}"
    rec.answer(policy("Allow", context={"claims": "x"}))  # 'claims' is reserved in 1.0 contexts
    assert run(az.authorize(Runtime(), spec, call_for({"Authorization": "1", "X-Two": "2"}))).outcome == az.FAILURE
