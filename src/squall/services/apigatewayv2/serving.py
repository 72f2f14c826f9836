"""Serving deployed HTTP APIs: the ``SERVER`` :mod:`squall.apigw.front` hands user requests to.

A request's way (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):

1. the stage — the URL's first path segment when it names a stage, else ``$default`` at the root
   (the ``/restapis/{id}/{stage}/_user_request_/`` form names it explicitly); none, or a stage
   never deployed: ``404 {"message":"Not Found"}``; an API with ``DisableExecuteApiEndpoint``:
   ``403 {"message":"Forbidden"}``;
2. CORS preflights are answered from the deployment's ``CorsConfiguration`` (:mod:`.cors`);
3. the route (:mod:`.matching`), else ``404 {"message":"Not Found"}``;
4. route throttling (:meth:`.served.Stage.admit`): ``429 {"message":"Too Many Requests"}``;
5. authorization (:mod:`.auth`): 401 / 403 / 500;
6. the integration (:mod:`.integrate`), its response parameter mapping (:mod:`.mapping`), the CORS
   headers, and the stage's access log line (:mod:`.access_log`).

Every answer carries ``apigw-requestid``; nothing here raises to the client: an unexpected error is
logged and answered ``500 {"message":"Internal Server Error"}``. The API's view comes from
:mod:`.served` (a per-process cache checked against the API's revision), so a request costs no
engine transaction.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from squall.apigw.front import Server, UserRequest, json_response
from squall.apigw.proxy import source_ip
from squall.gateway.http import Response
from squall.services.apigatewayv2 import auth, integrate, served
from squall.services.apigatewayv2.call import Call
from squall.services.apigatewayv2.cors import is_preflight
from squall.services.apigatewayv2.mapping import map_response

log = logging.getLogger("squall.apigatewayv2")

NOT_FOUND = {"message": "Not Found"}
FORBIDDEN = {"message": "Forbidden"}
TOO_MANY = {"message": "Too Many Requests"}
TOO_LARGE = {"message": "Request Entity Too Large"}
INTERNAL = {"message": "Internal Server Error"}
MAX_BODY = 10 * 1024 * 1024  # HTTP APIs' payload limit


async def owns(runtime: Any, api_id: str) -> bool:
    """Whether ``api_id`` is an HTTP API (a cached lookup). When the engine cannot say, claim it:
    :func:`serve` then answers 500 rather than another server a misleading 404."""
    try:
        return await served.lookup(runtime, api_id) is not None
    except Exception:
        log.exception("looking up API %s failed", api_id)
        return True


def _stage(api: served.Api, user: UserRequest) -> tuple[served.Stage | None, str, str]:
    """(stage, path without the stage, the path as the event reports it)."""
    if user.stage is not None:
        stage = api.stages.get(user.stage)
        path = user.path
        return stage, path, path if user.stage == "$default" else f"/{user.stage}{path}"
    path = user.path
    first, _, rest = path[1:].partition("/")
    if first and first != "$default":
        named = api.stages.get(first)
        if named is not None:
            return named, "/" + rest, path
    return api.default_stage, path, path


async def serve(runtime: Any, user: UserRequest) -> Response:
    try:
        return await _serve(runtime, user)
    except Exception:  # a bug in squall: log it, answer as API Gateway does
        log.exception("serving %s %s of HTTP API %s failed", user.request.method, user.path, user.api_id)
        return json_response(500, INTERNAL, user)


async def _serve(runtime: Any, user: UserRequest) -> Response:
    started = time.monotonic()
    api = await served.lookup(runtime, user.api_id)
    if api is None:
        return json_response(404, NOT_FOUND, user)
    stage, path, raw_path = _stage(api, user)
    if stage is None or stage.deployment is None:
        return json_response(404, NOT_FOUND, user)
    deployment = stage.deployment
    if deployment.disabled:
        return json_response(403, FORBIDDEN, user)
    request = user.request
    match = deployment.table.match(request.method, path)
    cors = deployment.cors
    if cors is not None and is_preflight(request) and not _routed_preflight(match, deployment):
        response = cors.preflight(request, user.request_id)
        if stage.access_log is not None:
            _log(runtime, stage, user, raw_path, None, response, started)
        return response
    call = None
    result = None
    if match is None:
        response = json_response(404, NOT_FOUND, user)
    elif not stage.admit(runtime, match.route.key):
        response = json_response(429, TOO_MANY, user)
    else:
        body = await _body(request)
        if body is None:
            response = json_response(413, TOO_LARGE, user)
        else:
            call = Call(user, api, stage, match.route, path, raw_path, match.path_parameters, body)
            refusal = await auth.check(runtime, call)
            if refusal is not None:
                response = refusal
            else:
                result = await integrate.invoke(runtime, call)
                response = result.response
                params = match.route.integration.get("ResponseParameters") if match.route.integration else None
                if params:
                    response = map_response(params, response, call.resolve)
    if cors is not None:
        cors.decorate(request, response)
    if stage.access_log is not None:
        _log(runtime, stage, user, raw_path, call, response, started, result, match.route.key if match else None)
    return response


def _routed_preflight(match: Any, deployment: served.Deployment) -> bool:
    """Whether a preflight goes to a route instead of being answered: an ``OPTIONS`` route, or a
    ``$default`` route that requires authorization (see :mod:`.cors`)."""
    if match is None:
        return False
    route = match.route
    if route.method == "OPTIONS":
        return True
    return route is deployment.table.default and route.auth_type != "NONE"


async def _body(request: Any) -> bytes | None:
    """The request body, or None past the 10 MB HTTP APIs accept."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        return None
    if request.stream is not None:
        request.body = await request.stream.read_all()
        request.stream = None
    return request.body if len(request.body) <= MAX_BODY else None


def _log(runtime: Any, stage: served.Stage, user: UserRequest, raw_path: str, call: Call | None,
         response: Response, started: float, result: integrate.Result | None = None,
         route_key: str | None = None) -> None:
    """One access-log line for this request (never fails the request)."""
    try:
        request = user.request
        values: dict[str, Any] = {
            "accountId": stage.api.account, "apiId": stage.api.api_id, "domainName": user.domain_name,
            "domainPrefix": user.domain_prefix, "extendedRequestId": user.request_id, "requestId": user.request_id,
            "httpMethod": request.method, "path": raw_path, "protocol": "HTTP/1.1",
            "requestTime": user.request_time, "requestTimeEpoch": user.time_epoch_ms, "routeKey": route_key,
            "stage": stage.name, "status": response.status, "responseLength": len(response.body),
            "responseLatency": int((time.monotonic() - started) * 1000),
            "identity.sourceIp": source_ip(user), "identity.userAgent": request.headers.get("user-agent"),
            "dataProcessed": len(request.body) + len(response.body),
        }
        if result is not None:
            values.update({"integrationLatency": result.latency_ms, "integration.latency": result.latency_ms,
                           "integrationStatus": result.status, "integration.status": result.status,
                           "integration.integrationStatus": result.status, "integrationErrorMessage": result.error,
                           "integration.error": result.error})
        elif response.status >= 400 and response.headers.get("content-type") == "application/json":
            values["error.message"] = _message(response.body)  # API Gateway's own error
        if call is not None:
            _flatten("authorizer", call.authorizer_log, values)
        stage.access_log.write(runtime, values)  # type: ignore[union-attr]
    except Exception:  # an access log must never break the request it describes
        log.exception("writing an access log line failed")


def _message(body: bytes) -> str | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return doc.get("message") if isinstance(doc, dict) else None


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    else:
        out[prefix] = value


SERVER = Server(name="http-apis", kind="execute-api", owns=owns, serve=serve)
