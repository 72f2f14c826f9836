"""A route's authorization at request time: ``JWT``, ``CUSTOM`` (a Lambda authorizer) or ``AWS_IAM``.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html

On success the authorizer's output is set on the :class:`~.call.Call` for the integration event
(2.0: ``{"jwt": {claims, scopes}}``, ``{"lambda": context}``, ``{"iam": {…}}``; 1.0: ``{claims, scopes}``
or the Lambda context with ``principalId`` and ``integrationLatency``). Refusals are API Gateway's:
``401 {"message":"Unauthorized"}`` (identity missing or invalid; JWT failures add ``www-authenticate``),
``403 {"message":"Forbidden"}`` (denied, or missing scopes), ``500 {"message":"Internal Server
Error"}`` (the authorizer function failed or answered something unreadable).
"""

from __future__ import annotations

from typing import Any

from squall.apigw import jwt
from squall.apigw.authorizers import (
    ALLOW,
    FAILURE,
    UNAUTHORIZED,
    AuthorizerCall,
    authorize,
    identity_values,
    method_arn,
    parse_identity_sources,
)
from squall.apigw.front import json_response
from squall.errors import ServiceError
from squall.gateway import auth as sigv4
from squall.gateway.http import Response
from squall.services.apigatewayv2.call import Call

UNAUTHORIZED_BODY = {"message": "Unauthorized"}
FORBIDDEN_BODY = {"message": "Forbidden"}
INTERNAL_BODY = {"message": "Internal Server Error"}


async def check(runtime: Any, call: Call) -> Response | None:
    """None when the request may go on (the authorizer's output set on ``call``), else the refusal."""
    kind = call.route.auth_type
    if kind == "NONE":
        return None
    if kind == "AWS_IAM":
        return _iam(runtime, call)
    authorizer = call.route.authorizer
    if authorizer is None:  # deleted since (cannot happen through the API): refuse safely
        return json_response(500, INTERNAL_BODY, call.user)
    if kind == "JWT":
        return await _jwt(runtime, call, authorizer)
    return await _lambda(runtime, call, authorizer)


def _authorizer_call(call: Call, arn: str = "", payload_version: str = "2.0") -> AuthorizerCall:
    return AuthorizerCall(call.user, arn, call.stage.variables, call.context(),
                          lambda: call.event(payload_version, for_authorizer=True))


async def _jwt(runtime: Any, call: Call, authorizer: dict[str, Any]) -> Response | None:
    sources = parse_identity_sources(tuple(authorizer.get("IdentitySource") or ()))
    values = identity_values(sources, _authorizer_call(call))
    if not values:
        call.authorizer_log["error"] = "the token is missing"
        return json_response(401, UNAUTHORIZED_BODY, call.user)
    config = authorizer.get("JwtConfiguration") or {}
    try:
        claims, scopes = await jwt.validate(runtime, values[0], config.get("Issuer", ""),
                                            list(config.get("Audience") or []), call.route.scopes)
    except jwt.JwtRejected as rejected:
        call.authorizer_log["error"] = rejected.description
        body = UNAUTHORIZED_BODY if rejected.status == 401 else FORBIDDEN_BODY
        return json_response(rejected.status, body, call.user, {"www-authenticate": rejected.www_authenticate})
    context = jwt.request_context(claims, scopes)
    call.authorizer_v2 = context
    call.authorizer_v1 = context["jwt"]
    call.authorizer_log["claims"] = context["jwt"]["claims"]
    return None


async def _lambda(runtime: Any, call: Call, authorizer: dict[str, Any]) -> Response | None:
    spec = call.stage.lambda_authorizer(authorizer)
    api, user = call.api, call.user
    arn = method_arn(api.region, api.account, api.api_id, call.stage.name, user.request.method, call.path)
    decision = await authorize(runtime, spec, _authorizer_call(call, arn, spec.payload_version))
    if decision.outcome != ALLOW:
        call.authorizer_log["error"] = decision.error
        if decision.outcome == UNAUTHORIZED:
            return json_response(401, UNAUTHORIZED_BODY, user)
        if decision.outcome == FAILURE:
            return json_response(500, INTERNAL_BODY, user)
        return json_response(403, FORBIDDEN_BODY, user)
    context = decision.context or {}
    call.authorizer_v2 = {"lambda": context}
    v1 = dict(context)
    if decision.principal_id is not None:
        v1["principalId"] = decision.principal_id
    v1["integrationLatency"] = decision.latency_ms
    call.authorizer_v1 = v1
    call.authorizer_log.update(context)
    if decision.principal_id is not None:
        call.authorizer_log["principalId"] = decision.principal_id
    return None


def _iam(runtime: Any, call: Call) -> Response | None:
    """SigV4 (service ``execute-api``) checked like squall's own APIs: a known key's signature must
    verify; unknown keys are accepted as the default account unless the server is strict."""
    request = call.user.request
    if "authorization" not in request.headers and "X-Amz-Signature=" not in request.query_string:
        return json_response(403, {"message": "Missing Authentication Token"}, call.user)
    keys = sigv4.key_store(runtime)
    try:
        identity = sigv4.verify(request, runtime.settings, keys, service="execute-api")
    except ServiceError as err:
        return json_response(403, {"message": err.message}, call.user)
    account = identity.account_id
    call.authorizer_v2 = {"iam": {
        "accessKey": identity.access_key, "accountId": account, "callerId": identity.access_key,
        "cognitoIdentity": None, "principalOrgId": None, "userArn": f"arn:aws:iam::{account}:root",
        "userId": account}}
    call.authorizer_v1 = None
    return None
