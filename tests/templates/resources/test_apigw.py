"""The API Gateway resource handlers (REST APIs and HTTP APIs), called directly over an in-process
squall: the resources SAM emits and hand-written ones, checked with boto3 and by calling the
deployed APIs over HTTP (MOCK integrations for REST APIs, HTTP_PROXY to squall's own health
endpoint for HTTP APIs — no functions needed)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from squall.templates.api import NeedsReplacement, ResourceFailed


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def mock(template: str) -> dict[str, Any]:
    """An x-amazon-apigateway-integration answering 200 with ``template``."""
    return {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}}}


def swagger(title: str, paths: dict[str, str]) -> dict[str, Any]:
    """A Swagger 2.0 REST API as SAM's DefinitionBody: GET methods answering MOCK templates."""
    return {"swagger": "2.0", "info": {"title": title, "version": "1.0"},
            "x-amazon-apigateway-binary-media-types": ["image/png"],
            "paths": {path: {"get": {"responses": {"200": {"description": "ok"}},
                                     "x-amazon-apigateway-integration": mock(template)}}
                      for path, template in paths.items()}}


@pytest.fixture
def rest_url(squall_server):
    return lambda api_id, stage, path: f"{squall_server.endpoint}/restapis/{api_id}/{stage}/_user_request_{path}"


# ---- REST APIs ---------------------------------------------------------------------------------------
def test_rest_api_written_by_hand(provision, client, rest_url):
    apigw = client("apigateway")
    api = provision("AWS::ApiGateway::RestApi", {"Name": "pets", "Description": "d", "BinaryMediaTypes": ["image/png"],
                                                 "Tags": [{"Key": "team", "Value": "a"}]}, logical_id="Api")
    api_id = api.ref_value
    described = apigw.get_rest_api(restApiId=api_id)
    assert api.attributes == {"RestApiId": api_id, "RootResourceId": described["rootResourceId"]}
    assert (described["name"], described["binaryMediaTypes"], described["tags"]) == ("pets", ["image/png"], {"team": "a"})

    pets = provision("AWS::ApiGateway::Resource", {"RestApiId": api_id, "ParentId": api.attributes["RootResourceId"],
                                                   "PathPart": "pets"}, logical_id="Pets")
    assert pets.attributes == {"ResourceId": pets.ref_value}
    method = {"RestApiId": api_id, "ResourceId": pets.ref_value, "HttpMethod": "get", "AuthorizationType": "NONE",
              "RequestParameters": {"method.request.querystring.kind": "false"},
              "MethodResponses": [{"StatusCode": 200, "ResponseParameters": {"method.response.header.X-Kind": True}}],
              "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                              "IntegrationResponses": [{
                                  "StatusCode": "200",
                                  "ResponseParameters": {"method.response.header.X-Kind": "'mock'"},
                                  "ResponseTemplates": {"application/json": '{"v": "$stageVariables.v"}'}}]}}
    made = provision("AWS::ApiGateway::Method", method, logical_id="GetPets")
    assert made.ref_value.startswith(provision.ctx.stack_name)
    deployment = provision("AWS::ApiGateway::Deployment", {
        "RestApiId": api_id, "Description": "first", "StageName": "test",
        "StageDescription": {"Variables": {"v": "V1"}, "MetricsEnabled": True, "TracingEnabled": True,
                             "MethodSettings": [{"ResourcePath": "/~1pets", "HttpMethod": "GET",
                                                 "ThrottlingRateLimit": 50}]}}, logical_id="Deploy")
    assert deployment.attributes == {"DeploymentId": deployment.ref_value}
    stage = apigw.get_stage(restApiId=api_id, stageName="test")
    assert (stage["deploymentId"], stage["variables"], stage["tracingEnabled"]) == (deployment.ref_value, {"v": "V1"},
                                                                                     True)
    assert stage["methodSettings"]["*/*"]["metricsEnabled"] is True
    assert stage["methodSettings"]["~1pets/GET"]["throttlingRateLimit"] == 50.0
    assert get(rest_url(api_id, "test", "/pets")) == (200, {"v": "V1"})

    provision.update("Deploy", {"RestApiId": api_id, "Description": "second", "StageName": "test",
                                "StageDescription": {"Variables": {"v": "V2"}}})
    assert apigw.get_deployment(restApiId=api_id, deploymentId=deployment.ref_value)["description"] == "second"
    stage = apigw.get_stage(restApiId=api_id, stageName="test")
    assert stage["variables"] == {"v": "V2"} and stage["methodSettings"]["*/*"]["metricsEnabled"] is False
    assert get(rest_url(api_id, "test", "/pets")) == (200, {"v": "V2"})

    provision.update("Api", {"Name": "pets2", "Tags": [{"Key": "team", "Value": "b"}]})
    described = apigw.get_rest_api(restApiId=api_id)
    assert (described["name"], described.get("description"), described.get("binaryMediaTypes"), described["tags"]) == (
        "pets2", None, None, {"team": "b"})
    with pytest.raises(NeedsReplacement):
        provision.update("Pets", {"RestApiId": api_id, "ParentId": api.attributes["RootResourceId"], "PathPart": "x"})

    provision.delete("Deploy")  # its stage goes with it
    assert "test" not in {s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]}


def test_rest_api_from_a_body_as_sam_emits_it(provision, client, rest_url):
    apigw = client("apigateway")
    body = swagger("from-body", {"/hello": '{"said": "hello"}'})
    api = provision("AWS::ApiGateway::RestApi", {"Name": "named-by-template", "Body": body,
                                                 "BinaryMediaTypes": ["application/pdf"],
                                                 "EndpointConfiguration": {"Types": ["REGIONAL"]}}, logical_id="Api")
    api_id = api.ref_value
    described = apigw.get_rest_api(restApiId=api_id)
    assert described["name"] == "named-by-template"  # the template's Name overrides the definition's title
    assert sorted(described["binaryMediaTypes"]) == ["application/pdf", "image/png"]
    assert described["endpointConfiguration"]["types"] == ["REGIONAL"]
    first = provision("AWS::ApiGateway::Deployment", {"RestApiId": api_id, "StageName": "Stage"}, logical_id="Dep1")
    provision("AWS::ApiGateway::Stage", {"RestApiId": api_id, "StageName": "Prod", "DeploymentId": first.ref_value,
                                         "Variables": {"a": "1"}, "TracingEnabled": "true"}, logical_id="Prod")
    assert get(rest_url(api_id, "Prod", "/hello")) == (200, {"said": "hello"})
    assert apigw.get_stage(restApiId=api_id, stageName="Prod")["variables"] == {"a": "1"}

    # a new definition: SAM gives the deployment a new logical id and points the stage at it
    provision.update("Api", {"Name": "named-by-template", "Body": swagger("from-body", {"/bye": '{"said": "bye"}'}),
                             "EndpointConfiguration": {"Types": ["REGIONAL"]}})
    paths = {r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    assert paths == {"/", "/bye"}
    assert apigw.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/png"]
    second = provision("AWS::ApiGateway::Deployment", {"RestApiId": api_id, "StageName": "Stage"}, logical_id="Dep2")
    provision.update("Prod", {"RestApiId": api_id, "StageName": "Prod", "DeploymentId": second.ref_value})
    provision.delete("Dep1")  # "Stage" serves the new deployment now: it stays
    assert apigw.get_stage(restApiId=api_id, stageName="Stage")["deploymentId"] == second.ref_value
    assert get(rest_url(api_id, "Prod", "/bye")) == (200, {"said": "bye"})
    assert get(rest_url(api_id, "Prod", "/hello"))[0] in (403, 404)
    prod = apigw.get_stage(restApiId=api_id, stageName="Prod")
    assert prod.get("variables", {}) == {} and not prod.get("tracingEnabled")
    with pytest.raises(NeedsReplacement):
        provision.update("Prod", {"RestApiId": api_id, "StageName": "Other", "DeploymentId": second.ref_value})


def test_definitions_read_from_s3(provision, client, squall_server, rest_url, call_http_api):
    s3 = client("s3")
    bucket = provision("AWS::S3::Bucket", {}, logical_id="Artifacts")
    s3.put_object(Bucket=bucket.ref_value, Key="rest.json", Body=json.dumps(swagger("s3", {"/s3": '{"from": "s3"}'})))
    health = f"{squall_server.endpoint}/_squall/health"
    s3.put_object(Bucket=bucket.ref_value, Key="http.json", Body=json.dumps(openapi("s3", {"GET /up": ""}, health)))
    rest = provision("AWS::ApiGateway::RestApi", {"BodyS3Location": {"Bucket": bucket.ref_value, "Key": "rest.json"}})
    provision("AWS::ApiGateway::Deployment", {"RestApiId": rest.ref_value, "StageName": "v1"})
    assert get(rest_url(rest.ref_value, "v1", "/s3")) == (200, {"from": "s3"})
    http_api = provision("AWS::ApiGatewayV2::Api", {"BodyS3Location": {"Bucket": bucket.ref_value, "Key": "http.json"}})
    provision("AWS::ApiGatewayV2::Stage", {"ApiId": http_api.ref_value, "StageName": "$default", "AutoDeploy": "true"})
    assert call_http_api(http_api.attributes["ApiEndpoint"], "/up")[0] == 200
    for key in ("rest.json", "http.json"):  # the bucket is deleted at the end of the test
        s3.delete_object(Bucket=bucket.ref_value, Key=key)


def test_method_updates_in_place_or_is_replaced(provision, client, rest_url):
    apigw = client("apigateway")
    api = provision("AWS::ApiGateway::RestApi", {"Name": "m"}, logical_id="Api")
    root = api.attributes["RootResourceId"]
    props = {"RestApiId": api.ref_value, "ResourceId": root, "HttpMethod": "GET",
             "MethodResponses": [{"StatusCode": "200"}],
             "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                             "IntegrationResponses": [{"StatusCode": "200", "ResponseTemplates": {
                                 "application/json": '{"n": 1}'}}]}}
    made = provision("AWS::ApiGateway::Method", props, logical_id="M")
    changed = json.loads(json.dumps(props))
    changed["Integration"]["IntegrationResponses"][0]["ResponseTemplates"]["application/json"] = '{"n": 2}'
    changed["ApiKeyRequired"] = False
    assert provision.update("M", changed).physical_id == made.physical_id
    integration = apigw.get_integration(restApiId=api.ref_value, resourceId=root, httpMethod="GET")
    assert integration["integrationResponses"]["200"]["responseTemplates"] == {"application/json": '{"n": 2}'}
    provision("AWS::ApiGateway::Deployment", {"RestApiId": api.ref_value, "StageName": "s"}, logical_id="D")
    assert get(rest_url(api.ref_value, "s", "/")) == (200, {"n": 2})
    with pytest.raises(NeedsReplacement):
        provision.update("M", {**changed, "HttpMethod": "POST"})


def test_authorizer_model_and_validator(provision, client):
    apigw = client("apigateway")
    api = provision("AWS::ApiGateway::RestApi", {"Name": "parts"}, logical_id="Api")
    api_id = api.ref_value
    uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")
    auth = provision("AWS::ApiGateway::Authorizer", {
        "RestApiId": api_id, "Name": "tok", "Type": "TOKEN", "AuthorizerUri": uri,
        "IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": "60"}, logical_id="Auth")
    assert auth.attributes == {"AuthorizerId": auth.ref_value}
    provision.update("Auth", {"RestApiId": api_id, "Name": "tok2", "Type": "TOKEN", "AuthorizerUri": uri,
                              "IdentitySource": "method.request.header.X-Token"})
    found = apigw.get_authorizer(restApiId=api_id, authorizerId=auth.ref_value)
    assert (found["name"], found["identitySource"], found.get("authorizerResultTtlInSeconds")) == (
        "tok2", "method.request.header.X-Token", None)

    model = provision("AWS::ApiGateway::Model", {"RestApiId": api_id, "ContentType": "application/json",
                                                 "Schema": {"type": "object"}}, logical_id="Pet")
    assert model.ref_value.isalnum()
    provision.update("Pet", {"RestApiId": api_id, "ContentType": "application/json", "Description": "a pet",
                             "Schema": {"type": "array"}})
    found = apigw.get_model(restApiId=api_id, modelName=model.ref_value)
    assert (json.loads(found["schema"]), found["description"]) == ({"type": "array"}, "a pet")
    with pytest.raises(NeedsReplacement):
        provision.update("Pet", {"RestApiId": api_id, "Name": "Other", "Schema": {}})

    validator = provision("AWS::ApiGateway::RequestValidator", {"RestApiId": api_id, "Name": "body",
                                                                "ValidateRequestBody": True}, logical_id="V")
    assert validator.attributes == {"RequestValidatorId": validator.ref_value}
    provision.update("V", {"RestApiId": api_id, "Name": "body", "ValidateRequestParameters": "true"})
    found = apigw.get_request_validator(restApiId=api_id, requestValidatorId=validator.ref_value)
    assert (found["validateRequestBody"], found["validateRequestParameters"]) == (False, True)


def test_api_keys_usage_plans_and_gateway_responses(provision, client, rest_url):
    apigw = client("apigateway")
    body = swagger("keys", {"/paid": '{"paid": true}'})
    body["paths"]["/paid"]["get"]["security"] = [{"api_key": []}]
    body["securityDefinitions"] = {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
    api = provision("AWS::ApiGateway::RestApi", {"Body": body}, logical_id="Api")
    api_id = api.ref_value
    provision("AWS::ApiGateway::Deployment", {"RestApiId": api_id, "StageName": "live"}, logical_id="D")
    key = provision("AWS::ApiGateway::ApiKey", {"Enabled": True, "Value": "k" * 24, "Description": "d",
                                                "Tags": [{"Key": "a", "Value": "1"}]}, logical_id="Key")
    assert key.attributes == {"APIKeyId": key.ref_value}
    plan = provision("AWS::ApiGateway::UsagePlan", {
        "ApiStages": [{"ApiId": api_id, "Stage": "live"}], "Throttle": {"BurstLimit": 10, "RateLimit": 5},
        "Quota": {"Limit": 1000, "Period": "DAY"}}, logical_id="Plan")
    assert plan.attributes == {"Id": plan.ref_value}
    plan_key = provision("AWS::ApiGateway::UsagePlanKey", {"KeyId": key.ref_value, "KeyType": "API_KEY",
                                                           "UsagePlanId": plan.ref_value}, logical_id="PK")
    assert plan_key.ref_value == plan_key.attributes["Id"] == f"{key.ref_value}:{plan.ref_value}"
    assert get(rest_url(api_id, "live", "/paid"))[0] == 403
    assert get(rest_url(api_id, "live", "/paid"), {"x-api-key": "k" * 24}) == (200, {"paid": True})

    provision.update("Plan", {"UsagePlanName": "gold", "ApiStages": [{"ApiId": api_id, "Stage": "live"}],
                              "Throttle": {"BurstLimit": 20, "RateLimit": 5}})
    found = apigw.get_usage_plan(usagePlanId=plan.ref_value)
    assert (found["name"], found["throttle"]["burstLimit"], found.get("quota")) == ("gold", 20, None)
    provision.update("Key", {"Enabled": False, "Value": "k" * 24})
    found = apigw.get_api_key(apiKey=key.ref_value)
    assert (found["enabled"], found.get("description"), found.get("tags") or {}) == (False, None, {})
    with pytest.raises(NeedsReplacement):
        provision.update("Key", {"Enabled": False, "Value": "v" * 24})

    provision("AWS::ApiGateway::GatewayResponse", {
        "RestApiId": api_id, "ResponseType": "MISSING_AUTHENTICATION_TOKEN", "StatusCode": "404",
        "ResponseTemplates": {"application/json": '{"message": "nothing here"}'}}, logical_id="NotFound")
    found = apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert (found["statusCode"], found["defaultResponse"]) == ("404", False)
    provision.delete("NotFound")
    assert apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")["defaultResponse"]


def test_account_and_custom_domains(provision, client):
    role = "arn:aws:iam::000000000000:role/apigw-logs"
    account = provision("AWS::ApiGateway::Account", {"CloudWatchRoleArn": role}, logical_id="Account")
    assert account.attributes == {"Id": account.ref_value}
    assert client("apigateway").get_account()["cloudwatchRoleArn"] == role
    for kind in ("AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
                 "AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping"):
        with pytest.raises(ResourceFailed, match="Custom domains are not supported by squall"):
            provision(kind, {"DomainName": "api.example.com"})


# ---- HTTP APIs ---------------------------------------------------------------------------------------
def openapi(title: str, routes: dict[str, str], health: str) -> dict[str, Any]:
    """An OpenAPI 3 HTTP API as SAM emits for AWS::Serverless::HttpApi: routes proxied to ``health``."""
    integration = {"type": "http_proxy", "httpMethod": "GET", "uri": health, "payloadFormatVersion": "1.0"}
    paths: dict[str, Any] = {}
    for route in routes:
        method, path = route.split(" ", 1)
        paths.setdefault(path, {})[method.lower()] = {"x-amazon-apigateway-integration": integration,
                                                      "responses": {}}
    return {"openapi": "3.0.1", "info": {"title": title, "version": "1.0"}, "paths": paths}


@pytest.fixture
def call_http_api(squall_server):
    def call(endpoint: str, path: str) -> tuple[int, Any]:
        host = urllib.parse.urlsplit(endpoint).netloc
        return get(f"{squall_server.endpoint}{path}", {"Host": host})

    return call


def test_http_api_from_a_body_as_sam_emits_it(provision, client, squall_server, call_http_api):
    apigw = client("apigatewayv2")
    health = f"{squall_server.endpoint}/_squall/health"
    api = provision("AWS::ApiGatewayV2::Api", {
        "Body": openapi("from-body", {"GET /health": ""}, health), "Name": "override",
        "CorsConfiguration": {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"]},
        "Tags": {"team": "a"}}, logical_id="HttpApi")
    api_id = api.ref_value
    assert api.attributes["ApiId"] == api_id
    assert api.attributes["ApiEndpoint"] == apigw.get_api(ApiId=api_id)["ApiEndpoint"]
    described = apigw.get_api(ApiId=api_id)
    assert (described["Name"], described["CorsConfiguration"]["AllowOrigins"], described["Tags"]) == (
        "override", ["https://example.com"], {"team": "a"})
    stage = provision("AWS::ApiGatewayV2::Stage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True,
                                                   "StageVariables": {"a": "1"}}, logical_id="Default")
    assert stage.ref_value == "$default"
    status, answer = call_http_api(api.attributes["ApiEndpoint"], "/health")
    assert (status, answer["status"]) == (200, "ok")

    provision.update("HttpApi", {"Body": openapi("from-body", {"GET /other": ""}, health), "Tags": {"team": "b"}})
    described = apigw.get_api(ApiId=api_id)
    assert described["Name"] == "from-body" and "CorsConfiguration" not in described
    assert described["Tags"] == {"team": "b"}
    assert {r["RouteKey"] for r in apigw.get_routes(ApiId=api_id)["Items"]} == {"GET /other"}
    assert call_http_api(api.attributes["ApiEndpoint"], "/other")[0] == 200  # auto-deployed
    assert call_http_api(api.attributes["ApiEndpoint"], "/health")[0] == 404

    provision.update("Default", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True,
                                 "StageVariables": {"b": "2"}})
    assert apigw.get_stage(ApiId=api_id, StageName="$default")["StageVariables"] == {"b": "2"}
    with pytest.raises(NeedsReplacement):
        provision.update("HttpApi", {"Body": openapi("x", {}, health), "ProtocolType": "WEBSOCKET"})


def test_http_api_written_by_hand(provision, client, squall_server, call_http_api):
    apigw = client("apigatewayv2")
    api = provision("AWS::ApiGatewayV2::Api", {"Name": "by-hand", "ProtocolType": "HTTP", "Description": "d"},
                    logical_id="Api")
    api_id = api.ref_value
    integration = provision("AWS::ApiGatewayV2::Integration", {
        "ApiId": api_id, "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "GET",
        "IntegrationUri": f"{squall_server.endpoint}/_squall/health", "PayloadFormatVersion": "1.0",
        "TimeoutInMillis": "5000",
        "ResponseParameters": {"200": {"ResponseParameters": [{"Destination": "overwrite:header.x-from",
                                                              "Source": "squall"}]}}}, logical_id="Health")
    assert integration.attributes == {"IntegrationId": integration.ref_value}
    found = apigw.get_integration(ApiId=api_id, IntegrationId=integration.ref_value)
    assert found["ResponseParameters"] == {"200": {"overwrite:header.x-from": "squall"}}
    authorizer = provision("AWS::ApiGatewayV2::Authorizer", {
        "ApiId": api_id, "AuthorizerType": "JWT", "Name": "jwt", "IdentitySource": ["$request.header.Authorization"],
        "JwtConfiguration": {"Issuer": "https://issuer.example.com", "Audience": ["a"]}}, logical_id="Jwt")
    assert authorizer.attributes == {"AuthorizerId": authorizer.ref_value}
    route = provision("AWS::ApiGatewayV2::Route", {"ApiId": api_id, "RouteKey": "GET /health",
                                                   "Target": f"integrations/{integration.ref_value}"}, logical_id="R")
    assert route.attributes == {"RouteId": route.ref_value}
    logs = "arn:aws:logs:us-east-1:000000000000:log-group:/squall/access"
    dev = {"ApiId": api_id, "StageName": "dev", "Description": "development",
           "AccessLogSettings": {"DestinationArn": logs, "Format": "$context.requestId $context.status"},
           "DefaultRouteSettings": {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50},
           "RouteSettings": {"GET /health": {"ThrottlingBurstLimit": 10}}, "Tags": {"env": "dev"}}
    provision("AWS::ApiGatewayV2::Stage", dev, logical_id="Dev")
    found = apigw.get_stage(ApiId=api_id, StageName="dev")
    assert (found["AccessLogSettings"]["DestinationArn"], found["DefaultRouteSettings"]["ThrottlingRateLimit"],
            found["RouteSettings"]["GET /health"]["ThrottlingBurstLimit"], found["Tags"]) == (logs, 50, 10, {"env": "dev"})
    deployment = provision("AWS::ApiGatewayV2::Deployment", {"ApiId": api_id, "StageName": "dev"}, logical_id="Dep")
    assert deployment.attributes == {"DeploymentId": deployment.ref_value}
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == deployment.ref_value
    status, answer = call_http_api(api.attributes["ApiEndpoint"], "/dev/health")
    assert (status, answer["status"]) == (200, "ok")

    provision.update("Dev", {"ApiId": api_id, "StageName": "dev", "StageVariables": {"v": "1"}})
    found = apigw.get_stage(ApiId=api_id, StageName="dev")
    assert "AccessLogSettings" not in found and found["RouteSettings"] == {} and found.get("Tags") == {}
    assert (found["StageVariables"], found.get("Description") or "") == ({"v": "1"}, "")
    assert found["DeploymentId"] == deployment.ref_value  # the Deployment resource's StageName pointed it there

    provision.update("R", {"ApiId": api_id, "RouteKey": "GET /status", "Target": f"integrations/{integration.ref_value}",
                           "AuthorizationType": "JWT", "AuthorizerId": authorizer.ref_value})
    found = apigw.get_route(ApiId=api_id, RouteId=route.ref_value)
    assert (found["RouteKey"], found["AuthorizationType"]) == ("GET /status", "JWT")
    provision.update("Api", {"Name": "renamed", "ProtocolType": "HTTP"})
    described = apigw.get_api(ApiId=api_id)
    assert (described["Name"], described.get("Description") or "") == ("renamed", "")
    with pytest.raises(NeedsReplacement):
        provision.update("R", {"ApiId": "other", "RouteKey": "GET /x"})


def test_http_api_quick_create_and_refusals(provision, squall_server, call_http_api):
    api = provision("AWS::ApiGatewayV2::Api", {"Name": "quick", "ProtocolType": "HTTP", "RouteKey": "GET /h",
                                               "Target": f"{squall_server.endpoint}/_squall/health"}, logical_id="Q")
    assert call_http_api(api.attributes["ApiEndpoint"], "/h")[0] == 200
    with pytest.raises(ResourceFailed, match="WebSocket APIs are not supported by squall yet"):
        provision("AWS::ApiGatewayV2::Api", {"Name": "ws", "ProtocolType": "WEBSOCKET",
                                             "RouteSelectionExpression": "$request.body.action"})
    with pytest.raises(ResourceFailed, match="WebSocket"):
        provision("AWS::ApiGatewayV2::RouteResponse", {"ApiId": api.ref_value, "RouteId": "r",
                                                       "RouteResponseKey": "$default"})


# ---- SAM's shapes with a function behind them ---------------------------------------------------------
ECHO = ("import json\n\ndef handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps({'path': event.get('rawPath') or event.get('path'),"
        " 'version': event.get('version', '1.0')})}\n")


def test_lambda_proxy_apis_as_sam_emits_them(provision, client):
    fn = provision("AWS::Lambda::Function", {"Runtime": "python3.12", "Handler": "index.handler",
                                             "Role": "arn:aws:iam::000000000000:role/r", "Code": {"ZipFile": ECHO}},
                   logical_id="EchoFunction")
    fn_arn = fn.attributes["Arn"]
    provision("AWS::Lambda::Permission", {"FunctionName": fn.ref_value, "Action": "lambda:InvokeFunction",
                                          "Principal": "apigateway.amazonaws.com"}, logical_id="EchoPermission")
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn_arn}/invocations"
    proxy = {"type": "aws_proxy", "httpMethod": "POST", "uri": uri}
    rest = provision("AWS::ApiGateway::RestApi", {"Body": {
        "swagger": "2.0", "info": {"title": "sam-rest", "version": "1.0"},
        "paths": {"/echo": {"get": {"x-amazon-apigateway-integration": proxy, "responses": {}}}}}},
        logical_id="ServerlessRestApi")
    deployment = provision("AWS::ApiGateway::Deployment", {"RestApiId": rest.ref_value, "StageName": "Stage",
                                                          "Description": "RestApi deployment"},
                           logical_id="ServerlessRestApiDeploymentabc123")
    provision("AWS::ApiGateway::Stage", {"RestApiId": rest.ref_value, "StageName": "Prod",
                                         "DeploymentId": deployment.ref_value}, logical_id="ServerlessRestApiProdStage")
    endpoint = client("apigateway").meta.endpoint_url
    assert get(f"{endpoint}/restapis/{rest.ref_value}/Prod/_user_request_/echo") == (200, {"path": "/echo",
                                                                                        "version": "1.0"})

    http_api = provision("AWS::ApiGatewayV2::Api", {"Body": {
        "openapi": "3.0.1", "info": {"title": "sam-http", "version": "1.0"},
        "paths": {"/echo": {"get": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri, "payloadFormatVersion": "2.0"},
            "responses": {}}}}}}, logical_id="ServerlessHttpApi")
    provision("AWS::ApiGatewayV2::Stage", {"ApiId": http_api.ref_value, "StageName": "$default", "AutoDeploy": True},
              logical_id="ServerlessHttpApiApiGatewayDefaultStage")
    host = urllib.parse.urlsplit(http_api.attributes["ApiEndpoint"]).netloc
    assert get(f"{endpoint}/echo", {"Host": host}) == (200, {"path": "/echo", "version": "2.0"})
