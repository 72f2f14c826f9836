"""Route authorization through the wire: JWT authorizers against an issuer served on loopback,
Lambda REQUEST authorizers (simple and IAM-policy responses, payloads 1.0 and 2.0, identity
sources, caching) and AWS_IAM routes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.apigatewayv2.conftest import http
from tests.apigw.jwks import Issuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    issuer = Issuer().start()
    yield issuer
    issuer.stop()


def _route_with(gw, api_id: str, integration: str, key: str, **auth) -> None:
    gw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}", **auth)


def test_jwt_authorizer(call, gw, lambda_api, issuer):
    api_id, integration = lambda_api(["GET /open"])
    authorizer = gw.create_authorizer(ApiId=api_id, AuthorizerType="JWT", Name="jwt",
                                      IdentitySource=["$request.header.Authorization"],
                                      JwtConfiguration={"Issuer": issuer.url, "Audience": ["my-app", "other"]})
    _route_with(gw, api_id, integration, "GET /private", AuthorizationType="JWT",
                AuthorizerId=authorizer["AuthorizerId"])
    _route_with(gw, api_id, integration, "GET /scoped", AuthorizationType="JWT",
                AuthorizerId=authorizer["AuthorizerId"], AuthorizationScopes=["orders:read", "admin"])

    token = issuer.token(scope="orders:read profile", email="a@example.com", groups=["x", "y"], n=3)
    reply = call(api_id, "GET", "/private", headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200, reply.body
    jwt = reply.json()["requestContext"]["authorizer"]["jwt"]
    assert jwt["scopes"] is None
    claims = jwt["claims"]
    assert claims["iss"] == issuer.url and claims["email"] == "a@example.com" and claims["sub"] == "user-1"
    assert claims["groups"] == "[x y]" and claims["n"] == "3" and claims["exp"].isdigit()
    assert call(api_id, "GET", "/private", headers={"Authorization": token}).status == 200  # no "Bearer"
    assert call(api_id, "GET", "/private", headers={"Authorization": issuer.token(alg="ES256", kid="ec-1")}).status == 200
    scoped = call(api_id, "GET", "/scoped", headers={"Authorization": f"Bearer {token}"})
    assert scoped.status == 200 and scoped.json()["requestContext"]["authorizer"]["jwt"]["scopes"] == [
        "orders:read", "profile"]
    assert call(api_id, "GET", "/open").status == 200

    missing = call(api_id, "GET", "/private")
    assert missing.status == 401 and missing.json() == {"message": "Unauthorized"}
    for bad, why in ((issuer.token(lifetime=-10), "expired"), (issuer.token(aud="someone-else"), "audience"),
                     (issuer.token(iss="https://evil.example"), "issuer"),
                     (issuer.token(key=issuer.other_rsa), "signature"), (issuer.token(kid="nope"), "key id"),
                     (issuer.token(nbf=int(time.time()) + 600), "not valid yet"), ("not.a.jwt", "JWT")):
        reply = call(api_id, "GET", "/private", headers={"Authorization": f"Bearer {bad}"})
        assert reply.status == 401 and reply.json() == {"message": "Unauthorized"}, why
        assert reply.headers["www-authenticate"].startswith('Bearer scope="" error="invalid_token"'), why
        assert why in reply.headers["www-authenticate"]
    client_id = issuer.token(aud=None, client_id="other")  # Cognito access tokens carry client_id
    assert call(api_id, "GET", "/private", headers={"Authorization": client_id}).status == 200
    no_scope = call(api_id, "GET", "/scoped", headers={"Authorization": issuer.token(scope="profile")})
    assert no_scope.status == 403 and no_scope.json() == {"message": "Forbidden"}
    assert 'error="insufficient_scope"' in no_scope.headers["www-authenticate"]


def _lambda_authorizer(gw, api_id: str, functions, handler: str, version: str, **kw) -> str:
    return gw.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name=handler, AuthorizerUri=functions[handler],
                                AuthorizerPayloadFormatVersion=version,
                                IdentitySource=kw.pop("IdentitySource", ["$request.header.Authorization"]),
                                **kw)["AuthorizerId"]


def test_lambda_authorizer_simple_responses(call, gw, lambda_api, functions):
    api_id, integration = lambda_api([])
    authorizer = _lambda_authorizer(gw, api_id, functions, "auth_simple", "2.0", EnableSimpleResponses=True)
    _route_with(gw, api_id, integration, "GET /items/{id}", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    reply = call(api_id, "GET", "/items/9", headers={"Authorization": "allow"})
    assert reply.status == 200, reply.body
    context = reply.json()["requestContext"]["authorizer"]["lambda"]
    assert context["user"] == "alice" and context["n"] == 1
    assert context["type"] == "REQUEST" and context["version"] == "2.0"
    assert context["routeArn"] == f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/$default/GET/items/9"
    denied = call(api_id, "GET", "/items/9", headers={"Authorization": "deny"})
    assert denied.status == 403 and denied.json() == {"message": "Forbidden"}
    missing = call(api_id, "GET", "/items/9")
    assert missing.status == 401 and missing.json() == {"message": "Unauthorized"}
    broken = call(api_id, "GET", "/items/9", headers={"Authorization": "boom"})
    assert broken.status == 500 and broken.json() == {"message": "Internal Server Error"}


def test_lambda_authorizer_results_are_cached_by_identity(call, gw, lambda_api, functions):
    api_id, integration = lambda_api([])
    authorizer = _lambda_authorizer(gw, api_id, functions, "auth_simple", "2.0", EnableSimpleResponses=True,
                                    AuthorizerResultTtlInSeconds=300)
    _route_with(gw, api_id, integration, "GET /a", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    _route_with(gw, api_id, integration, "GET /b", AuthorizationType="CUSTOM", AuthorizerId=authorizer)

    def call_id(path: str, token: str = "allow") -> str:
        reply = call(api_id, "GET", path, headers={"Authorization": token})
        assert reply.status == 200, reply.body
        return reply.json()["requestContext"]["authorizer"]["lambda"]["call"]

    first = call_id("/a")
    assert call_id("/a") == first and call_id("/b") == first  # one cached answer for every route
    assert call(api_id, "GET", "/a", headers={"Authorization": "deny"}).status == 403
    gw.reset_authorizers_cache(ApiId=api_id, StageName="$default")
    assert call_id("/a") != first


def test_lambda_authorizer_without_caching_runs_every_time(call, gw, lambda_api, functions):
    api_id, integration = lambda_api([])
    authorizer = _lambda_authorizer(gw, api_id, functions, "auth_simple", "2.0", EnableSimpleResponses=True)
    _route_with(gw, api_id, integration, "GET /a", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    ids = {call(api_id, "GET", "/a", headers={"Authorization": "allow"}).json()["requestContext"]["authorizer"]
           ["lambda"]["call"] for _ in range(2)}
    assert len(ids) == 2


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_lambda_authorizer_iam_policies(call, gw, lambda_api, functions, version):
    api_id, integration = lambda_api([], stage="prod")
    authorizer = _lambda_authorizer(gw, api_id, functions, "auth_policy", version)
    _route_with(gw, api_id, integration, "POST /orders", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    reply = call(api_id, "POST", "/orders", stage="prod", body="{}", headers={"Authorization": "allow"})
    assert reply.status == 200, reply.body
    assert reply.json()["requestContext"]["authorizer"]["lambda"]["version"] == version  # the event it got
    denied = call(api_id, "POST", "/orders", stage="prod", body="{}", headers={"Authorization": "deny"})
    assert denied.status == 403 and denied.json() == {"message": "Forbidden"}


def test_lambda_authorizer_context_in_a_1_0_event(call, gw, lambda_api, functions):
    api_id, integration = lambda_api([], version="1.0")
    authorizer = _lambda_authorizer(gw, api_id, functions, "auth_policy", "1.0")
    _route_with(gw, api_id, integration, "GET /me", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    reply = call(api_id, "GET", "/me", headers={"Authorization": "allow"})
    assert reply.status == 200, reply.body
    context = reply.json()["requestContext"]["authorizer"]
    assert context["principalId"] == "user-1" and context["version"] == "1.0" and context["call"]
    assert isinstance(context["integrationLatency"], int)


def test_aws_iam_routes_need_a_signature(call, gw, lambda_api, server):
    api_id, integration = lambda_api([])
    _route_with(gw, api_id, integration, "GET /iam", AuthorizationType="AWS_IAM")
    unsigned = call(api_id, "GET", "/iam")
    assert unsigned.status == 403 and unsigned.json() == {"message": "Missing Authentication Token"}
    url = f"{server.endpoint}/_api/{api_id}/iam"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "test"), "execute-api", "us-east-1").add_auth(request)
    signed = http("GET", url, headers=dict(request.headers))
    assert signed.status == 200, signed.body
    iam = signed.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "test" and iam["accountId"] == "000000000000"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "wrong"), "execute-api", "us-east-1").add_auth(request)
    assert http("GET", url, headers=dict(request.headers)).status == 403
