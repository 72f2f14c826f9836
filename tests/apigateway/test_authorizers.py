"""Lambda authorizers through the wire: TOKEN and REQUEST authorizers allowing and denying
(401 Unauthorized / 403 explicit deny / 500 for a broken authorizer), their context reaching
the integration, result caching, and API keys supplied by the authorizer."""

from __future__ import annotations

import textwrap

import pytest

from tests.apigateway.conftest import http, invocation_uri, unique

AUTHORIZER = textwrap.dedent('''
    import uuid

    def handler(event, context):
        if event["type"] == "TOKEN":
            token = event["authorizationToken"]
        else:
            token = (event.get("queryStringParameters") or {}).get("who") or ""
        if token == "unauthorized":
            raise Exception("Unauthorized")
        if token == "broken":
            return {"nope": True}
        effect = "Deny" if token == "deny" else "Allow"
        out = {"principalId": "user-" + token,
               "policyDocument": {"Version": "2012-10-17", "Statement": [
                   {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
               "context": {"nonce": uuid.uuid4().hex, "kind": event["type"], "n": 7, "ok": True}}
        if token.startswith("key:"):
            out["usageIdentifierKey"] = token[4:]
        return out
''')
SHOW = {"200": {"responseTemplates": {"application/json": '{"principal": "$context.authorizer.principalId", '
                                                          '"nonce": "$context.authorizer.nonce", '
                                                          '"kind": "$context.authorizer.kind"}'}}}
MOCK = {"type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}}


@pytest.fixture(scope="module")
def authorizer_arn(make_lambda) -> str:
    return make_lambda(AUTHORIZER)


def _api(new_api, apigw, authorizer_arn, **authorizer):
    api = new_api(**authorizer.pop("api", {}))
    found = apigw.create_authorizer(restApiId=api.id, name=unique("auth"), authorizerUri=invocation_uri(authorizer_arn),
                                    **authorizer)
    return api, found["id"]


def test_token_authorizer(new_api, apigw, authorizer_arn, echo_arn):
    api, auth = _api(new_api, apigw, authorizer_arn, type="TOKEN", identitySource="method.request.header.Authorization",
                     identityValidationExpression="[a-z:-]+")
    api.method("/me", "GET", MOCK, responses={k: dict(v) for k, v in SHOW.items()}, authorizationType="CUSTOM",
               authorizerId=auth)
    api.proxy("/event", echo_arn, "GET", authorizationType="CUSTOM", authorizerId=auth)
    api.deploy()
    ok = http(api.url("/me"), headers={"Authorization": "alice"})
    assert ok.status == 200 and ok.json()["principal"] == "user-alice" and ok.json()["kind"] == "TOKEN"
    event = http(api.url("/event"), headers={"Authorization": "bob"}).json()
    auth_ctx = event["requestContext"]["authorizer"]
    assert auth_ctx["principalId"] == "user-bob" and auth_ctx["n"] == 7 and auth_ctx["ok"] is True
    for headers, expected in (({}, (401, "Unauthorized")), ({"Authorization": "unauthorized"}, (401, "Unauthorized")),
                              ({"Authorization": "UPPER"}, (401, "Unauthorized")),  # fails the validation expression
                              ({"Authorization": "deny"},
                               (403, "User is not authorized to access this resource with an explicit deny"))):
        r = http(api.url("/me"), headers=headers)
        assert (r.status, r.json()["message"]) == expected, headers
    broken = http(api.url("/me"), headers={"Authorization": "broken"})
    assert broken.status == 500 and broken.json() == {"message": None}


def test_token_results_are_cached(new_api, apigw, authorizer_arn):
    api, cached = _api(new_api, apigw, authorizer_arn, type="TOKEN", identitySource="method.request.header.Authorization")
    uncached = apigw.create_authorizer(restApiId=api.id, name="nocache", type="TOKEN",
                                       authorizerUri=invocation_uri(authorizer_arn),
                                       identitySource="method.request.header.Authorization",
                                       authorizerResultTtlInSeconds=0)["id"]
    api.method("/cached", "GET", MOCK, responses={k: dict(v) for k, v in SHOW.items()}, authorizationType="CUSTOM",
               authorizerId=cached)
    api.method("/fresh", "GET", MOCK, responses={k: dict(v) for k, v in SHOW.items()}, authorizationType="CUSTOM",
               authorizerId=uncached)
    api.deploy()
    nonce = [http(api.url("/cached"), headers={"Authorization": "carol"}).json()["nonce"] for _ in range(2)]
    assert nonce[0] == nonce[1]
    assert http(api.url("/cached"), headers={"Authorization": "dave"}).json()["nonce"] != nonce[0]
    fresh = [http(api.url("/fresh"), headers={"Authorization": "carol"}).json()["nonce"] for _ in range(2)]
    assert fresh[0] != fresh[1]
    apigw.flush_stage_authorizers_cache(restApiId=api.id, stageName="test")
    assert http(api.url("/cached"), headers={"Authorization": "carol"}).json()["nonce"] != nonce[0]


def test_request_authorizer(new_api, apigw, authorizer_arn):
    api, auth = _api(new_api, apigw, authorizer_arn, type="REQUEST", identitySource="method.request.querystring.who")
    api.method("/r", "GET", MOCK, responses={k: dict(v) for k, v in SHOW.items()}, authorizationType="CUSTOM",
               authorizerId=auth)
    api.deploy()
    ok = http(api.url("/r?who=erin"))
    assert ok.status == 200 and ok.json()["principal"] == "user-erin" and ok.json()["kind"] == "REQUEST"
    assert http(api.url("/r")).status == 401  # caching on and the identity source missing
    assert http(api.url("/r?who=deny")).status == 403


def test_api_key_from_the_authorizer(new_api, apigw, authorizer_arn):
    api, auth = _api(new_api, apigw, authorizer_arn, type="TOKEN", identitySource="method.request.header.Authorization",
                     api={"apiKeySource": "AUTHORIZER"})
    api.method("/k", "GET", MOCK, responses={"200": {}}, authorizationType="CUSTOM", authorizerId=auth,
               apiKeyRequired=True)
    api.deploy()
    key = apigw.create_api_key(name=unique("k"), enabled=True, value="authorizer-supplied-key-0001")
    plan = apigw.create_usage_plan(name=unique("p"), apiStages=[{"apiId": api.id, "stage": "test"}])
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert http(api.url("/k"), headers={"Authorization": "key:authorizer-supplied-key-0001"}).status == 200
    assert http(api.url("/k"), headers={"Authorization": "key:some-other-key-value-00"}).status == 403
    apigw.delete_api_key(apiKey=key["id"])
    apigw.delete_usage_plan(usagePlanId=plan["id"])


def test_iam_authorization(new_api, aws_client, server):
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    api = new_api()
    api.method("/iam", "GET", MOCK, responses={"200": {"responseTemplates": {
        "application/json": '{"caller": "$context.identity.accessKey"}'}}}, authorizationType="AWS_IAM")
    api.deploy()
    assert http(api.url("/iam")).json() == {"message": "Missing Authentication Token"}
    request = AWSRequest(method="GET", url=api.url("/iam"))
    SigV4Auth(boto3.Session(aws_access_key_id="test", aws_secret_access_key="test").get_credentials(),
              "execute-api", "us-east-1").add_auth(request)
    r = http(api.url("/iam"), headers=dict(request.headers))
    assert (r.status, r.json()) == (200, {"caller": "test"})
