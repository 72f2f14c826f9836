"""REST APIs' data plane: a deployed API answering user requests.

``SERVER`` is what :mod:`squall.apigw.front` asks about every request to an ``execute-api``
address: ``owns`` (a cached lookup of the id) and ``serve``. A request goes through the steps
API Gateway takes, each able to answer with a gateway response instead:

1. the stage (403 ``Forbidden`` when the API has no such stage) and its deployment — never
   the API as currently edited;
2. the resource and method (:mod:`.tree`; 403 ``Missing Authentication Token`` for none);
3. the stage's method throttling (429);
4. authorization (:mod:`.authorize`: Lambda authorizers, IAM);
5. the API key and its usage plan (:mod:`.keys`: 403, 429);
6. request validation (:mod:`.validation`: 400);
7. the integration (:mod:`.integrate`).

Everything per deployment is compiled once (:mod:`.deployed`); nothing on this path opens a
transaction or creates a client. No Python traceback ever reaches the client: anything
unexpected is logged and answered 500 ``Internal server error``.
"""

from __future__ import annotations

import logging
from typing import Any

from squall.apigw import throttle
from squall.apigw.front import Server, UserRequest
from squall.errors import ServiceError
from squall.gateway.http import Response
from squall.services.apigateway import (
    answers,
    authorize,
    deployed,
    integrate,
    keys,
    tree,
    validation,
)
from squall.services.apigateway.call import Call

log = logging.getLogger("squall.apigateway")

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
_DEFAULT_RATE, _DEFAULT_BURST = 10000.0, 5000


async def owns(runtime: Any, api_id: str) -> bool:
    return await deployed.owner(runtime, api_id) is not None


async def serve(runtime: Any, user: UserRequest) -> Response:
    try:
        return await _serve(runtime, user)
    except Exception:  # a bug in squall: logged, never shown
        log.exception("internal error serving %s %s of REST API %s", user.request.method, user.path, user.api_id)
        return answers.error(None, user, "DEFAULT_5XX", "Internal server error", status=500)


async def _serve(runtime: Any, user: UserRequest) -> Response:
    stage_name, path = user.stage, user.path
    if stage_name is None:  # the execute-api host and short forms: the stage is the first segment
        stage_name, _, rest = path.lstrip("/").partition("/")
        path = "/" + rest
    stage = await deployed.stage(runtime, user.api_id, stage_name) if stage_name else None
    if stage is None:
        return answers.error(None, user, "DEFAULT_4XX", "Forbidden", status=403)
    request = user.request
    body = request.body
    if request.stream is not None:
        try:
            body = await request.stream.read_all(MAX_BODY)
        except ServiceError:  # more than API Gateway accepts
            return answers.error(None, user, "REQUEST_TOO_LARGE")
    if len(body) > MAX_BODY:
        return answers.error(None, user, "REQUEST_TOO_LARGE")
    call = Call(user, stage, path, body)
    found = tree.match(stage.deployment.root, path, request.method)
    if found is None:
        return answers.error(call, user, "MISSING_AUTHENTICATION_TOKEN")
    call.match = found
    if not _stage_admits(runtime, call):
        return answers.error(call, user, "THROTTLED")
    refused, usage_key = await authorize.check(runtime, call)
    if refused is not None:
        return answers.error(call, user, refused)
    if found.method.get("apiKeyRequired"):
        refused = await keys.check(runtime, call, usage_key)
        if refused is not None:
            return answers.error(call, user, refused)
    problem = validation.check(call)
    if problem is not None:
        return answers.error(call, user, problem[0], problem[1])
    return answers.finish(await integrate.run(runtime, call), user)


def _stage_admits(runtime: Any, call: Call) -> bool:
    """The stage's method throttling: the method's own settings, else the stage-wide ``*/*``."""
    settings = call.stage.method_settings
    if not settings:
        return True
    resource = call.match.resource  # type: ignore[union-attr]
    key = f"{resource['path'].replace('/', '~1')}/{call.match.method['httpMethod']}"  # type: ignore[union-attr]
    found = settings.get(key) or settings.get("*/*")
    if found is None:
        return True
    rate, burst = found.get("throttlingRateLimit"), found.get("throttlingBurstLimit")
    if rate == _DEFAULT_RATE and burst == _DEFAULT_BURST:
        return True
    which = key if key in settings else "*/*"
    return throttle.admit(runtime, ("stage", call.stage.api_id, call.stage.name, which), rate, burst)


SERVER = Server(name="rest-apis", kind="execute-api", owns=owns, serve=serve)
