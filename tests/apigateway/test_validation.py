"""Request validation through the wire: required parameters and a body checked against a
model (JSON Schema draft 4, models referring to models)."""

from __future__ import annotations

import json

from tests.apigateway.conftest import http

ITEM = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["name", "price"],
        "properties": {"name": {"type": "string", "minLength": 1}, "price": {"type": "number", "minimum": 0}}}


def _order(api_id: str) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "$ref": f"https://apigateway.amazonaws.com/restapis/{api_id}/models/Item"}}}}


def test_body_and_parameters(new_api, apigw):
    api = new_api()
    apigw.create_model(restApiId=api.id, name="Item", contentType="application/json", schema=json.dumps(ITEM))
    apigw.create_model(restApiId=api.id, name="Order", contentType="application/json", schema=json.dumps(_order(api.id)))
    both = apigw.create_request_validator(restApiId=api.id, name="all", validateRequestBody=True,
                                          validateRequestParameters=True)["id"]
    mock = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    api.method("/items", "POST", mock, responses={"200": {"responseTemplates": {"application/json": '{"ok": true}'}}},
               requestValidatorId=both, requestModels={"application/json": "Item"},
               requestParameters={"method.request.querystring.store": True, "method.request.header.X-Tenant": True,
                                  "method.request.querystring.optional": False})
    api.method("/orders", "POST", mock, responses={"200": {}}, requestValidatorId=both,
               requestModels={"application/json": "Order"})
    api.deploy()
    good = {"Content-Type": "application/json", "X-Tenant": "t1"}
    assert http(api.url("/items?store=s"), "POST", '{"name": "pen", "price": 2}', good).status == 200
    r = http(api.url("/items"), "POST", '{"name": "pen", "price": 2}', {"Content-Type": "application/json"})
    assert (r.status, r.json()) == (400, {"message": "Missing required request parameters: [store, X-Tenant]"})
    assert r.headers["x-amzn-errortype"] == "BadRequestException"
    for body in ('{"name": "pen"}', '{"name": "", "price": 1}', '{"name": "pen", "price": -1}', "not json"):
        r = http(api.url("/items?store=s"), "POST", body, good)
        assert (r.status, r.json()) == (400, {"message": "Invalid request body"}), body
    assert http(api.url("/orders"), "POST", '{"items": [{"name": "a", "price": 1}]}', good).status == 200
    assert http(api.url("/orders"), "POST", '{"items": [{"name": "a"}]}', good).status == 400


def test_parameters_only_validator_ignores_the_body(new_api, apigw):
    api = new_api()
    apigw.create_model(restApiId=api.id, name="Item", contentType="application/json", schema=json.dumps(ITEM))
    params = apigw.create_request_validator(restApiId=api.id, name="params", validateRequestParameters=True)["id"]
    api.method("/x", "POST", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
               responses={"200": {}}, requestValidatorId=params, requestModels={"application/json": "Item"},
               requestParameters={"method.request.querystring.q": True})
    api.deploy()
    assert http(api.url("/x?q=1"), "POST", "{}", {"Content-Type": "application/json"}).status == 200
    assert http(api.url("/x"), "POST", "{}", {"Content-Type": "application/json"}).status == 400
