"""The apigatewayv2 management API through boto3: APIs, routes, integrations, authorizers, stages,
deployments, tags — shapes, defaults, validation errors and AWS's not-found messages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.apigatewayv2.conftest import unique


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def test_api_lifecycle(gw, server):
    name = unique("api")
    api = gw.create_api(Name=name, ProtocolType="HTTP", Description="d", Tags={"team": "x"},
                        CorsConfiguration={"AllowOrigins": ["https://a.example"], "AllowHeaders": ["Content-Type"],
                                           "AllowMethods": ["get", "POST"], "MaxAge": 300})
    try:
        assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert len(api["ApiId"]) == 10 and api["ApiId"].isalnum()
        assert api["ApiEndpoint"] == f"http://{api['ApiId']}.execute-api.localhost:{server.port}"
        assert api["ProtocolType"] == "HTTP" and api["Name"] == name and api["Description"] == "d"
        assert api["RouteSelectionExpression"] == "$request.method $request.path"
        assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
        assert api["DisableExecuteApiEndpoint"] is False
        assert api["Tags"] == {"team": "x"}
        assert api["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"], "AllowHeaders": ["content-type"],
                                            "AllowMethods": ["GET", "POST"], "MaxAge": 300}
        got = gw.get_api(ApiId=api["ApiId"])
        assert got["CreatedDate"] == api["CreatedDate"] and got["Name"] == name
        assert api["ApiId"] in [a["ApiId"] for a in gw.get_apis()["Items"]]
        updated = gw.update_api(ApiId=api["ApiId"], Name="renamed", DisableExecuteApiEndpoint=True)
        assert updated["Name"] == "renamed" and updated["DisableExecuteApiEndpoint"] is True
        gw.delete_cors_configuration(ApiId=api["ApiId"])
        assert "CorsConfiguration" not in gw.get_api(ApiId=api["ApiId"])
    finally:
        gw.delete_api(ApiId=api["ApiId"])
    with pytest.raises(ClientError) as exc:
        gw.get_api(ApiId=api["ApiId"])
    assert error_of(exc) == (404, "NotFoundException", f"Invalid API identifier specified 000000000000:{api['ApiId']}")


def test_apis_are_per_region(gw, aws_client, make_api):
    api = make_api()
    other = aws_client("apigatewayv2", region="eu-west-1")
    assert api["ApiId"] not in [a["ApiId"] for a in other.get_apis()["Items"]]
    with pytest.raises(ClientError) as exc:
        other.get_api(ApiId=api["ApiId"])
    assert error_of(exc)[:2] == (404, "NotFoundException")


def test_websocket_and_bad_protocols_are_refused(gw):
    with pytest.raises(ClientError) as exc:
        gw.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    status, code, message = error_of(exc)
    assert (status, code) == (400, "BadRequestException") and "WebSocket" in message


def test_quick_create_makes_route_integration_and_auto_deployed_stage(gw, make_api, functions):
    api = make_api(Target=functions["echo"], RouteKey="GET /hello")
    api_id = api["ApiId"]
    [route] = gw.get_routes(ApiId=api_id)["Items"]
    [integration] = gw.get_integrations(ApiId=api_id)["Items"]
    [stage] = gw.get_stages(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "GET /hello" and route["ApiGatewayManaged"] is True
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == functions["echo"] and integration["TimeoutInMillis"] == 30000
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True and stage["DeploymentId"]
    [deployment] = gw.get_deployments(ApiId=api_id)["Items"]
    assert deployment["AutoDeployed"] is True and deployment["DeploymentStatus"] == "DEPLOYED"


def test_route_crud_and_validation(gw, make_api):
    api_id = make_api()["ApiId"]
    integration = gw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="GET",
                                        IntegrationUri="https://example.com/{proxy}", PayloadFormatVersion="1.0")
    route = gw.create_route(ApiId=api_id, RouteKey="GET /items/{id}",
                            Target=f"integrations/{integration['IntegrationId']}")
    assert route["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert route["AuthorizationType"] == "NONE" and route["ApiKeyRequired"] is False and len(route["RouteId"]) == 7
    assert gw.get_route(ApiId=api_id, RouteId=route["RouteId"])["RouteKey"] == "GET /items/{id}"
    assert gw.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="ANY /{proxy+}")["RouteKey"] == "ANY /{proxy+}"
    for bad in ("GET items", "FETCH /x", "GET /{proxy+}/more", "GET /a/{b"):
        with pytest.raises(ClientError) as exc:
            gw.create_route(ApiId=api_id, RouteKey=bad)
        assert error_of(exc)[:2] == (400, "BadRequestException"), bad
    with pytest.raises(ClientError) as exc:
        gw.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}")
    assert error_of(exc)[:2] == (409, "ConflictException")
    with pytest.raises(ClientError) as exc:
        gw.create_route(ApiId=api_id, RouteKey="GET /x", Target="integrations/nope123")
    assert error_of(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:
        gw.create_route(ApiId=api_id, RouteKey="GET /y", AuthorizationType="JWT")
    assert error_of(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:  # the integration is still a route's target
        gw.delete_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])
    assert error_of(exc)[:2] == (400, "BadRequestException")
    gw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    with pytest.raises(ClientError) as exc:
        gw.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert error_of(exc) == (404, "NotFoundException", f"Invalid Route identifier specified {route['RouteId']}")
    gw.delete_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])


def test_integration_defaults_and_validation(gw, make_api, functions):
    api_id = make_api()["ApiId"]
    lam = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", PayloadFormatVersion="2.0",
                                IntegrationUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                                               f"{functions['echo']}/invocations")
    assert lam["ConnectionType"] == "INTERNET" and lam["TimeoutInMillis"] == 30000
    assert lam["IntegrationMethod"] == "POST" and lam["PayloadFormatVersion"] == "2.0"
    http = gw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri="http://127.0.0.1:1/x",
                                 IntegrationMethod="ANY", PayloadFormatVersion="1.0", TimeoutInMillis=5000,
                                 RequestParameters={"append:header.x-a": "$context.requestId"},
                                 ResponseParameters={"404": {"overwrite:statuscode": "410"}})
    assert http["RequestParameters"] == {"append:header.x-a": "$context.requestId"}
    updated = gw.update_integration(ApiId=api_id, IntegrationId=http["IntegrationId"], TimeoutInMillis=50,
                                    RequestParameters={"append:header.x-a": "", "remove:querystring.q": "''"})
    assert updated["TimeoutInMillis"] == 50 and updated["RequestParameters"] == {"remove:querystring.q": "''"}
    bad_cases = [
        {"IntegrationType": "AWS", "IntegrationUri": functions["echo"]},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": functions["echo"], "PayloadFormatVersion": "3.0"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": functions["echo"], "PayloadFormatVersion": "2.0",
         "TimeoutInMillis": 30001},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "ftp://x", "IntegrationMethod": "GET"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "http://x", "IntegrationMethod": "GET",
         "RequestParameters": {"append:header.authorization": "x"}},
    ]
    for kw in bad_cases:
        with pytest.raises(ClientError) as exc:
            gw.create_integration(ApiId=api_id, **kw)
        assert error_of(exc)[:2] == (400, "BadRequestException"), kw
    with pytest.raises(ClientError) as exc:
        gw.get_integration(ApiId=api_id, IntegrationId="missing")
    assert error_of(exc) == (404, "NotFoundException", "Invalid Integration identifier specified missing")


def test_authorizers(gw, make_api, functions):
    api_id = make_api()["ApiId"]
    jwt = gw.create_authorizer(ApiId=api_id, AuthorizerType="JWT", Name="jwt",
                               IdentitySource=["$request.header.Authorization"],
                               JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["aud"]})
    assert jwt["JwtConfiguration"] == {"Issuer": "https://issuer.example", "Audience": ["aud"]}
    lam = gw.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="lam",
                               AuthorizerUri=functions["auth_simple"], AuthorizerPayloadFormatVersion="2.0",
                               IdentitySource=["$request.header.Authorization"], EnableSimpleResponses=True,
                               AuthorizerResultTtlInSeconds=60)
    assert lam["EnableSimpleResponses"] is True and lam["AuthorizerResultTtlInSeconds"] == 60
    assert {a["Name"] for a in gw.get_authorizers(ApiId=api_id)["Items"]} == {"jwt", "lam"}
    assert gw.update_authorizer(ApiId=api_id, AuthorizerId=lam["AuthorizerId"],
                                AuthorizerResultTtlInSeconds=0)["AuthorizerResultTtlInSeconds"] == 0
    header = ["$request.header.Authorization"]
    for kw in ({"AuthorizerType": "JWT", "IdentitySource": header},  # no issuer
               {"AuthorizerType": "REQUEST", "AuthorizerUri": functions["auth_simple"], "IdentitySource": header},
               {"AuthorizerType": "REQUEST", "AuthorizerUri": functions["auth_simple"], "IdentitySource": header,
                "AuthorizerPayloadFormatVersion": "1.0", "EnableSimpleResponses": True},
               {"AuthorizerType": "REQUEST", "AuthorizerUri": functions["auth_simple"], "IdentitySource": [],
                "AuthorizerPayloadFormatVersion": "2.0", "AuthorizerResultTtlInSeconds": 5},  # caching, no source
               {"AuthorizerType": "REQUEST", "AuthorizerUri": functions["auth_simple"],
                "AuthorizerPayloadFormatVersion": "2.0", "IdentitySource": ["header.x"]}):
        with pytest.raises(ClientError) as exc:
            gw.create_authorizer(ApiId=api_id, Name="bad", **kw)
        assert error_of(exc)[:2] == (400, "BadRequestException"), kw
    route = gw.create_route(ApiId=api_id, RouteKey="GET /x", AuthorizationType="JWT",
                            AuthorizerId=jwt["AuthorizerId"], AuthorizationScopes=["read"])
    assert route["AuthorizationScopes"] == ["read"]
    with pytest.raises(ClientError) as exc:  # a JWT authorizer cannot serve a CUSTOM route
        gw.create_route(ApiId=api_id, RouteKey="GET /y", AuthorizationType="CUSTOM", AuthorizerId=jwt["AuthorizerId"])
    assert error_of(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:  # still used by a route
        gw.delete_authorizer(ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])
    assert error_of(exc)[:2] == (400, "BadRequestException")
    gw.delete_authorizer(ApiId=api_id, AuthorizerId=lam["AuthorizerId"])
    with pytest.raises(ClientError) as exc:
        gw.get_authorizer(ApiId=api_id, AuthorizerId=lam["AuthorizerId"])
    assert error_of(exc)[:2] == (404, "NotFoundException")


def test_stages_and_deployments(gw, make_api, functions):
    api_id = make_api()["ApiId"]
    with pytest.raises(ClientError) as exc:  # nothing to deploy yet
        gw.create_deployment(ApiId=api_id)
    assert error_of(exc) == (400, "BadRequestException", "Unable to deploy API because no routes exist in this API")
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=functions["echo"],
                                        PayloadFormatVersion="2.0")
    gw.create_route(ApiId=api_id, RouteKey="GET /a", Target=f"integrations/{integration['IntegrationId']}")
    stage = gw.create_stage(ApiId=api_id, StageName="dev", StageVariables={"color": "blue"},
                            DefaultRouteSettings={"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 10.0},
                            RouteSettings={"GET /a": {"ThrottlingBurstLimit": 1}}, Tags={"s": "1"})
    assert stage["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert stage["AutoDeploy"] is False and "DeploymentId" not in stage
    assert stage["StageVariables"] == {"color": "blue"}
    assert stage["DefaultRouteSettings"] == {"DetailedMetricsEnabled": False, "ThrottlingBurstLimit": 5,
                                             "ThrottlingRateLimit": 10.0}
    assert stage["RouteSettings"]["GET /a"]["ThrottlingBurstLimit"] == 1
    deployment = gw.create_deployment(ApiId=api_id, StageName="dev", Description="first")
    assert deployment["AutoDeployed"] is False and deployment["Description"] == "first"
    got = gw.get_stage(ApiId=api_id, StageName="dev")
    assert got["DeploymentId"] == deployment["DeploymentId"]
    assert got["LastDeploymentStatusMessage"] == (
        f"Successfully deployed stage with deployment ID '{deployment['DeploymentId']}'")
    with pytest.raises(ClientError) as exc:  # in use by a stage
        gw.delete_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    assert error_of(exc)[:2] == (400, "BadRequestException")
    updated = gw.update_stage(ApiId=api_id, StageName="dev", StageVariables={"size": "L"}, Description="x",
                              AccessLogSettings={"DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:g",
                                                 "Format": "$context.requestId $context.status"})
    assert updated["StageVariables"] == {"color": "blue", "size": "L"} and updated["Description"] == "x"
    gw.delete_access_log_settings(ApiId=api_id, StageName="dev")
    gw.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /a")
    got = gw.get_stage(ApiId=api_id, StageName="dev")
    assert "AccessLogSettings" not in got and got["RouteSettings"] == {}
    with pytest.raises(ClientError) as exc:
        gw.update_stage(ApiId=api_id, StageName="dev", RouteSettings={"GET /nope": {"ThrottlingBurstLimit": 1}})
    assert error_of(exc)[:2] == (404, "NotFoundException")
    with pytest.raises(ClientError) as exc:
        gw.update_stage(ApiId=api_id, StageName="dev", AccessLogSettings={"DestinationArn": "arn:aws:s3:::b",
                                                                          "Format": "$context.requestId"})
    assert error_of(exc)[:2] == (400, "BadRequestException")
    with pytest.raises(ClientError) as exc:
        gw.create_stage(ApiId=api_id, StageName="dev")
    assert error_of(exc)[:2] == (409, "ConflictException")
    auto = gw.create_stage(ApiId=api_id, StageName="auto", AutoDeploy=True)
    assert auto["DeploymentId"]
    with pytest.raises(ClientError) as exc:  # auto-deploy stages take no manual deployments
        gw.create_deployment(ApiId=api_id, StageName="auto")
    assert error_of(exc)[:2] == (400, "BadRequestException")
    gw.create_route(ApiId=api_id, RouteKey="GET /b", Target=f"integrations/{integration['IntegrationId']}")
    assert gw.get_stage(ApiId=api_id, StageName="auto")["DeploymentId"] != auto["DeploymentId"]
    assert gw.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == deployment["DeploymentId"]
    gw.reset_authorizers_cache(ApiId=api_id, StageName="dev")
    gw.delete_stage(ApiId=api_id, StageName="dev")
    gw.delete_deployment(ApiId=api_id, DeploymentId=deployment["DeploymentId"])
    with pytest.raises(ClientError) as exc:
        gw.get_stage(ApiId=api_id, StageName="dev")
    assert error_of(exc)[:2] == (404, "NotFoundException")


def test_pagination(gw, make_api):
    api_id = make_api()["ApiId"]
    for i in range(5):
        gw.create_route(ApiId=api_id, RouteKey=f"GET /r{i}")
    first = gw.get_routes(ApiId=api_id, MaxResults="2")
    assert len(first["Items"]) == 2 and first["NextToken"]
    seen = [r["RouteKey"] for r in first["Items"]]
    token = first["NextToken"]
    while token:
        page = gw.get_routes(ApiId=api_id, MaxResults="2", NextToken=token)
        seen += [r["RouteKey"] for r in page["Items"]]
        token = page.get("NextToken")
    assert sorted(seen) == [f"GET /r{i}" for i in range(5)]
    paginated = [r for p in gw.get_paginator("get_routes").paginate(ApiId=api_id) for r in p["Items"]]
    assert len(paginated) == 5


def test_tags(gw, make_api, functions):
    api = make_api(Tags={"a": "1"}, Target=functions["echo"])
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api['ApiId']}"
    gw.tag_resource(ResourceArn=arn, Tags={"b": "2"})
    assert gw.get_tags(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    gw.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert gw.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    stage_arn = f"{arn}/stages/$default"
    gw.tag_resource(ResourceArn=stage_arn, Tags={"s": "x"})
    assert gw.get_stage(ApiId=api["ApiId"], StageName="$default")["Tags"] == {"s": "x"}
    with pytest.raises(ClientError) as exc:
        gw.get_tags(ResourceArn="arn:aws:apigateway:us-east-1::/apis/nope")
    assert error_of(exc)[:2] == (404, "NotFoundException")


def test_not_implemented_operations_say_so(gw, make_api):
    api_id = make_api()["ApiId"]
    with pytest.raises(ClientError) as exc:
        gw.get_models(ApiId=api_id)
    assert error_of(exc)[:2] == (501, "NotImplemented")
