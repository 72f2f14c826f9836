"""ImportRestApi and PutRestApi through the wire: an OpenAPI 3 (YAML) and a Swagger 2 (JSON)
document with API Gateway's extensions become working APIs."""

from __future__ import annotations

import json
import textwrap

from tests.apigateway.conftest import http, invocation_uri

OPENAPI = textwrap.dedent('''
    openapi: 3.0.1
    info: {title: pets, version: "1.0"}
    x-amazon-apigateway-binary-media-types: [image/png]
    x-amazon-apigateway-request-validators:
      body: {validateRequestBody: true, validateRequestParameters: false}
    paths:
      /pets/{petId}:
        get:
          parameters:
            - {name: petId, in: path, required: true, schema: {type: string}}
          x-amazon-apigateway-integration:
            type: aws_proxy
            httpMethod: POST
            uri: "%(uri)s"
      /pets:
        post:
          x-amazon-apigateway-request-validator: body
          requestBody:
            content:
              application/json:
                schema: {$ref: "#/components/schemas/Pet"}
          responses:
            "201": {description: created}
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: {application/json: '{"statusCode": 201}'}
            responses:
              default:
                statusCode: "201"
                responseTemplates: {application/json: '{"created": "$context.resourcePath"}'}
        x-amazon-apigateway-any-method:
          x-amazon-apigateway-integration:
            type: mock
            requestTemplates: {application/json: '{"statusCode": 200}'}
            responses:
              default: {statusCode: "200"}
          responses:
            "200": {description: ok}
    components:
      schemas:
        Pet:
          type: object
          required: [name]
          properties: {name: {type: string}}
''')


def test_import_openapi3(apigw, server, echo_arn):
    spec = OPENAPI % {"uri": invocation_uri(echo_arn)}
    api = apigw.import_rest_api(body=spec.encode())
    try:
        assert api["name"] == "pets" and api["binaryMediaTypes"] == ["image/png"]
        paths = {r["path"]: r for r in apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]}
        assert set(paths) == {"/", "/pets", "/pets/{petId}"}
        assert set(paths["/pets"]["resourceMethods"]) == {"POST", "ANY"}
        assert paths["/pets/{petId}"]["resourceMethods"]["GET"]["requestParameters"] == {
            "method.request.path.petId": True}
        assert "Pet" in {m["name"] for m in apigw.get_models(restApiId=api["id"])["items"]}
        apigw.create_deployment(restApiId=api["id"], stageName="v1")
        base = f"{server.endpoint}/restapis/{api['id']}/v1/_user_request_"
        event = http(base + "/pets/12").json()
        assert event["resource"] == "/pets/{petId}" and event["pathParameters"] == {"petId": "12"}
        created = http(base + "/pets", "POST", '{"name": "rex"}', {"Content-Type": "application/json"})
        assert (created.status, created.json()) == (201, {"created": "/pets"})
        assert http(base + "/pets", "POST", '{"age": 3}', {"Content-Type": "application/json"}).status == 400
        assert http(base + "/pets", "DELETE").status == 200
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_put_rest_api_merge_and_overwrite(new_api, apigw):
    api = new_api()
    api.method("/old", "GET", {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}},
               responses={"200": {}})
    swagger = {"swagger": "2.0", "info": {"title": "replaced", "version": "2"}, "paths": {"/new": {"get": {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                            "responses": {"default": {"statusCode": "200"}}}}}}}
    merged = apigw.put_rest_api(restApiId=api.id, mode="merge", body=json.dumps(swagger).encode())
    assert merged["name"] == "replaced"
    paths = {r["path"] for r in apigw.get_resources(restApiId=api.id)["items"]}
    assert paths == {"/", "/old", "/new"}
    apigw.put_rest_api(restApiId=api.id, mode="overwrite", body=json.dumps(swagger).encode())
    paths = {r["path"] for r in apigw.get_resources(restApiId=api.id)["items"]}
    assert paths == {"/", "/new"}
    api.deploy()
    assert http(api.url("/new")).status == 200 and http(api.url("/old")).status == 403


def test_bad_documents_are_400(apigw):
    from botocore.exceptions import ClientError

    from tests.apigateway.conftest import error_of

    bad_type = b'{"openapi": "3.0.0", "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "what"}}}}}'
    for body in (b"not a spec", bad_type):
        try:
            apigw.import_rest_api(body=body)
        except ClientError as exc:
            assert error_of(exc)[:2] == (400, "BadRequestException")
        else:
            raise AssertionError("imported a bad document")


def test_export_round_trip(apigw, server, echo_arn):
    spec = OPENAPI % {"uri": invocation_uri(echo_arn)}
    first = apigw.import_rest_api(body=spec.encode())
    made = [first["id"]]
    try:
        apigw.create_deployment(restApiId=first["id"], stageName="v1")
        plain = json.loads(apigw.get_export(restApiId=first["id"], stageName="v1", exportType="swagger")["body"].read())
        assert plain["swagger"] == "2.0" and plain["basePath"] == "/v1" and "Pet" in plain["definitions"]
        assert "x-amazon-apigateway-integration" not in plain["paths"]["/pets"]["post"]
        exported = apigw.get_export(restApiId=first["id"], stageName="v1", exportType="oas30",
                                    parameters={"extensions": "integrations"}, accepts="application/yaml")
        assert exported["contentType"] == "application/yaml"
        second = apigw.import_rest_api(body=exported["body"].read())
        made.append(second["id"])
        apigw.create_deployment(restApiId=second["id"], stageName="v1")
        base = f"{server.endpoint}/restapis/{second['id']}/v1/_user_request_"
        assert http(base + "/pets/3").json()["pathParameters"] == {"petId": "3"}
        assert http(base + "/pets", "POST", '{"age": 3}', {"Content-Type": "application/json"}).status == 400
        assert http(base + "/pets", "POST", '{"name": "a"}', {"Content-Type": "application/json"}).status == 201
    finally:
        for api_id in made:
            apigw.delete_rest_api(restApiId=api_id)
