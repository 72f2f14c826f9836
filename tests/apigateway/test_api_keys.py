"""API keys and usage plans through the wire: a method requiring a key (403 without a valid,
enabled key in a plan for the stage), the plan's throttle (429 Too Many Requests) and quota
(429 Limit Exceeded), and keys the authorizer supplies (apiKeySource AUTHORIZER)."""

from __future__ import annotations

import datetime
import time

from tests.apigateway.conftest import http, unique

MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
ECHO_KEY = {"200": {"responseTemplates": {"application/json": '{"key": "$context.identity.apiKeyId"}'}}}


def _keyed_api(new_api, apigw, **plan):
    api = new_api()
    api.method("/paid", "GET", MOCK, responses={"200": dict(ECHO_KEY["200"])}, apiKeyRequired=True)
    api.method("/free", "GET", MOCK, responses={"200": {}})
    api.deploy("prod")
    key = apigw.create_api_key(name=unique("k"), enabled=True)
    usage = apigw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api.id, "stage": "prod"}], **plan)
    apigw.create_usage_plan_key(usagePlanId=usage["id"], keyId=key["id"], keyType="API_KEY")
    return api, key, usage


def test_key_required(new_api, apigw):
    api, key, usage = _keyed_api(new_api, apigw)
    assert http(api.url("/free", "prod")).status == 200
    for headers in ({}, {"x-api-key": "not-a-key-at-all-but-long"}):
        r = http(api.url("/paid", "prod"), headers=headers)
        assert (r.status, r.json()) == (403, {"message": "Forbidden"})
    r = http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]})
    assert (r.status, r.json()) == (200, {"key": key["id"]})
    other = apigw.create_api_key(name=unique("k"), enabled=True)  # valid, but in no plan for this stage
    assert http(api.url("/paid", "prod"), headers={"x-api-key": other["value"]}).status == 403
    apigw.update_api_key(apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
    assert http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status == 403
    for k in (key, other):
        apigw.delete_api_key(apiKey=k["id"])
    apigw.delete_usage_plan(usagePlanId=usage["id"])


def test_plan_throttle(new_api, apigw):
    api, key, usage = _keyed_api(new_api, apigw, throttle={"rateLimit": 1, "burstLimit": 2})
    codes = [http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status for _ in range(4)]
    assert codes[:2] == [200, 200] and codes[-1] == 429
    r = http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]})
    assert (r.status, r.json()) == (429, {"message": "Too Many Requests"})
    time.sleep(1.1)
    assert http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status == 200
    apigw.delete_api_key(apiKey=key["id"])
    apigw.delete_usage_plan(usagePlanId=usage["id"])


def test_plan_quota(new_api, apigw):
    api, key, usage = _keyed_api(new_api, apigw, quota={"limit": 3, "period": "DAY"})
    codes = [http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status for _ in range(3)]
    assert codes == [200, 200, 200]
    r = http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]})
    assert (r.status, r.json()) == (429, {"message": "Limit Exceeded"})
    assert r.headers["x-amzn-errortype"] == "LimitExceededException"
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    used = apigw.get_usage(usagePlanId=usage["id"], startDate=today, endDate=today)
    assert used["items"] == {key["id"]: [[3, 0]]}
    apigw.update_usage(usagePlanId=usage["id"], keyId=key["id"],
                       patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}])
    assert http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status == 200
    assert http(api.url("/paid", "prod"), headers={"x-api-key": key["value"]}).status == 429
    apigw.delete_api_key(apiKey=key["id"])
    apigw.delete_usage_plan(usagePlanId=usage["id"])


def test_stage_method_throttling(new_api, apigw):
    api = new_api()
    api.method("/t", "GET", MOCK, responses={"200": {}})
    api.deploy("s")
    apigw.update_stage(restApiId=api.id, stageName="s", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"}])
    codes = [http(api.url("/t", "s")).status for _ in range(3)]
    assert codes[0] == 200 and codes[-1] == 429
