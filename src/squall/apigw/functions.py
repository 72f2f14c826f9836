"""Calling a function from the data plane (Lambda proxy integrations, Lambda authorizers,
function URLs): the function's answer, or which way it failed.

API Gateway waits for the integration at most 29 s by default (REST ``timeoutInMillis``, HTTP
APIs' ``TimeoutInMillis``); past that it answers 504 while the function keeps running, so the
invocation is shielded from the wait's cancellation and finishes in the background.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from squall.errors import ServiceError
from squall.runtime.limits import Throttled
from squall.runtime.pool import get_pool

DEFAULT_TIMEOUT = 29.0


@dataclass
class Outcome:
    payload: bytes = b""
    #: None on success; "function" (the function failed), "throttled", "timeout", "missing"
    error: str | None = None


async def call_function(runtime: Any, arn: str, event: dict[str, Any] | bytes, *, request_id: str,
                        timeout: float = DEFAULT_TIMEOUT) -> Outcome:
    from squall.services.lambda_.functions import resolve_arn

    try:
        spec = await resolve_arn(runtime, arn)
    except ServiceError:
        return Outcome(error="missing")
    if spec.state != "Active":
        return Outcome(error="missing")
    import orjson

    body = event if isinstance(event, bytes) else orjson.dumps(event)
    task = asyncio.ensure_future(get_pool(runtime).invoke(spec, body, request_id=request_id, sync=True))
    try:
        result = await asyncio.wait_for(asyncio.shield(task), timeout)
    except Throttled:
        return Outcome(error="throttled")
    except (TimeoutError, asyncio.TimeoutError):
        task.add_done_callback(_consume)
        return Outcome(error="timeout")
    if result.function_error:
        return Outcome(result.payload, "function")
    return Outcome(result.payload)


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # a late failure of an abandoned invocation is not an unhandled error
