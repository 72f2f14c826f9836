"""HTTP_PROXY integrations against a loopback backend: what is forwarded (method, path with
variables, query, headers, body), the ``$default`` route's whole path, stage variables in the URI,
request and response parameter mapping, cookies coming back, and the 503 of a timeout."""

from __future__ import annotations


def _api(gw, make_api, uri: str, route: str = "ANY /svc/{proxy+}", stage: str = "$default",
         stage_variables: dict | None = None, **integration_kw) -> str:
    api_id = make_api()["ApiId"]
    kw = {"IntegrationMethod": "ANY", **integration_kw}
    integration = gw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri=uri,
                                        PayloadFormatVersion="1.0", **kw)
    gw.create_route(ApiId=api_id, RouteKey=route, Target=f"integrations/{integration['IntegrationId']}")
    gw.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True, StageVariables=stage_variables or {})
    return api_id


def test_forwards_the_request(call, gw, make_api, http_backend):
    api_id = _api(gw, make_api, http_backend + "/base/{proxy}")
    reply = call(api_id, "POST", "/svc/a/b?x=1&y=2", body=b'{"hello": 1}',
                 headers={"content-type": "application/json", "x-custom": "yes"})
    assert reply.status == 200, reply.body
    seen = reply.json()
    assert seen["method"] == "POST" and seen["path"] == "/base/a/b?x=1&y=2" and seen["body"] == '{"hello": 1}'
    assert seen["headers"]["x-custom"] == "yes" and seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["host"] == http_backend.split("://")[1]
    assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert reply.headers["x-backend"] == "yes" and reply.all("set-cookie") == ["a=1", "b=2"]
    assert reply.headers["apigw-requestid"]


def test_default_route_forwards_the_whole_path(call, gw, make_api, http_backend):
    api_id = _api(gw, make_api, http_backend, route="$default", stage="live")
    seen = call(api_id, "DELETE", "/store/checkout?q=1", stage="live").json()
    assert seen["method"] == "DELETE" and seen["path"] == "/store/checkout?q=1"


def test_fixed_method_and_stage_variables_in_the_uri(call, gw, make_api, http_backend):
    host = http_backend.split("://")[1]
    api_id = _api(gw, make_api, "http://${stageVariables.host}/v/${stageVariables.version}", route="POST /go",
                  stage_variables={"host": host, "version": "v2"}, IntegrationMethod="PUT")
    seen = call(api_id, "POST", "/go", body="x").json()
    assert seen["method"] == "PUT" and seen["path"] == "/v/v2"


def test_request_parameter_mapping(call, gw, make_api, http_backend):
    api_id = _api(gw, make_api, http_backend + "/orig", route="GET /items/{id}", RequestParameters={
        "append:header.x-renamed": "$request.header.x-old",
        "remove:header.x-old": "''",
        "overwrite:header.x-request": "id-$context.requestId",
        "append:querystring.item": "$request.path.id",
        "remove:querystring.drop": "''",
        "overwrite:path": "/new/${request.path.id}/${stageVariables.none}",
    })
    reply = call(api_id, "GET", "/items/42?keep=1&drop=2", headers={"x-old": "value"})
    seen = reply.json()
    assert seen["path"] == "/new/42/?keep=1&item=42"
    assert seen["headers"]["x-renamed"] == "value" and "x-old" not in seen["headers"]
    assert seen["headers"]["x-request"] == f"id-{reply.headers['apigw-requestid']}"


def test_response_parameter_mapping(call, gw, make_api, http_backend):
    api_id = _api(gw, make_api, http_backend + "/status/404", route="GET /gone", ResponseParameters={
        "404": {"overwrite:statuscode": "410", "append:header.x-mapped": "$response.header.x-backend",
                "remove:header.x-backend": "''"}})
    reply = call(api_id, "GET", "/gone")
    assert reply.status == 410 and reply.headers["x-mapped"] == "yes" and "x-backend" not in reply.headers


def test_timeout_and_unreachable_backend(call, gw, make_api, http_backend):
    slow = _api(gw, make_api, http_backend + "/sleep/1", route="GET /slow", TimeoutInMillis=200)
    reply = call(slow, "GET", "/slow")
    assert reply.status == 503 and reply.json() == {"message": "Service Unavailable"}
    dead = _api(gw, make_api, "http://127.0.0.1:9/x", route="GET /dead")
    reply = call(dead, "GET", "/dead")
    assert reply.status == 500 and reply.json() == {"message": "Internal Server Error"}
