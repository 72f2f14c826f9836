"""Method authorization on the data plane: ``CUSTOM`` (Lambda ``TOKEN`` / ``REQUEST``
authorizers, through the shared :mod:`squall.apigw.authorizers`), ``AWS_IAM`` (a SigV4
signature squall can verify) and ``COGNITO_USER_POOLS`` (not served: 401).

The outcome is what the rest of the request needs: None to go on (with the authorizer's
principal and context on the call), else the gateway response type to answer with —
``UNAUTHORIZED`` (401), ``ACCESS_DENIED`` (403), ``AUTHORIZER_CONFIGURATION_ERROR`` (500),
``MISSING_AUTHENTICATION_TOKEN`` / ``INVALID_SIGNATURE`` (403, IAM).
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
"""

from __future__ import annotations

from typing import Any

from squall.apigw import authorizers
from squall.apigw.functions import lambda_arn
from squall.apigw.proxy import event_v1
from squall.errors import ServiceError
from squall.services.apigateway.call import Call


async def check(runtime: Any, call: Call) -> tuple[str | None, str | None]:
    """(gateway response type or None, the authorizer's usageIdentifierKey)."""
    kind = call.method.get("authorizationType") or "NONE"
    if kind == "NONE":
        return None, None
    if kind == "AWS_IAM":
        return _iam(runtime, call), None
    if kind != "CUSTOM":
        return "UNAUTHORIZED", None
    config = call.deployment.authorizers.get(call.method.get("authorizerId") or "")
    if config is None or config.get("type") not in ("TOKEN", "REQUEST"):
        return "AUTHORIZER_CONFIGURATION_ERROR", None
    stage = call.stage
    spec = authorizers.LambdaAuthorizer(
        cache_id=f"{stage.api_id}/{stage.name}/{config['id']}",
        function_arn=lambda_arn(config.get("authorizerUri") or "", stage.variables),
        flavor="rest", kind=config["type"],
        identity_sources=(config.get("identitySource") or "",) if config.get("identitySource") else (),
        ttl=int(config.get("authorizerResultTtlInSeconds") if config.get("authorizerResultTtlInSeconds")
                is not None else 300),
        validation_expression=config.get("identityValidationExpression"))
    res = call.match.resource  # type: ignore[union-attr]
    context = call.context()

    def event() -> dict[str, Any]:
        return event_v1(call.user, resource=res["path"], stage=stage.name, path=call.path, body=b"",
                        path_parameters=call.match.path_parameters or None,  # type: ignore[union-attr]
                        stage_variables=stage.variables or None, account_id=stage.account,
                        resource_id=res["id"])

    request = authorizers.AuthorizerCall(
        call.user, authorizers.method_arn(stage.region, stage.account, stage.api_id, stage.name, call.http_method,
                                          call.path),
        stage_variables=stage.variables, context=context, event=event)
    decision = await authorizers.authorize(runtime, spec, request)
    if decision.outcome == authorizers.UNAUTHORIZED:
        return "UNAUTHORIZED", None
    if decision.outcome == authorizers.FORBIDDEN:
        return "ACCESS_DENIED", None
    if decision.outcome != authorizers.ALLOW:
        return "AUTHORIZER_CONFIGURATION_ERROR", None
    found: dict[str, Any] = {"principalId": decision.principal_id}
    found.update(decision.context or {})
    found["integrationLatency"] = decision.latency_ms
    call.authorizer = found
    call.changed()
    return None, decision.usage_identifier_key


def _iam(runtime: Any, call: Call) -> str | None:
    """AWS_IAM: the request must carry a valid SigV4 signature (no IAM policies yet: any
    authenticated caller is allowed); the caller shows in ``requestContext.identity``."""
    from squall.gateway import auth

    request = call.user.request
    if "authorization" not in request.headers and "X-Amz-Signature=" not in request.query_string:
        return "MISSING_AUTHENTICATION_TOKEN"
    keys = auth.key_store(runtime)
    try:  # squall's auth policy holds here too: unknown keys pass unless the server is --strict-auth
        result = auth.verify(request, runtime.settings, keys, service="execute-api")
    except ServiceError:
        return "INVALID_SIGNATURE"
    call.identity.update(accessKey=result.access_key, accountId=result.account_id, caller=result.access_key,
                         user=result.access_key,
                         userArn=f"arn:aws:iam::{result.account_id}:user/{result.access_key}")
    call.changed()
    return None
