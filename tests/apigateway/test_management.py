"""The management API through boto3: REST APIs, resources, methods, integrations,
deployments, stages, models, validators, authorizers, API keys, usage plans, tags — their
shapes, PATCH semantics and API Gateway's errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.apigateway.conftest import error_of, unique

MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def _fails(status: int, code: str, fn, *args, **kw) -> str:
    with pytest.raises(ClientError) as exc:
        fn(*args, **kw)
    got = error_of(exc.value)
    assert got[:2] == (status, code), got
    return got[2]


def test_rest_api_lifecycle(apigw):
    created = apigw.create_rest_api(name=unique("api"), description="d", binaryMediaTypes=["image/png"],
                                    endpointConfiguration={"types": ["REGIONAL"]}, apiKeySource="AUTHORIZER",
                                    tags={"team": "a"})
    api_id = created["id"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["endpointConfiguration"]["types"] == ["REGIONAL"] and created["apiKeySource"] == "AUTHORIZER"
    assert created["rootResourceId"] and created["tags"] == {"team": "a"} and created["createdDate"]
    assert api_id in {a["id"] for a in apigw.get_rest_apis(limit=500)["items"]}
    updated = apigw.update_rest_api(restApiId=api_id, patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/binaryMediaTypes/application~1pdf"},
        {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
        {"op": "replace", "path": "/minimumCompressionSize", "value": "1024"}])
    assert updated["name"] == "renamed" and updated["binaryMediaTypes"] == ["application/pdf"]
    assert updated["minimumCompressionSize"] == 1024
    assert "Invalid patch path" in _fails(400, "BadRequestException", apigw.update_rest_api, restApiId=api_id,
                                          patchOperations=[{"op": "replace", "path": "/nope", "value": "x"}])
    models = {m["name"] for m in apigw.get_models(restApiId=api_id)["items"]}
    assert models == {"Empty", "Error"}
    apigw.delete_rest_api(restApiId=api_id)
    assert _fails(404, "NotFoundException", apigw.get_rest_api, restApiId=api_id) == \
        f"Invalid API identifier specified 000000000000:{api_id}"


def test_clone_from(new_api, apigw):
    source = new_api(binaryMediaTypes=["image/png"])
    source.method("/a/{b}", "GET", MOCK, responses={"200": {}})
    clone = apigw.create_rest_api(name=unique("clone"), cloneFrom=source.id)
    try:
        resources = apigw.get_resources(restApiId=clone["id"], embed=["methods"])["items"]
        assert {r["path"] for r in resources} == {"/", "/a", "/a/{b}"}
        assert next(r for r in resources if r["path"] == "/a")["parentId"] == clone["rootResourceId"]
        assert clone["binaryMediaTypes"] == ["image/png"]
    finally:
        apigw.delete_rest_api(restApiId=clone["id"])


def test_resources(new_api, apigw):
    api = new_api()
    items = api.resource("/items")
    item = api.resource("/items/{id}")
    got = apigw.get_resource(restApiId=api.id, resourceId=item)
    assert (got["path"], got["pathPart"], got["parentId"]) == ("/items/{id}", "{id}", items)
    _fails(409, "ConflictException", apigw.create_resource, restApiId=api.id, parentId=api.root, pathPart="items")
    _fails(400, "BadRequestException", apigw.create_resource, restApiId=api.id, parentId=items, pathPart="{other}")
    greedy = api.resource("/files/{proxy+}")
    _fails(400, "BadRequestException", apigw.create_resource, restApiId=api.id, parentId=greedy, pathPart="x")
    moved = apigw.update_resource(restApiId=api.id, resourceId=items, patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "things"}])
    assert moved["path"] == "/things"
    assert apigw.get_resource(restApiId=api.id, resourceId=item)["path"] == "/things/{id}"
    apigw.delete_resource(restApiId=api.id, resourceId=items)
    paths = {r["path"] for r in apigw.get_resources(restApiId=api.id)["items"]}
    assert paths == {"/", "/files", "/files/{proxy+}"}
    _fails(400, "BadRequestException", apigw.delete_resource, restApiId=api.id, resourceId=api.root)
    _fails(404, "NotFoundException", apigw.get_resource, restApiId=api.id, resourceId="nope00")


def test_methods_and_integrations(new_api, apigw):
    api = new_api()
    rid = api.resource("/m")
    method = apigw.put_method(restApiId=api.id, resourceId=rid, httpMethod="GET", authorizationType="NONE",
                              apiKeyRequired=True, requestParameters={"method.request.querystring.q": True})
    assert method["apiKeyRequired"] is True and method["httpMethod"] == "GET"
    _fails(409, "ConflictException", apigw.put_method, restApiId=api.id, resourceId=rid, httpMethod="GET",
           authorizationType="NONE")
    _fails(400, "BadRequestException", apigw.put_method, restApiId=api.id, resourceId=rid, httpMethod="POST",
           authorizationType="CUSTOM", authorizerId="nope00")
    _fails(400, "BadRequestException", apigw.put_method, restApiId=api.id, resourceId=rid, httpMethod="BREW",
           authorizationType="NONE")
    _fails(400, "BadRequestException", apigw.put_integration, restApiId=api.id, resourceId=rid, httpMethod="GET",
           type="HTTP", integrationHttpMethod="GET", uri="http://x", timeoutInMillis=30000)
    integration = apigw.put_integration(restApiId=api.id, resourceId=rid, httpMethod="GET", **MOCK)
    assert integration["timeoutInMillis"] == 29000 and integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    _fails(404, "NotFoundException", apigw.put_integration_response, restApiId=api.id, resourceId=rid,
           httpMethod="GET", statusCode="200")
    apigw.put_method_response(restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="200",
                              responseParameters={"method.response.header.X": False})
    apigw.put_integration_response(restApiId=api.id, resourceId=rid, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": "{}"})
    patched = apigw.update_integration(restApiId=api.id, resourceId=rid, httpMethod="GET", patchOperations=[
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": "x"},
        {"op": "replace", "path": "/timeoutInMillis", "value": "1000"}])
    assert patched["requestTemplates"]["text/plain"] == "x" and patched["timeoutInMillis"] == 1000
    updated = apigw.update_method(restApiId=api.id, resourceId=rid, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "false"},
        {"op": "add", "path": "/requestParameters/method.request.header.X-A", "value": "true"}])
    assert updated["apiKeyRequired"] is False
    assert updated["requestParameters"] == {"method.request.querystring.q": True, "method.request.header.X-A": True}
    full = apigw.get_method(restApiId=api.id, resourceId=rid, httpMethod="GET")
    assert full["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"] == {"application/json": "{}"}
    assert full["methodResponses"]["200"]["responseParameters"] == {"method.response.header.X": False}
    embedded = apigw.get_resources(restApiId=api.id, embed=["methods"])["items"]
    assert next(r for r in embedded if r["id"] == rid)["resourceMethods"]["GET"]["methodIntegration"]["type"] == "MOCK"
    apigw.delete_integration(restApiId=api.id, resourceId=rid, httpMethod="GET")
    _fails(404, "NotFoundException", apigw.get_integration, restApiId=api.id, resourceId=rid, httpMethod="GET")
    apigw.delete_method(restApiId=api.id, resourceId=rid, httpMethod="GET")
    _fails(404, "NotFoundException", apigw.get_method, restApiId=api.id, resourceId=rid, httpMethod="GET")


def test_deployments_and_stages(new_api, apigw):
    api = new_api()
    _fails(400, "BadRequestException", apigw.create_deployment, restApiId=api.id, stageName="x")
    api.method("/a", "GET", MOCK, responses={"200": {}})
    first = apigw.create_deployment(restApiId=api.id, description="one")["id"]
    stage = apigw.create_stage(restApiId=api.id, stageName="dev", deploymentId=first, variables={"a": "1"})
    assert stage["deploymentId"] == first and stage["variables"] == {"a": "1"}
    _fails(409, "ConflictException", apigw.create_stage, restApiId=api.id, stageName="dev", deploymentId=first)
    second = api.deploy("dev", variables={"b": "2"})
    got = apigw.get_stage(restApiId=api.id, stageName="dev")
    assert got["deploymentId"] == second and got["variables"] == {"a": "1", "b": "2"}
    updated = apigw.update_stage(restApiId=api.id, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/a", "value": "9"}, {"op": "remove", "path": "/variables/b"},
        {"op": "replace", "path": "/~1a/GET/throttling/burstLimit", "value": "3"}])
    assert updated["variables"] == {"a": "9"}
    assert updated["methodSettings"]["~1a/GET"]["throttlingBurstLimit"] == 3
    assert {s["stageName"] for s in apigw.get_stages(restApiId=api.id)["item"]} == {"dev"}
    assert [d["id"] for d in apigw.get_deployments(restApiId=api.id)["items"]] == [first, second]
    summary = apigw.get_deployment(restApiId=api.id, deploymentId=second, embed=["apisummary"])["apiSummary"]
    assert summary == {"/a": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}}
    msg = _fails(400, "BadRequestException", apigw.delete_deployment, restApiId=api.id, deploymentId=second)
    assert msg == "Active stages pointing to this deployment must be moved or deleted"
    apigw.delete_deployment(restApiId=api.id, deploymentId=first)
    apigw.delete_stage(restApiId=api.id, stageName="dev")
    _fails(404, "NotFoundException", apigw.get_stage, restApiId=api.id, stageName="dev")


def test_models_validators_authorizers(new_api, apigw):
    api = new_api()
    model = apigw.create_model(restApiId=api.id, name="Thing", contentType="application/json",
                               schema='{"type": "object"}')
    assert model["name"] == "Thing" and model["id"]
    _fails(409, "ConflictException", apigw.create_model, restApiId=api.id, name="Thing", contentType="application/json")
    _fails(400, "BadRequestException", apigw.create_model, restApiId=api.id, name="Bad", contentType="application/json",
           schema="{not json")
    validator = apigw.create_request_validator(restApiId=api.id, name="v", validateRequestBody=True)
    assert validator["validateRequestParameters"] is False
    auth = apigw.create_authorizer(restApiId=api.id, name="a", type="TOKEN", identitySource="method.request.header.A",
                                   authorizerUri="arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                                                 "arn:aws:lambda:us-east-1:000000000000:function:f/invocations")
    assert auth["authorizerResultTtlInSeconds"] == 300
    _fails(400, "BadRequestException", apigw.create_authorizer, restApiId=api.id, name="b", type="TOKEN",
           authorizerUri="arn:x", identitySource="method.request.querystring.a")
    rid = api.resource("/x")
    apigw.put_method(restApiId=api.id, resourceId=rid, httpMethod="POST", authorizationType="CUSTOM",
                     authorizerId=auth["id"], requestValidatorId=validator["id"], requestModels={"application/json": "Thing"})
    _fails(409, "ConflictException", apigw.delete_model, restApiId=api.id, modelName="Thing")
    _fails(409, "ConflictException", apigw.delete_authorizer, restApiId=api.id, authorizerId=auth["id"])
    changed = apigw.update_authorizer(restApiId=api.id, authorizerId=auth["id"], patchOperations=[
        {"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "0"}])
    assert changed["authorizerResultTtlInSeconds"] == 0
    assert apigw.update_request_validator(restApiId=api.id, requestValidatorId=validator["id"], patchOperations=[
        {"op": "replace", "path": "/validateRequestParameters", "value": "true"}])["validateRequestParameters"] is True
    apigw.delete_method(restApiId=api.id, resourceId=rid, httpMethod="POST")
    apigw.delete_model(restApiId=api.id, modelName="Thing")
    apigw.delete_authorizer(restApiId=api.id, authorizerId=auth["id"])
    apigw.delete_request_validator(restApiId=api.id, requestValidatorId=validator["id"])
    assert apigw.get_authorizers(restApiId=api.id)["items"] == []
    _fails(404, "NotFoundException", apigw.get_model, restApiId=api.id, modelName="Thing")


def test_api_keys_and_usage_plans(new_api, apigw):
    api = new_api()
    api.method("/a", "GET", MOCK, responses={"200": {}})
    api.deploy("prod")
    key = apigw.create_api_key(name=unique("key"), value="a-key-value-of-twenty-chars", enabled=True)
    assert key["value"] == "a-key-value-of-twenty-chars" and key["enabled"] is True
    assert "value" not in apigw.get_api_key(apiKey=key["id"])
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    _fails(409, "ConflictException", apigw.create_api_key, name="dup", value="a-key-value-of-twenty-chars")
    plan = apigw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api.id, "stage": "prod"}],
                                   throttle={"rateLimit": 10, "burstLimit": 5}, quota={"limit": 100, "period": "DAY"})
    assert plan["throttle"] == {"rateLimit": 10.0, "burstLimit": 5} and plan["quota"]["period"] == "DAY"
    _fails(404, "NotFoundException", apigw.create_usage_plan, name="x", apiStages=[{"apiId": api.id, "stage": "no"}])
    plan_key = apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert plan_key == {**plan_key, "id": key["id"], "type": "API_KEY", "value": key["value"]}
    other = apigw.create_usage_plan(name=unique("plan"), apiStages=[{"apiId": api.id, "stage": "prod"}])
    _fails(409, "ConflictException", apigw.create_usage_plan_key, usagePlanId=other["id"], keyId=key["id"],
           keyType="API_KEY")
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [key["id"]]
    assert [p["id"] for p in apigw.get_usage_plans(keyId=key["id"])["items"]] == [plan["id"]]
    patched = apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
        {"op": "replace", "path": "/throttle/rateLimit", "value": "2"},
        {"op": "remove", "path": "/apiStages", "value": f"{api.id}:prod"}])
    assert patched["throttle"]["rateLimit"] == 2.0 and patched["apiStages"] == []
    apigw.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    _fails(404, "NotFoundException", apigw.get_usage_plan_key, usagePlanId=plan["id"], keyId=key["id"])
    apigw.delete_api_key(apiKey=key["id"])
    for p in (plan, other):
        apigw.delete_usage_plan(usagePlanId=p["id"])
    _fails(404, "NotFoundException", apigw.get_usage_plan, usagePlanId=plan["id"])


def test_import_api_keys(apigw):
    csv = "name,key,description,enabled\nimported-a,imported-key-value-0000001,first,true\n"
    ids = apigw.import_api_keys(body=csv.encode(), format="csv")["ids"]
    key = apigw.get_api_key(apiKey=ids[0], includeValue=True)
    assert (key["name"], key["value"], key["enabled"]) == ("imported-a", "imported-key-value-0000001", True)
    apigw.delete_api_key(apiKey=ids[0])


def test_tags_and_account(new_api, apigw):
    api = new_api()
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api.id}"
    apigw.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"b": "2"}
    assert apigw.get_rest_api(restApiId=api.id)["tags"] == {"b": "2"}
    account = apigw.get_account()
    assert account["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}


def test_unimplemented_operations_say_so(apigw):
    _fails(501, "NotImplemented", apigw.get_domain_names)
