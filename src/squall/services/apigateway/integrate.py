"""Running a method's integration and turning its answer into the method response, by type:
``AWS_PROXY`` (Lambda, payload format 1.0), ``MOCK``, ``HTTP_PROXY``, ``HTTP`` and ``AWS``.

Failures become API Gateway's own answers: a malformed Lambda proxy response or a failed
function is 502 ``Internal server error``; no answer within ``timeoutInMillis`` is 504
``Endpoint request timed out``; an integration that cannot be run at all (missing function,
unusable URI, template error, no matching integration response) is 500.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import orjson

from squall.apigw.functions import call_function, lambda_arn
from squall.apigw.proxy import event_v1, response_v1
from squall.gateway.http import Response
from squall.services.apigateway import answers, aws_backend, http_backend, mapping, vtl
from squall.services.apigateway.call import Call

log = logging.getLogger("squall.apigateway")
_MALFORMED = "squall: malformed proxy response"
_MALFORMED_BODY = orjson.dumps({"message": _MALFORMED})


async def run(runtime: Any, call: Call) -> Response:
    integration = call.method["methodIntegration"]
    kind = integration["type"]
    try:
        if kind == "AWS_PROXY":
            return await _lambda_proxy(runtime, call, integration)
        mapped = mapping.request(call, integration)
        if kind == "MOCK":
            return _mock(call, integration, mapped)
        if kind == "HTTP_PROXY":
            upstream = await http_backend.proxy(runtime, call, integration, mapped)
            return Response(upstream.status_code, http_backend.answer_headers(upstream), upstream.content)
        if kind == "HTTP":
            upstream = await http_backend.forward(runtime, call, integration, mapped)
            headers = http_backend.answer_headers(upstream)
            chosen = mapping.select(integration, str(upstream.status_code))
            return mapping.response(call, chosen, headers, upstream.content)
        answer = await aws_backend.call(runtime, call, integration, mapped)
        chosen = mapping.select(integration, aws_backend.selector(answer, aws_backend.is_lambda(integration)))
        return mapping.response(call, chosen, answer.headers, answer.body)
    except mapping.Unsupported:
        return answers.error(call, call.user, "UNSUPPORTED_MEDIA_TYPE")
    except (http_backend.TimedOut, TimeoutError):
        return answers.error(call, call.user, "INTEGRATION_TIMEOUT")
    except http_backend.Unreachable as exc:
        log.info("HTTP integration of %s failed: %s", call.stage.api_id, exc)
        return answers.error(call, call.user, "INTEGRATION_FAILURE", "Internal server error", status=500)
    except (mapping.NoResponse, vtl.TemplateError, aws_backend.BadUri) as exc:
        log.info("integration of %s %s cannot run: %r", call.stage.api_id, call.path, exc)
        return answers.error(call, call.user, "API_CONFIGURATION_ERROR")


def _mock(call: Call, integration: dict[str, Any], mapped: mapping.Mapped) -> Response:
    """MOCK: the request template's ``statusCode`` selects the integration response (200 when
    there is none); the response templates run over an empty integration response."""
    status = "200"
    try:
        doc = orjson.loads(mapped.body) if mapped.body.strip() else None
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and doc.get("statusCode") is not None:
        status = str(doc["statusCode"])
    chosen = mapping.select(integration, status)
    return mapping.response(call, chosen, {}, b"")


async def _lambda_proxy(runtime: Any, call: Call, integration: dict[str, Any]) -> Response:
    stage, res = call.stage, call.match.resource  # type: ignore[union-attr]
    binary = mapping.is_binary(mapping.content_type(call) if call.header("content-type") else None,
                               call.deployment.binary_media_types)
    event = event_v1(call.user, resource=res["path"], stage=stage.name, path=_decoded(call.path), body=call.body,
                     binary=binary, path_parameters=call.match.path_parameters or None,  # type: ignore[union-attr]
                     stage_variables=stage.variables or None, authorizer=call.authorizer,
                     account_id=stage.account, resource_id=res["id"], identity=call.identity or None)
    outcome = await call_function(runtime, lambda_arn(integration["uri"], stage.variables), event,
                                  request_id=call.user.request_id,
                                  timeout=(integration.get("timeoutInMillis") or 29000) / 1000)
    if outcome.error == "timeout":
        return answers.error(call, call.user, "INTEGRATION_TIMEOUT")
    if outcome.error == "function":
        return answers.error(call, call.user, "DEFAULT_5XX", "Internal server error", status=502)
    if outcome.error == "throttled":
        return answers.error(call, call.user, "THROTTLED")
    if outcome.error is not None:
        return answers.error(call, call.user, "API_CONFIGURATION_ERROR")
    response = response_v1(outcome.payload, call.user, bad_message=_MALFORMED)
    if response.status == 502 and response.body == _MALFORMED_BODY:
        return answers.error(call, call.user, "DEFAULT_5XX", "Internal server error", status=502)
    if b"isBase64Encoded" in outcome.payload:
        _keep_base64_unless_binary(call, response, outcome.payload)
    return response


def _keep_base64_unless_binary(call: Call, response: Response, payload: bytes) -> None:
    """REST APIs decode a base64 proxy body only when the request's ``Accept`` (its first type) is
    one of the API's binary media types; otherwise the client gets the base64 text.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/lambda-proxy-binary-media.html"""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return
    if not (isinstance(doc, dict) and doc.get("isBase64Encoded")):
        return
    types = call.deployment.binary_media_types
    accept = (call.header("accept") or "").split(",", 1)[0]
    if mapping.is_binary(accept, types):
        return
    response.body = base64.b64encode(response.body)


def _decoded(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path) if "%" in path else path
