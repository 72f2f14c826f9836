"""CORS through the wire: a browser's preflight answered by API Gateway itself, CORS headers added to
(and the integration's own replaced on) actual responses, origins not allowed, and the cases where
a preflight reaches a route."""

from __future__ import annotations

import json

CORS = {"AllowOrigins": ["https://app.example", "https://*.preview.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["Content-Type", "X-Custom"], "ExposeHeaders": ["X-Request-Id"], "MaxAge": 600,
        "AllowCredentials": True}

BROWSER = {  # what Chrome sends for fetch(url, {method: "POST", headers: {"content-type": …, "x-custom": …}})
    "Accept": "*/*", "Accept-Language": "en-US,en;q=0.9", "Connection": "keep-alive", "Origin": "https://app.example",
    "Referer": "https://app.example/", "Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "cross-site",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-custom",
}


def _respond_body(headers: dict) -> str:
    return json.dumps({"return": {"statusCode": 200, "headers": headers, "body": "ok"}})


def test_browser_preflight_is_answered_by_api_gateway(call, lambda_api):
    api_id, _ = lambda_api(["POST /data"], handler="respond", api_kw={"CorsConfiguration": CORS})
    for path in ("/data", "/no/such/route"):  # answered whether or not a route matches
        reply = call(api_id, "OPTIONS", path, headers=BROWSER)
        assert reply.status == 204 and reply.body == b""
        assert reply.headers["access-control-allow-origin"] == "https://app.example"
        assert reply.headers["access-control-allow-methods"] == "GET,POST"
        assert reply.headers["access-control-allow-headers"] == "content-type,x-custom"
        assert reply.headers["access-control-max-age"] == "600"
        assert reply.headers["access-control-allow-credentials"] == "true"
        assert "access-control-expose-headers" not in reply.headers
        assert reply.headers["apigw-requestid"]
    wildcard = call(api_id, "OPTIONS", "/data", headers={**BROWSER, "Origin": "https://pr-7.preview.example"})
    assert wildcard.headers["access-control-allow-origin"] == "https://pr-7.preview.example"


def test_preflight_that_is_not_allowed_gets_no_cors_headers(call, lambda_api):
    api_id, _ = lambda_api(["POST /data"], handler="respond", api_kw={"CorsConfiguration": CORS})
    for headers in ({**BROWSER, "Origin": "https://evil.example"}, {**BROWSER, "Access-Control-Request-Method": "DELETE"},
                    {**BROWSER, "Access-Control-Request-Headers": "x-not-allowed"}):
        reply = call(api_id, "OPTIONS", "/data", headers=headers)
        assert reply.status == 204
        assert not [h for h in reply.headers if h.startswith("access-control-")], headers


def test_actual_request_gets_configured_headers_instead_of_the_integrations(call, lambda_api):
    api_id, _ = lambda_api(["POST /data"], handler="respond", api_kw={"CorsConfiguration": CORS})
    body = _respond_body({"Access-Control-Allow-Origin": "*", "Access-Control-Max-Age": "5", "X-Request-Id": "r1"})
    reply = call(api_id, "POST", "/data", body=body, headers={"Origin": "https://app.example",
                                                                 "content-type": "application/json"})
    assert reply.status == 200 and reply.body == b"ok"
    assert reply.headers["access-control-allow-origin"] == "https://app.example"
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["access-control-expose-headers"] == "x-request-id"
    assert "access-control-max-age" not in reply.headers and reply.headers["x-request-id"] == "r1"
    plain = call(api_id, "POST", "/data", body=body, headers={"content-type": "application/json"})  # no Origin
    assert not [h for h in plain.headers if h.startswith("access-control-")]
    other = call(api_id, "POST", "/data", body=body, headers={"Origin": "https://evil.example"})
    assert not [h for h in other.headers if h.startswith("access-control-")]
    missing = call(api_id, "GET", "/nothing", headers={"Origin": "https://app.example"})  # gateway errors too
    assert missing.status == 404 and missing.headers["access-control-allow-origin"] == "https://app.example"


def test_any_origin(call, lambda_api):
    api_id, _ = lambda_api(["GET /x"], api_kw={"CorsConfiguration": {"AllowOrigins": ["*"], "AllowMethods": ["*"],
                                                                      "AllowHeaders": ["*"]}})
    reply = call(api_id, "OPTIONS", "/x", headers={**BROWSER, "Access-Control-Request-Method": "PATCH"})
    assert reply.status == 204 and reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == "*" and reply.headers["access-control-allow-headers"] == "*"
    assert call(api_id, "GET", "/x", headers={"Origin": "https://a.example"}).headers["access-control-allow-origin"] == "*"


def test_an_options_route_takes_the_preflight(call, lambda_api):
    api_id, _ = lambda_api(["OPTIONS /data", "POST /data"], api_kw={"CorsConfiguration": CORS})
    reply = call(api_id, "OPTIONS", "/data", headers=BROWSER)
    assert reply.status == 200 and reply.json()["routeKey"] == "OPTIONS /data"
    assert reply.headers["access-control-allow-origin"] == "https://app.example"


def test_without_cors_configuration_options_is_an_ordinary_request(call, lambda_api):
    api_id, _ = lambda_api(["POST /data"])
    assert call(api_id, "OPTIONS", "/data", headers=BROWSER).status == 404


def test_cors_changes_follow_auto_deploy(call, lambda_api, gw):
    api_id, _ = lambda_api(["GET /x"])
    assert call(api_id, "OPTIONS", "/x", headers=BROWSER).status == 404
    gw.update_api(ApiId=api_id, CorsConfiguration=CORS)
    assert call(api_id, "OPTIONS", "/x", headers=BROWSER).status == 204
    gw.delete_cors_configuration(ApiId=api_id)
    assert call(api_id, "OPTIONS", "/x", headers=BROWSER).status == 404


def test_preflight_to_an_authorized_default_route_meets_its_authorizer(call, gw, lambda_api, functions):
    api_id, integration = lambda_api([], api_kw={"CorsConfiguration": CORS})
    authorizer = gw.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="a",
                                      AuthorizerUri=functions["auth_simple"], AuthorizerPayloadFormatVersion="2.0",
                                      EnableSimpleResponses=True, IdentitySource=["$request.header.Authorization"])
    gw.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration}",
                    AuthorizationType="CUSTOM", AuthorizerId=authorizer["AuthorizerId"])
    assert call(api_id, "OPTIONS", "/anything", headers=BROWSER).status == 401  # as AWS documents
    # the documented remedy: an OPTIONS /{proxy+} route without authorization
    gw.create_route(ApiId=api_id, RouteKey="OPTIONS /{proxy+}", Target=f"integrations/{integration}")
    reply = call(api_id, "OPTIONS", "/anything", headers=BROWSER)
    assert reply.status == 200 and reply.json()["routeKey"] == "OPTIONS /{proxy+}"
