"""Gateway responses through the wire: API Gateway's own errors answered with an API's
customized status, headers and templates (a type of its own, else DEFAULT_4XX / DEFAULT_5XX),
after a deployment; the management API's defaults."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.apigateway.conftest import error_of, http


def test_customized_responses(new_api, apigw, echo_arn):
    api = new_api()
    api.proxy("/x", echo_arn, "GET")
    apigw.put_gateway_response(
        restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={"gatewayresponse.header.X-Why": "'no route'",
                            "gatewayresponse.header.X-Path": "context.resourcePath"},
        responseTemplates={"application/json": '{"error": $context.error.messageString, '
                                               '"type": "$context.error.responseType", "id": "$context.requestId"}'})
    apigw.put_gateway_response(restApiId=api.id, responseType="DEFAULT_5XX",
                               responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"})
    api.deploy()
    r = http(api.url("/nothing"))
    assert r.status == 404 and r.headers["x-why"] == "no route"
    doc = r.json()
    assert doc == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN",
                   "id": r.headers["x-amzn-requestid"]}
    bad = http(api.url("/x?malformed=1"))
    assert (bad.status, bad.json()) == (502, {"message": "Internal server error"})
    assert bad.headers["access-control-allow-origin"] == "*"


def test_default_4xx_covers_other_types(new_api, apigw):
    api = new_api()
    api.method("/k", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
               responses={"200": {}}, apiKeyRequired=True)
    apigw.put_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX", statusCode="400",
                               responseTemplates={"application/json": '{"oops": "$context.error.message"}'})
    api.deploy()
    r = http(api.url("/k"))
    assert (r.status, r.json()) == (400, {"oops": "Forbidden"})


def test_changes_need_a_deployment(new_api, apigw, echo_arn):
    api = new_api()
    api.proxy("/x", echo_arn, "GET")
    api.deploy()
    apigw.put_gateway_response(restApiId=api.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404")
    assert http(api.url("/none")).status == 403
    api.deploy()
    assert http(api.url("/none")).status == 404


def test_management(new_api, apigw):
    api = new_api()
    default = apigw.get_gateway_response(restApiId=api.id, responseType="THROTTLED")
    assert default["defaultResponse"] is True and default["statusCode"] == "429"
    assert default["responseTemplates"] == {"application/json": '{"message":$context.error.messageString}'}
    everything = apigw.get_gateway_responses(restApiId=api.id)["items"]
    assert {r["responseType"] for r in everything} >= {"DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED"}
    assert "statusCode" not in next(r for r in everything if r["responseType"] == "DEFAULT_4XX")
    apigw.update_gateway_response(restApiId=api.id, responseType="UNAUTHORIZED", patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "418"},
        {"op": "add", "path": "/responseParameters/gatewayresponse.header.X-A", "value": "'b'"}])
    got = apigw.get_gateway_response(restApiId=api.id, responseType="UNAUTHORIZED")
    assert got["statusCode"] == "418" and got["defaultResponse"] is False
    assert got["responseParameters"] == {"gatewayresponse.header.X-A": "'b'"}
    apigw.delete_gateway_response(restApiId=api.id, responseType="UNAUTHORIZED")
    assert apigw.get_gateway_response(restApiId=api.id, responseType="UNAUTHORIZED")["statusCode"] == "401"
    with pytest.raises(ClientError) as exc:
        apigw.put_gateway_response(restApiId=api.id, responseType="NOT_A_TYPE")
    assert error_of(exc.value)[:2] == (400, "BadRequestException")
