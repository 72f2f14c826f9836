"""ImportApi, ReimportApi and ExportApi through the wire: an OpenAPI 3 definition with Lambda proxy
routes, a JWT authorizer and CORS imported and called over HTTP; the document SAM's
AWS::Serverless::HttpApi emits (YAML); a reimport replacing the routes under a live auto-deploy
stage; export → import round trips (JSON and YAML, with and without extensions, of a stage);
and the documents API Gateway refuses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.apigatewayv2.conftest import unique
from tests.apigw.jwks import Issuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture
def imported(gw) -> Iterator[Callable[..., dict]]:
    """``imported(body, **import_api_kwargs)``: ImportApi's answer; the API is deleted after the test."""
    made: list[str] = []

    def make(body: dict[str, Any] | str, **kw: Any) -> dict:
        api = gw.import_api(Body=body if isinstance(body, str) else json.dumps(body), **kw)
        made.append(api["ApiId"])
        return api

    yield make
    for api_id in made:
        try:
            gw.delete_api(ApiId=api_id)
        except ClientError:
            pass


def invocation_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def lambda_proxy(function_arn: str, version: str = "2.0") -> dict[str, Any]:
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": invocation_uri(function_arn),
            "payloadFormatVersion": version}


def route_table(gw, api_id: str) -> dict[str, dict]:
    return {r["RouteKey"]: r for r in gw.get_routes(ApiId=api_id)["Items"]}


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def test_import_serves_lambda_routes_with_jwt_and_cors(gw, imported, functions, call, issuer):
    echo = functions["echo"]
    doc = {
        "openapi": "3.0.1",
        "info": {"title": unique("imported"), "version": "2024-01-01", "description": "from OpenAPI"},
        "paths": {
            "/items/{id}": {"get": {"operationId": "getItem", "x-amazon-apigateway-integration": lambda_proxy(echo),
                                    "parameters": [{"name": "id", "in": "path", "required": True}]}},
            "/private": {"get": {"security": [{"my-jwt": ["orders:read"]}],
                                 "x-amazon-apigateway-integration": lambda_proxy(echo)}},
            "/legacy": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
                "type": "AWS_PROXY", "httpMethod": "POST", "uri": echo, "payloadFormatVersion": 1.0}}},
            "$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": lambda_proxy(echo)}},
        },
        "components": {"securitySchemes": {"my-jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {
            "type": "jwt", "identitySource": "$request.header.Authorization",
            "jwtConfiguration": {"issuer": issuer.url, "audience": ["my-app"]}}}}},
        "x-amazon-apigateway-cors": {"allowOrigins": ["https://app.example"], "allowMethods": ["GET", "post"],
                                     "allowHeaders": ["Content-Type"], "maxAge": 300},
        "tags": [{"name": "team", "x-amazon-apigateway-tag-value": "core"}, {"name": "draft"}],
        "x-amazon-apigateway-importexport-version": "1.0",
    }
    api = imported(doc)
    api_id = api["ApiId"]
    assert api["Name"] == doc["info"]["title"] and api["Version"] == "2024-01-01"
    assert api["Description"] == "from OpenAPI" and api["ProtocolType"] == "HTTP"
    assert api["ApiEndpoint"].startswith(f"http://{api_id}.execute-api.localhost:")
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
                                        "AllowHeaders": ["content-type"], "MaxAge": 300}
    assert api["Tags"] == {"team": "core", "draft": ""}
    assert "Warnings" not in api and "ImportInfo" not in api
    assert gw.get_api(ApiId=api_id)["Name"] == api["Name"]

    table = route_table(gw, api_id)
    assert set(table) == {"GET /items/{id}", "GET /private", "ANY /legacy", "$default"}
    assert table["GET /items/{id}"]["OperationName"] == "getItem"
    assert table["GET /items/{id}"]["AuthorizationType"] == "NONE"
    private = table["GET /private"]
    assert private["AuthorizationType"] == "JWT" and private["AuthorizationScopes"] == ["orders:read"]
    (authorizer,) = gw.get_authorizers(ApiId=api_id)["Items"]
    assert authorizer["AuthorizerId"] == private["AuthorizerId"]
    assert authorizer["Name"] == "my-jwt" and authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {"Issuer": issuer.url, "Audience": ["my-app"]}
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    integrations = {i["IntegrationId"]: i for i in gw.get_integrations(ApiId=api_id)["Items"]}
    assert len(integrations) == 4  # one per route, as the document gives each route its own
    legacy = integrations[table["ANY /legacy"]["Target"].split("/")[1]]
    assert legacy["IntegrationType"] == "AWS_PROXY" and legacy["PayloadFormatVersion"] == "1.0"
    assert legacy["IntegrationUri"] == echo and legacy["TimeoutInMillis"] == 30000

    assert call(api_id, "GET", "/items/42").status == 404  # imported, not yet deployed: no stage
    gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = call(api_id, "GET", "/items/42?x=1")
    assert reply.status == 200, reply.body
    event = reply.json()
    assert event["routeKey"] == "GET /items/{id}" and event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"x": "1"}
    assert call(api_id, "POST", "/legacy", body="{}").json()["version"] == "1.0"
    assert call(api_id, "DELETE", "/anything/else").json()["routeKey"] == "$default"

    assert call(api_id, "GET", "/private").status == 401
    assert call(api_id, "GET", "/private", headers={"Authorization": issuer.token(scope="profile")}).status == 403
    allowed = call(api_id, "GET", "/private", headers={"Authorization": f"Bearer {issuer.token(scope='orders:read')}"})
    assert allowed.status == 200, allowed.body
    assert allowed.json()["requestContext"]["authorizer"]["jwt"]["scopes"] == ["orders:read"]

    preflight = call(api_id, "OPTIONS", "/items/1", headers={"Origin": "https://app.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    cors = call(api_id, "GET", "/items/1", headers={"Origin": "https://app.example"})
    assert cors.headers["access-control-allow-origin"] == "https://app.example"


SAM_BODY = """
openapi: 3.0.1
info:
  version: '1.0'
  title: my-stack
paths:
  /items/{{id}}:
    get:
      x-amazon-apigateway-integration:
        httpMethod: POST
        type: aws_proxy
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations
        payloadFormatVersion: '2.0'
      security:
      - NONE: []
      parameters:
      - required: true
        name: id
        in: path
      responses: {{}}
  /guarded:
    post:
      x-amazon-apigateway-integration:
        httpMethod: POST
        type: aws_proxy
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations
        payloadFormatVersion: '2.0'
      security:
      - LambdaAuth: []
      responses: {{}}
  $default:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        httpMethod: POST
        type: aws_proxy
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations
        payloadFormatVersion: '2.0'
      isDefaultRoute: true
      responses: {{}}
tags:
- name: team
  x-amazon-apigateway-tag-value: core
- name: httpapi:createdBy
  x-amazon-apigateway-tag-value: SAM
components:
  securitySchemes:
    LambdaAuth:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth}/invocations
        identitySource:
        - $request.header.Authorization
        authorizerPayloadFormatVersion: '2.0'
        enableSimpleResponses: true
servers:
- x-amazon-apigateway-endpoint-configuration:
    disableExecuteApiEndpoint: false
"""


def test_sam_http_api_body_imports_and_serves(gw, imported, functions, call):
    """The Body of the AWS::ApiGatewayV2::Api that SAM's AWS::Serverless::HttpApi becomes (its
    Fn::Sub URIs resolved), as YAML, with the $default stage SAM adds."""
    api = imported(SAM_BODY.format(fn=functions["echo"], auth=functions["auth_simple"]))
    api_id = api["ApiId"]
    assert api["Name"] == "my-stack" and api["Tags"] == {"team": "core", "httpapi:createdBy": "SAM"}
    assert api["DisableExecuteApiEndpoint"] is False
    table = route_table(gw, api_id)
    assert set(table) == {"GET /items/{id}", "POST /guarded", "$default"}
    assert table["GET /items/{id}"]["AuthorizationType"] == "NONE"  # SAM's NONE: no authorizer
    assert table["POST /guarded"]["AuthorizationType"] == "CUSTOM"
    (authorizer,) = gw.get_authorizers(ApiId=api_id)["Items"]
    assert authorizer["AuthorizerType"] == "REQUEST" and authorizer["EnableSimpleResponses"] is True
    gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, Tags={"team": "core"})

    item = call(api_id, "GET", "/items/7")
    assert item.status == 200 and item.json()["pathParameters"] == {"id": "7"}
    assert call(api_id, "PUT", "/whatever").json()["routeKey"] == "$default"
    assert call(api_id, "POST", "/guarded", headers={"Authorization": "deny"}).status == 403
    guarded = call(api_id, "POST", "/guarded", headers={"Authorization": "allow"})
    assert guarded.status == 200 and guarded.json()["requestContext"]["authorizer"]["lambda"]["user"] == "alice"


def _doc(routes: dict[str, str], function_arn: str, title: str) -> dict[str, Any]:
    """A definition whose routes ("GET /a") all go to one function."""
    paths: dict[str, dict] = {}
    for key, operation_id in routes.items():
        method, path = key.split(" ")
        paths.setdefault(path, {})[method.lower()] = {"operationId": operation_id,
                                                     "x-amazon-apigateway-integration": lambda_proxy(function_arn)}
    return {"openapi": "3.0.1", "info": {"title": title, "version": "1"}, "paths": paths}


def test_reimport_replaces_routes_and_redeploys(gw, imported, functions, call):
    title = unique("reimport")
    api_id = imported(_doc({"GET /a": "a", "GET /b": "b"}, functions["echo"], title))["ApiId"]
    gw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True,
                    RouteSettings={"GET /a": {"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 5.0},
                                   "GET /b": {"ThrottlingBurstLimit": 7, "ThrottlingRateLimit": 7.0}})
    before = gw.get_stage(ApiId=api_id, StageName="prod")
    assert call(api_id, "GET", "/a", stage="prod").status == 200
    old_integrations = {i["IntegrationId"] for i in gw.get_integrations(ApiId=api_id)["Items"]}

    doc = _doc({"GET /b": "b2", "POST /c": "c"}, functions["echo"], title + "-v2")
    doc["x-amazon-apigateway-cors"] = {"allowOrigins": ["*"]}
    api = gw.reimport_api(ApiId=api_id, Body=json.dumps(doc))
    assert api["ApiId"] == api_id and api["Name"] == title + "-v2"
    assert api["CorsConfiguration"] == {"AllowOrigins": ["*"]}
    table = route_table(gw, api_id)
    assert set(table) == {"GET /b", "POST /c"} and table["GET /b"]["OperationName"] == "b2"
    new_integrations = {i["IntegrationId"] for i in gw.get_integrations(ApiId=api_id)["Items"]}
    assert len(new_integrations) == 2 and not new_integrations & old_integrations

    stage = gw.get_stage(ApiId=api_id, StageName="prod")  # the stage stays, redeployed
    assert stage["DeploymentId"] != before["DeploymentId"]
    assert set(stage["RouteSettings"]) == {"GET /b"}  # GET /a's settings went with the route
    assert call(api_id, "GET", "/a", stage="prod").status == 404
    reply = call(api_id, "POST", "/c", stage="prod", body="{}")
    assert reply.status == 200 and reply.json()["routeKey"] == "POST /c"

    # without CORS in the document the API has none again
    gw.reimport_api(ApiId=api_id, Body=json.dumps(_doc({"GET /d": "d"}, functions["echo"], title)))
    assert "CorsConfiguration" not in gw.get_api(ApiId=api_id)
    assert set(route_table(gw, api_id)) == {"GET /d"}

    with pytest.raises(ClientError) as excinfo:
        gw.reimport_api(ApiId="nosuchapi0", Body=json.dumps(doc))
    assert error_of(excinfo) == ("NotFoundException", "Invalid API identifier specified 000000000000:nosuchapi0")


def _parts(gw, api_id: str) -> dict[str, Any]:
    """What an API is made of, without its ids: routes with their integration and authorizer inlined."""
    integrations = {i["IntegrationId"]: i for i in gw.get_integrations(ApiId=api_id)["Items"]}
    authorizers = {a["AuthorizerId"]: a for a in gw.get_authorizers(ApiId=api_id)["Items"]}
    out = {}
    for key, route in route_table(gw, api_id).items():
        integration = dict(integrations[route["Target"].split("/")[1]])
        integration.pop("IntegrationId")
        authorizer = dict(authorizers.get(route.get("AuthorizerId"), {}))
        authorizer.pop("AuthorizerId", None)
        out[key] = {"auth": route["AuthorizationType"], "scopes": route.get("AuthorizationScopes"),
                    "operation": route.get("OperationName"), "integration": integration, "authorizer": authorizer}
    api = gw.get_api(ApiId=api_id)
    return {"routes": out, "cors": api.get("CorsConfiguration"), "tags": api.get("Tags"),
            "disabled": api["DisableExecuteApiEndpoint"]}


def test_export_round_trips(gw, make_api, imported, functions, http_backend, issuer):
    api_id = make_api(CorsConfiguration={"AllowOrigins": ["https://app.example"], "AllowCredentials": True,
                                         "ExposeHeaders": ["X-Id"]},
                      Tags={"team": "core"}, Version="3", Description="exported")["ApiId"]
    fn = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=functions["echo"],
                               PayloadFormatVersion="2.0", TimeoutInMillis=5000)["IntegrationId"]
    web = gw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri=f"{http_backend}/{{proxy}}",
                                IntegrationMethod="GET", PayloadFormatVersion="1.0",
                                RequestParameters={"append:header.x-from": "$context.requestId"},
                                ResponseParameters={"200": {"overwrite:header.x-done": "yes"}})["IntegrationId"]
    jwt = gw.create_authorizer(ApiId=api_id, AuthorizerType="JWT", Name="jwt", IdentitySource=[
        "$request.header.Authorization"], JwtConfiguration={"Issuer": issuer.url, "Audience": ["a", "b"]})
    lam = gw.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="lam", AuthorizerUri=invocation_uri(
        functions["auth_policy"]), AuthorizerPayloadFormatVersion="1.0", AuthorizerResultTtlInSeconds=60,
        IdentitySource=["$request.header.X-Token", "$request.querystring.who"])
    for key, target, auth in (
            ("GET /items/{id}", fn, {"OperationName": "getItem"}),
            ("POST /items", fn, {"AuthorizationType": "JWT", "AuthorizerId": jwt["AuthorizerId"],
                                 "AuthorizationScopes": ["items:write"]}),
            ("DELETE /items/{id}", fn, {"AuthorizationType": "CUSTOM", "AuthorizerId": lam["AuthorizerId"]}),
            ("PUT /admin", fn, {"AuthorizationType": "AWS_IAM"}),
            ("ANY /web/{proxy+}", web, {}),
            ("$default", fn, {})):
        gw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{target}", **auth)

    exported = gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read()
    doc = json.loads(exported)
    assert doc["openapi"] == "3.0.1" and doc["info"]["title"] == gw.get_api(ApiId=api_id)["Name"]
    assert doc["info"]["version"] == "3" and doc["x-amazon-apigateway-importexport-version"] == "1.0"
    assert doc["paths"]["/$default"]["x-amazon-apigateway-any-method"]["isDefaultRoute"] is True
    assert doc["paths"]["/items/{id}"]["get"]["parameters"][0]["name"] == "id"
    assert doc["paths"]["/items"]["post"]["security"] == [{"jwt": ["items:write"]}]
    assert doc["paths"]["/items"]["post"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert doc["paths"]["/admin"]["put"]["security"] == [{"sigv4": []}]
    assert doc["components"]["securitySchemes"]["lam"]["x-amazon-apigateway-authorizer"]["identitySource"] == (
        "$request.header.X-Token, $request.querystring.who")
    assert doc["tags"] == [{"name": "team", "x-amazon-apigateway-tag-value": "core"}]
    as_yaml = gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="YAML")["body"].read()
    assert yaml.safe_load(as_yaml) == doc

    original = _parts(gw, api_id)
    for body in (exported.decode(), as_yaml.decode()):
        copy = imported(body)
        assert "Warnings" not in copy and copy["Description"] == "exported"
        assert _parts(gw, copy["ApiId"]) == original

    bare = json.loads(gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON",
                                    IncludeExtensions=False)["body"].read())
    assert set(bare["paths"]) == set(doc["paths"])
    assert "x-amazon-apigateway-integration" not in json.dumps(bare)
    assert "x-amazon-apigateway-cors" not in bare and "tags" not in bare

    # a stage's export is its deployment: later changes are not in it
    gw.create_stage(ApiId=api_id, StageName="v1")
    with pytest.raises(ClientError) as excinfo:
        gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="v1")
    assert error_of(excinfo) == ("BadRequestException", "Stage v1 has no deployment to export")
    deployment = gw.create_deployment(ApiId=api_id)["DeploymentId"]
    gw.update_stage(ApiId=api_id, StageName="v1", DeploymentId=deployment)
    gw.create_route(ApiId=api_id, RouteKey="GET /later", Target=f"integrations/{fn}")
    staged = json.loads(gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON",
                                      StageName="v1")["body"].read())
    assert "/later" not in staged["paths"] and set(staged["paths"]) == set(doc["paths"])
    assert staged["servers"][0]["variables"]["basePath"]["default"] == "v1"
    latest = json.loads(gw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read())
    assert "/later" in latest["paths"]

    for kw, message in (({"Specification": "OAS20", "OutputType": "JSON"},
                         "Invalid specification: OAS20. OAS30 is the only supported value"),
                        ({"Specification": "OAS30", "OutputType": "XML"},
                         "Invalid output type: XML. Valid values are JSON and YAML"),
                        ({"Specification": "OAS30", "OutputType": "JSON", "StageName": "nope"},
                         "Invalid stage identifier specified nope")):
        with pytest.raises(ClientError) as excinfo:
            gw.export_api(ApiId=api_id, **kw)
        assert error_of(excinfo)[1] == message


def test_warnings_info_and_fail_on_warnings(gw, imported, functions):
    doc = _doc({"GET /ok": "ok"}, functions["echo"], unique("warn"))
    doc["paths"]["/rest"] = {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                                      "x-amazon-apigateway-integration": {"type": "aws", "httpMethod": "POST",
                                                                          "uri": functions["echo"]}}}
    doc["x-amazon-apigateway-binary-media-types"] = ["image/png"]
    with pytest.raises(ClientError) as excinfo:
        gw.import_api(Body=json.dumps(doc), FailOnWarnings=True)
    code, message = error_of(excinfo)
    assert code == "BadRequestException" and message.startswith("Warnings found during import:")
    assert "POST /rest: integration type aws is not supported for HTTP APIs" in message

    api = imported(doc)
    assert api["Warnings"] == [("POST /rest: integration type aws is not supported for HTTP APIs (aws_proxy or "
                                "http_proxy); the route was imported without an integration")]
    assert api["ImportInfo"] == ["POST /rest: requestBody is ignored; HTTP APIs do not validate requests",
                                 "x-amazon-apigateway-binary-media-types is a REST API extension; ignored"]
    table = route_table(gw, api["ApiId"])
    assert "Target" not in table["POST /rest"] and table["GET /ok"]["Target"].startswith("integrations/")
    assert gw.get_api(ApiId=api["ApiId"])["Warnings"] == api["Warnings"]


def test_base_path_modes_and_swagger(gw, imported, functions):
    swagger = {"swagger": "2.0", "info": {"title": unique("swagger")}, "basePath": "/v1/shop",
               "paths": {"/items": {"get": {"x-amazon-apigateway-integration": lambda_proxy(functions["echo"])}},
                         "/": {"get": {"security": [{"sig": []}],
                                       "x-amazon-apigateway-integration": lambda_proxy(functions["echo"])}}},
               "securityDefinitions": {"sig": {"type": "apiKey", "name": "Authorization", "in": "header",
                                               "x-amazon-apigateway-authtype": "awsSigv4"}}}
    ignored = route_table(gw, imported(swagger)["ApiId"])
    assert set(ignored) == {"GET /items", "GET /"} and ignored["GET /"]["AuthorizationType"] == "AWS_IAM"
    assert set(route_table(gw, imported(swagger, Basepath="prepend")["ApiId"])) == {"GET /v1/shop/items",
                                                                                      "GET /v1/shop"}
    assert set(route_table(gw, imported(swagger, Basepath="split")["ApiId"])) == {"GET /shop/items", "GET /shop"}
    oas3 = {"openapi": "3.0.1", "info": {"title": unique("servers")},
            "servers": [{"url": "https://example.com/{basePath}", "variables": {"basePath": {"default": "api/v2"}}}],
            "paths": {"/x": {"get": {"x-amazon-apigateway-integration": lambda_proxy(functions["echo"])}}}}
    assert set(route_table(gw, imported(oas3, Basepath="prepend")["ApiId"])) == {"GET /api/v2/x"}


def _spec(**extra: Any) -> str:
    return json.dumps({"openapi": "3.0.1", "info": {"title": "t"}, **extra})


def _one_route(**operation: Any) -> str:
    return _spec(paths={"/a": {"get": operation}})


NOT_OPENAPI = "Invalid OpenAPI input: the document is neither OpenAPI 3 nor Swagger 2 (JSON or YAML)"


@pytest.mark.parametrize(("body", "message"), [
    ("this is: [not", NOT_OPENAPI),
    ('{"info": {"title": "t"}}', NOT_OPENAPI),
    ('{"swagger": "2.0.0", "info": {"title": "t"}}',
     ("Invalid OpenAPI input: unsupported specification version 2.0.0. HTTP APIs import OpenAPI 3.0 (or Swagger "
      "2.0) definitions")),
    ('{"openapi": "3.0.1", "info": {}}', "Invalid OpenAPI input: info.title is required (it names the API)"),
    (_spec(**{"x-amazon-apigateway-importexport-version": "2.0"}),
     "Invalid x-amazon-apigateway-importexport-version: 2.0. The only supported version is 1.0"),
    (_one_route(security=[{"a": []}, {"b": []}]),
     "GET /a: a route takes one security requirement — IAM authorization, a Lambda authorizer or a JWT authorizer"),
    (_one_route(security=[{"nope": []}]), "GET /a: security scheme nope is not defined"),
    (_one_route(**{"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": {"Fn::Sub": "x"}}}),
     "GET /a: x-amazon-apigateway-integration.uri must be a string (a Lambda ARN or an http(s) URL)"),
    (_one_route(**{"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "http://x", "timeoutInMillis": 99999}}),
     "GET /a: Timeout must be between 50 milliseconds and 30 seconds."),
    (_one_route(**{"x-amazon-apigateway-integration": {"$ref": "#/components/x-amazon-apigateway-integrations/gone"}}),
     ("GET /a: x-amazon-apigateway-integration refers to #/components/x-amazon-apigateway-integrations/gone, which "
      "is not an integration of components.x-amazon-apigateway-integrations")),
    (_spec(paths={"/a b": {"get": {}}}),
     "Invalid route key path: '/a b'. A path starts with '/' and holds no spaces, empty segments or query string."),
    (_spec(components={"securitySchemes": {"j": {"x-amazon-apigateway-authorizer": {"type": "jwt"}}}}),
     "Security scheme j: JwtConfiguration.Issuer is required for JWT authorizers"),
])
def test_invalid_documents_are_refused(gw, body, message):
    with pytest.raises(ClientError) as excinfo:
        gw.import_api(Body=body)
    assert error_of(excinfo) == ("BadRequestException", message)


def test_shared_integrations_and_bad_basepath(gw, imported, functions):
    doc = {"openapi": "3.0.1", "info": {"title": unique("shared")},
           "paths": {p: {"get": {"x-amazon-apigateway-integration": {
               "$ref": "#/components/x-amazon-apigateway-integrations/fn"}}} for p in ("/one", "/two")},
           "components": {"x-amazon-apigateway-integrations": {"fn": lambda_proxy(functions["echo"])}}}
    api_id = imported(doc)["ApiId"]
    targets = {r["Target"] for r in route_table(gw, api_id).values()}
    assert len(targets) == 1 and len(gw.get_integrations(ApiId=api_id)["Items"]) == 1
    with pytest.raises(ClientError) as excinfo:
        gw.import_api(Body=json.dumps(doc), Basepath="sideways")
    assert error_of(excinfo) == ("BadRequestException",
                                 "Invalid basepath specified: sideways. Valid values are ignore, prepend, split")
