"""Recognizing a request to a *deployed* API (API Gateway's data plane) or a function URL,
as opposed to a call of an AWS management API, and handing it to whoever serves it.

The URL forms (``docs/compatibility.md``):

* ``http://127.0.0.1:4566/restapis/{apiId}/{stage}/_user_request_/{path}`` — the form local AWS
  tools already use (both REST and HTTP APIs);
* ``http://{apiId}.execute-api.localhost:4566/{stage}/{path}`` (any host of the form
  ``{apiId}.execute-api.…``) — an HTTP API's ``$default`` stage answers without the stage segment;
* ``http://127.0.0.1:4566/_api/{apiId}/{stage}/{path}`` — the short form ``squall up`` prints;
* ``http://{urlId}.lambda-url.{region}.localhost:4566/{path}`` — Lambda function URLs.

:func:`match` runs on every request before the AWS API router, so it only looks at the path's
first bytes and the Host header. Who serves a matched request is decided by the registered
:class:`Server` s (REST APIs, HTTP APIs, function URLs), each asked whether it owns the id.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from squall.arn import new_request_id
from squall.gateway.http import Request, Response

USER_REQUEST = "/_user_request_"


@dataclass
class UserRequest:
    """One request to a deployed API, as the serving code sees it."""

    request: Request
    kind: str  # "execute-api" | "lambda-url"
    api_id: str
    #: the stage named by the URL form, or None when the handler must decide from ``path``
    #: (the ``execute-api`` host form: a first segment that is no stage means ``$default``)
    stage: str | None
    #: the path after the API id (and after the stage when ``stage`` is set), raw, starting with "/"
    path: str
    #: the domain name the event reports (``{apiId}.execute-api.{region}.amazonaws.com`` shape)
    domain_name: str
    request_id: str = field(default_factory=new_request_id)
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    @property
    def domain_prefix(self) -> str:
        return self.domain_name.split(".", 1)[0]

    @property
    def request_time(self) -> str:
        """``12/Mar/2020:19:03:58 +0000``: requestContext.time / requestTime."""
        return _clf_time(self.time_epoch_ms // 1000)


@functools.lru_cache(maxsize=4)
def _clf_time(second: int) -> str:
    """A second as the access log's time format (cached: every request of a second shares it)."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))


Handler = Callable[[Any, UserRequest], Awaitable[Response]]


@dataclass
class Server:
    """Something that serves user requests of one kind: ``owns(runtime, api_id)`` answers quickly
    (it is asked on every such request) whether the id is its own; ``serve`` answers the request."""

    name: str
    kind: str
    owns: Callable[[Any, str], Awaitable[bool]]
    serve: Handler


#: The modules that serve deployed APIs, each exposing ``SERVER`` (a :class:`Server`), asked in
#: this order. Imported on the first user request.
SERVER_MODULES = (
    "squall.services.apigatewayv2.serving",  # HTTP APIs
    "squall.services.apigateway.serving",  # REST APIs
    "squall.services.lambda_.url_serving",  # function URLs
)


@functools.cache
def servers() -> tuple[Server, ...]:
    return tuple(importlib.import_module(name).SERVER for name in SERVER_MODULES)


def _host(request: Request) -> str:
    return request.headers.get("host", "").split(":", 1)[0].lower()


def match(request: Request, region: str) -> UserRequest | None:
    """The user request this is, or None for an ordinary AWS API call."""
    path = request.path
    if path.startswith("/restapis/") and USER_REQUEST in path:
        # /restapis/{id}/{stage}/_user_request_/{path}
        head, _, rest = path.partition(USER_REQUEST)
        parts = head.split("/")
        if len(parts) != 4 or not parts[2] or not parts[3]:
            return None
        api_id, stage = parts[2], parts[3]
        return UserRequest(request, "execute-api", api_id, stage, rest or "/",
                           f"{api_id}.execute-api.{region}.amazonaws.com")
    if path.startswith("/_api/"):
        # /_api/{id}/{stage-or-path…}: the stage is decided by the API (HTTP APIs' $default)
        rest = path[len("/_api/"):]
        api_id, _, tail = rest.partition("/")
        if not api_id:
            return None
        return UserRequest(request, "execute-api", api_id, None, "/" + tail,
                           f"{api_id}.execute-api.{region}.amazonaws.com")
    host = _host(request)
    if ".execute-api." in host:
        api_id = host.split(".", 1)[0]
        return UserRequest(request, "execute-api", api_id, None, path or "/", host)
    if ".lambda-url." in host:
        url_id = host.split(".", 1)[0]
        return UserRequest(request, "lambda-url", url_id, None, path or "/", host)
    return None


async def serve(runtime: Any, user: UserRequest) -> Response:
    """Hand the request to the server that owns its id; API Gateway's 404 when none does."""
    for server in servers():
        if server.kind == user.kind and await server.owns(runtime, user.api_id):
            return await server.serve(runtime, user)
    if user.kind == "lambda-url":  # an unknown function URL: AWS answers as for a URL one may not call
        return json_response(403, {"Message": None}, user, {"x-amzn-errortype": "AccessDeniedException"})
    return json_response(404, {"message": "Not Found"}, user)


def json_response(status: int, doc: Any, user: UserRequest | None = None,
                  headers: dict[str, str] | None = None) -> Response:
    """A JSON answer of API Gateway itself (errors, gateway responses), with its request id headers."""
    out = {"content-type": "application/json"}
    if user is not None:
        out["x-amzn-requestid"] = user.request_id
        out["apigw-requestid"] = user.request_id
    if headers:
        out.update(headers)
    return Response(status, out, orjson.dumps(doc))
