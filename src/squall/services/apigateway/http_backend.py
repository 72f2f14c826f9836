"""HTTP and HTTP_PROXY integrations: forwarding to the integration's URL with the server's
pooled client (:mod:`squall.apigw.http_client`: no client per request, connections reused).

``HTTP_PROXY`` passes the method request through — method (unless the integration names
one), headers, query string, body — and its answer back unchanged. ``HTTP`` sends the mapped
request (template body, mapped headers and query) and its answer goes through the integration
responses. Path variables of the URL (``http://host/{proxy}``) come from
``integration.request.path.*`` mappings, or the method's path parameter of the same name.
https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from squall.apigw.functions import with_stage_variables
from squall.apigw.http_client import client
from squall.services.apigateway.call import Call
from squall.services.apigateway.mapping import Mapped

_HOP = frozenset({"host", "connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer",
                  "upgrade", "proxy-authorization", "proxy-connection"})
_VARIABLE = re.compile(r"\{([A-Za-z0-9._-]+)\+?\}")


class Unreachable(Exception):
    """The backend could not be reached or did not answer (API Gateway's 5XX)."""


class TimedOut(Exception):
    """The backend did not answer within the integration's timeout (504)."""


def url(call: Call, integration: dict[str, Any], mapped: Mapped) -> str:
    """The integration URI with stage variables and path variables filled in."""
    template = with_stage_variables(integration["uri"], call.stage.variables)
    path_params = call.params()["path"]

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        value = mapped.path.get(name, path_params.get(name, ""))
        return quote(value, safe="/" if m.group(0).endswith("+}") or name == "proxy" else "")

    return _VARIABLE.sub(fill, template)


async def send(runtime: Any, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
               timeout_ms: int) -> httpx.Response:
    try:
        return await client(runtime).request(method, target, headers=headers, content=body,
                                             timeout=httpx.Timeout(timeout_ms / 1000))
    except httpx.TimeoutException:
        raise TimedOut from None
    except (httpx.HTTPError, ValueError) as exc:
        raise Unreachable(str(exc)) from None


async def proxy(runtime: Any, call: Call, integration: dict[str, Any], mapped: Mapped) -> httpx.Response:
    """HTTP_PROXY: the method request, passed through."""
    request = call.user.request
    target = url(call, integration, mapped)
    query = request.query_string
    if mapped.query:
        query = "&".join(filter(None, (query, urlencode(mapped.query))))
    if query:
        target += ("&" if "?" in target else "?") + query
    headers = [(k, v) for k, v in call.params()["header"].items() if k.lower() not in _HOP]
    overridden = {k.lower() for k in mapped.headers}
    headers = [(k, v) for k, v in headers if k.lower() not in overridden] + list(mapped.headers.items())
    method = integration.get("httpMethod") or "ANY"
    return await send(runtime, request.method if method == "ANY" else method, target, headers, call.body,
                      integration.get("timeoutInMillis") or 29000)


async def forward(runtime: Any, call: Call, integration: dict[str, Any], mapped: Mapped) -> httpx.Response:
    """HTTP: the mapped integration request."""
    target = url(call, integration, mapped)
    if mapped.query:
        target += ("&" if "?" in target else "?") + urlencode(mapped.query)
    headers = list(mapped.headers.items())
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("content-type", call.header("content-type") or "application/json"))
    method = integration.get("httpMethod") or "ANY"
    return await send(runtime, call.user.request.method if method == "ANY" else method, target, headers,
                      mapped.body, integration.get("timeoutInMillis") or 29000)


def answer_headers(response: httpx.Response) -> dict[str, Any]:
    """The backend's headers to pass on (repeated ones as lists: Set-Cookie)."""
    out: dict[str, Any] = {}
    for name, value in response.headers.multi_items():
        name = name.lower()
        if name in _HOP or name == "content-encoding":
            continue
        if name in out:
            out[name] = [*out[name], value] if isinstance(out[name], list) else [out[name], value]
        else:
            out[name] = value
    return out
