"""Calling a route's integration: a Lambda function (``AWS_PROXY``, payload format 2.0 or 1.0) or an
HTTP endpoint (``HTTP_PROXY``).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html

Failures are answered as HTTP APIs do: a function that fails, cannot be called or answers
something unreadable is ``500 {"message":"Internal Server Error"}``; an integration that does not
answer within ``TimeoutInMillis`` is ``503 {"message":"Service Unavailable"}`` (the function keeps
running). HTTP_PROXY forwards method (``ANY``: the request's), headers (hop-by-hop ones and
``Host`` excepted), query string and body to the URI — stage variables and path variables
(``{proxy}``) substituted, the whole request path appended for the ``$default`` route — after the
integration's request parameter mapping; the answer comes back as it is (body bytes untouched).
The pooled client of :mod:`squall.apigw.http_client` (shared with REST APIs) does the forwarding.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from squall.apigw import http_client
from squall.apigw.front import json_response
from squall.apigw.functions import call_function, with_stage_variables
from squall.apigw.proxy import header_pairs, response_v1, response_v2, source_ip
from squall.gateway.http import Response
from squall.services.apigatewayv2.call import Call
from squall.services.apigatewayv2.mapping import map_request

INTERNAL = {"message": "Internal Server Error"}
_INTERNAL_BODY = b'{"message":"Internal Server Error"}'
UNAVAILABLE = {"message": "Service Unavailable"}
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                         "trailers", "transfer-encoding", "upgrade", "host", "content-length", "expect"})


@dataclass
class Result:
    response: Response
    status: int | None = None  # $context.integrationStatus
    latency_ms: int = 0  # $context.integrationLatency
    error: str | None = None  # $context.integrationErrorMessage


async def invoke(runtime: Any, call: Call) -> Result:
    integration = call.route.integration
    if integration is None:
        return Result(json_response(500, INTERNAL, call.user), error="The route has no integration")
    if integration["IntegrationType"] == "AWS_PROXY":
        return await _function(runtime, call, integration)
    return await _http(runtime, call, integration)


def _timeout(integration: dict[str, Any]) -> float:
    return int(integration.get("TimeoutInMillis") or 30000) / 1000


async def _function(runtime: Any, call: Call, integration: dict[str, Any]) -> Result:
    version = integration.get("PayloadFormatVersion", "1.0")
    user = call.user
    started = time.monotonic()
    outcome = await call_function(runtime, call.stage.function_arn(integration), call.event(version),
                                  request_id=user.request_id, timeout=_timeout(integration))
    latency = int((time.monotonic() - started) * 1000)
    if outcome.error is not None:
        if outcome.error == "timeout":
            return Result(json_response(503, UNAVAILABLE, user), latency_ms=latency,
                          error="The Lambda function did not answer in time")
        status = 200 if outcome.error == "function" else 500
        return Result(json_response(500, INTERNAL, user), status, latency,
                      f"The Lambda function could not be called or failed ({outcome.error})")
    if version == "2.0":
        response = response_v2(outcome.payload, user)
    else:
        response = response_v1(outcome.payload, user, bad_status=500, bad_message="Internal Server Error")
    malformed = response.status == 500 and response.body == _INTERNAL_BODY
    return Result(response, 200, latency, "The Lambda function returned a malformed response" if malformed else None)


def _target(call: Call, integration: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]]]:
    """(method, URL, headers) of the forwarded request."""
    uri = with_stage_variables(integration["IntegrationUri"], call.stage.variables)
    for name, value in call.path_parameters.items():
        uri = uri.replace("{" + name + "}", quote(value, safe="/"))
    parts = urlsplit(uri)
    path = parts.path
    if call.route.method == "":  # $default: the whole request path goes to the backend
        path = path.rstrip("/") + call.path
    user = call.user
    headers = [(k.lower(), v) for k, v in header_pairs(user) if k.lower() not in _HOP_BY_HOP]
    headers.append(("x-forwarded-for", source_ip(user)))
    headers.append(("x-forwarded-proto", user.request.scheme))
    query = parse_qsl(parts.query, keep_blank_values=True)
    raw_query = user.request.query_string
    params = integration.get("RequestParameters")
    if params:
        query = query + parse_qsl(raw_query, keep_blank_values=True)
        headers, query, path = map_request(params, headers, query, path, call.resolve)
        query_string = urlencode(query)
    else:
        query_string = "&".join(q for q in (parts.query, raw_query) if q)
    method = integration.get("IntegrationMethod") or "ANY"
    if method == "ANY":
        method = user.request.method
    url = f"{parts.scheme}://{parts.netloc}{path or '/'}" + (f"?{query_string}" if query_string else "")
    return method, url, headers


async def _http(runtime: Any, call: Call, integration: dict[str, Any]) -> Result:
    user = call.user
    method, url, headers = _target(call, integration)
    started = time.monotonic()
    client = http_client.client(runtime)
    timeout = _timeout(integration)
    try:
        async with asyncio.timeout(timeout):  # the whole exchange, as TimeoutInMillis bounds it
            request = client.build_request(method, url, headers=headers, content=call.body or None, timeout=timeout)
            upstream = await client.send(request, stream=True)
            try:
                body = b"".join([chunk async for chunk in upstream.aiter_raw()])
            finally:
                await upstream.aclose()
    except (TimeoutError, httpx.TimeoutException):
        return Result(json_response(503, UNAVAILABLE, user), latency_ms=int((time.monotonic() - started) * 1000),
                      error="The HTTP integration did not answer in time")
    except (httpx.HTTPError, ValueError) as exc:
        return Result(json_response(500, INTERNAL, user), latency_ms=int((time.monotonic() - started) * 1000),
                      error=f"The HTTP integration failed: {type(exc).__name__}")
    out: dict[str, Any] = {}
    for name, value in upstream.headers.multi_items():
        name = name.lower()
        if name in _HOP_BY_HOP:
            continue
        if name == "set-cookie":
            out.setdefault(name, []).append(value)
        elif name in out:
            out[name] = f"{out[name]},{value}"
        else:
            out[name] = value
    out["apigw-requestid"] = user.request_id
    latency = int((time.monotonic() - started) * 1000)
    return Result(Response(upstream.status_code, out, body), upstream.status_code, latency)
