"""The one pooled HTTP client a server uses to reach integration backends (REST and HTTP APIs'
HTTP / HTTP_PROXY integrations): created on first use, its connections reused across requests
(no client per request), closed when the server stops.
"""

from __future__ import annotations

from typing import Any

import httpx

_STATE_KEY = "apigw.http-client"


def client(runtime: Any) -> httpx.AsyncClient:
    found = runtime.state.get(_STATE_KEY)
    if found is None:
        found = runtime.state[_STATE_KEY] = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128), follow_redirects=False)
    return found


async def close_on_stop(runtime: Any) -> None:
    """A service background task: close the client when the server stops."""
    if runtime.stopping is None:
        return
    try:
        await runtime.stopping.wait()
    finally:
        found = runtime.state.pop(_STATE_KEY, None)
        if found is not None:
            await found.aclose()
