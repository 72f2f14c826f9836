"""How the data plane answers: API Gateway's own errors as (possibly customized) gateway
responses, and the headers every REST API response carries (``x-amzn-RequestId``,
``x-amz-apigw-id``; errors also ``x-amzn-ErrorType``).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import orjson

from squall.apigw.front import UserRequest
from squall.gateway.http import Response
from squall.services.apigateway import gateway_responses, vtl

log = logging.getLogger("squall.apigateway")

#: the message each type answers with by default ($context.error.message)
MESSAGES: dict[str, str | None] = {
    "MISSING_AUTHENTICATION_TOKEN": "Missing Authentication Token", "INVALID_API_KEY": "Forbidden",
    "THROTTLED": "Too Many Requests", "QUOTA_EXCEEDED": "Limit Exceeded", "UNAUTHORIZED": "Unauthorized",
    "ACCESS_DENIED": "User is not authorized to access this resource with an explicit deny",
    "BAD_REQUEST_BODY": "Invalid request body", "INTEGRATION_TIMEOUT": "Endpoint request timed out",
    "INTEGRATION_FAILURE": "Internal server error", "API_CONFIGURATION_ERROR": "Internal server error",
    "AUTHORIZER_CONFIGURATION_ERROR": None, "AUTHORIZER_FAILURE": None, "DEFAULT_5XX": "Internal server error",
    "DEFAULT_4XX": "Forbidden", "UNSUPPORTED_MEDIA_TYPE": "Unsupported Media Type",
    "REQUEST_TOO_LARGE": "Request Too Long", "RESOURCE_NOT_FOUND": "Not Found", "EXPIRED_TOKEN": "Forbidden",
    "INVALID_SIGNATURE": "Forbidden", "BAD_REQUEST_PARAMETERS": "Bad Request", "WAF_FILTERED": "Forbidden",
}
#: x-amzn-ErrorType per type
ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException", "INVALID_API_KEY": "ForbiddenException",
    "THROTTLED": "TooManyRequestsException", "QUOTA_EXCEEDED": "LimitExceededException",
    "UNAUTHORIZED": "UnauthorizedException", "ACCESS_DENIED": "AccessDeniedException",
    "BAD_REQUEST_BODY": "BadRequestException", "BAD_REQUEST_PARAMETERS": "BadRequestException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
    "AUTHORIZER_FAILURE": "AuthorizerFailureException", "UNSUPPORTED_MEDIA_TYPE": "UnsupportedMediaTypeException",
    "REQUEST_TOO_LARGE": "RequestTooLargeException", "INVALID_SIGNATURE": "InvalidSignatureException",
    "EXPIRED_TOKEN": "ExpiredTokenException", "RESOURCE_NOT_FOUND": "NotFoundException",
    "DEFAULT_4XX": "ForbiddenException", "WAF_FILTERED": "ForbiddenException",
}
_DEFAULT = object()


def finish(response: Response, user: UserRequest) -> Response:
    """The ids every REST API response carries (HTTP APIs' ``apigw-requestid`` is not one of them)."""
    headers = response.headers
    headers.pop("apigw-requestid", None)
    headers["x-amzn-requestid"] = user.request_id
    headers["x-amz-apigw-id"] = apigw_id(user.request_id)
    return response


def apigw_id(request_id: str) -> str:
    """``x-amz-apigw-id`` (the extended request id): 16 base64 characters, as AWS's look."""
    try:
        raw = bytes.fromhex(request_id.replace("-", ""))[:11]
    except ValueError:
        raw = request_id.encode()[:11]
    return base64.b64encode(raw).decode("ascii")


def error(call: Any, user: UserRequest, kind: str, message: Any = _DEFAULT, status: int | None = None) -> Response:
    """API Gateway's answer of type ``kind`` (``call`` None before a stage is known: the default).
    ``status`` overrides the type's own status unless the API customized it (the 502 of a
    malformed proxy response is a DEFAULT_5XX with status 502)."""
    text = MESSAGES.get(kind, "Internal server error") if message is _DEFAULT else message
    responses = call.deployment.responses if call is not None else {}
    headers = {"x-amzn-errortype": ERROR_TYPES.get(kind, "InternalServerErrorException")}
    if not responses:
        code = status or int(gateway_responses.TYPES.get(kind) or 500)
        return finish(Response(code, {"content-type": "application/json", **headers},
                               orjson.dumps({"message": text})), user)
    explicit, params, templates = gateway_responses.resolve(responses, kind)
    code = int(explicit) if explicit else status or int(gateway_responses.TYPES.get(kind) or 500)
    content_type, template = _template(templates)
    call.error = {"message": text, "messageString": orjson.dumps(text).decode(), "responseType": kind,
                  "validationErrorString": text if kind.startswith("BAD_REQUEST") else None}
    call.changed()
    try:
        body = vtl.render(template, input=vtl.Input(call.body, call.params()), context=call.template_context(),
                          stage_variables=call.stage.variables).encode() if template else b""
    except vtl.TemplateError:
        log.warning("gateway response template for %s failed", kind, exc_info=True)
        body = orjson.dumps({"message": text})
    for target, expression in params.items():
        if target.startswith("gatewayresponse.header."):
            value = call.source(expression)
            if value is not None:
                headers[target[len("gatewayresponse.header."):].lower()] = value
    return finish(Response(code, {"content-type": content_type, **headers}, body), user)


def _template(templates: dict[str, str]) -> tuple[str, str]:
    if "application/json" in templates:
        return "application/json", templates["application/json"]
    for content_type, template in templates.items():
        return content_type, template
    return "application/json", ""
