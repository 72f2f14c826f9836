"""Parameter mapping: an integration's ``RequestParameters`` (for HTTP_PROXY integrations: headers,
query string, path of the forwarded request) and ``ResponseParameters`` (per status code: headers
and the status of the response).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html

Keys are ``append|overwrite|remove:header.NAME``, ``…:querystring.NAME``, ``overwrite:path`` and
(responses) ``overwrite:statuscode``. Values are static text, one selection expression
(``$request.header.NAME``, ``$request.querystring.NAME``, ``$request.body.a.b``, ``$request.path``,
``$request.path.NAME``, ``$context.NAME``, ``$stageVariables.NAME``; ``$response.header.NAME``,
``$response.body.a.b`` for responses) or text with ``${…}`` expressions (bare ones in text are replaced too). Every value is computed
from the request (or response) as it arrived, then the changes are applied — so
``append:header.b = $request.header.a`` with ``remove:header.a`` renames a header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from squall.gateway.http import Response

Resolver = Callable[[str], str | None]
_BARE = re.compile(r"\$(?:request|response|context|stageVariables)\.[A-Za-z0-9_.\-]+|\$request\.(?:path|body)")
_EXPRESSION = re.compile(r"\$\{([^}]+)\}|" + _BARE.pattern)


def render(value: str, resolve: Resolver) -> str:
    """``value`` with its selection expressions replaced (an unknown one becomes empty)."""
    if "$" not in value:
        return value
    return _EXPRESSION.sub(lambda m: resolve(m[1] or m[0][1:]) or "", value)  # one pass: no re-expansion


def body_path(body: bytes, path: str) -> str | None:
    """``a.b`` of a JSON body (objects only; the first 100 KB, as API Gateway truncates)."""
    try:
        value: Any = orjson.loads(body[:102400])
    except orjson.JSONDecodeError:
        return None
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _parse(key: str) -> tuple[str, str, str]:
    """``append:header.X-Y`` → (``append``, ``header``, ``x-y``); ``overwrite:path`` → (…, ``path``, "")."""
    action, _, where = key.partition(":")
    kind, _, name = where.partition(".")
    return action, kind, name.lower() if kind == "header" else name


def _edit(pairs: list[tuple[str, str]], action: str, name: str, value: str) -> list[tuple[str, str]]:
    if action == "remove":
        return [(k, v) for k, v in pairs if k != name]
    if action == "overwrite":
        return [*[(k, v) for k, v in pairs if k != name], (name, value)]
    return [*pairs, (name, value)]


def map_request(params: dict[str, str], headers: list[tuple[str, str]], query: list[tuple[str, str]], path: str,
                resolve: Resolver) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
    """The forwarded request's (headers, query pairs, path) after ``RequestParameters``
    (header names lower-case)."""
    changes = [(*_parse(key), render(value, resolve)) for key, value in params.items()]
    for action, kind, name, value in changes:
        if kind == "header":
            headers = _edit(headers, action, name, value)
        elif kind == "querystring":
            query = _edit(query, action, name, value)
        elif kind == "path" and action == "overwrite":
            path = value if value.startswith("/") else "/" + value
    return headers, query, path


def map_response(params: dict[str, dict[str, str]] | None, response: Response, resolve: Resolver) -> Response:
    """``response`` after the ``ResponseParameters`` of its status code."""
    mapping = (params or {}).get(str(response.status))
    if not mapping:
        return response

    def resolve_response(expr: str) -> str | None:
        if expr.startswith("response.header."):
            value = response.headers.get(expr[16:].lower())
            return ",".join(value) if isinstance(value, list) else value
        if expr.startswith("response.body."):
            return body_path(response.body, expr[14:])
        if expr == "response.body":
            return response.body.decode("utf-8", "replace")
        return resolve(expr)

    changes = [(*_parse(key), render(value, resolve_response)) for key, value in mapping.items()]
    for action, kind, name, value in changes:
        if kind == "statuscode":
            try:
                response.status = int(value)
            except ValueError:
                continue
        elif action == "remove":
            response.headers.pop(name, None)
        elif action == "append" and name in response.headers:
            prior = response.headers[name]
            response.headers[name] = [*prior, value] if isinstance(prior, list) else f"{prior},{value}"
        else:
            response.headers[name] = value
    return response
