"""Calling a function from the data plane (Lambda proxy integrations, Lambda authorizers,
function URLs): the function's answer, or which way it failed.

API Gateway waits for the integration at most 29 s by default (REST ``timeoutInMillis``, HTTP
APIs' ``TimeoutInMillis``); past that it answers 504 while the function keeps running, so the
invocation is shielded from the wait's cancellation and finishes in the background.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from squall.errors import ServiceError
from squall.runtime.limits import Throttled
from squall.runtime.pool import get_pool
from squall.runtime.workers import INIT_TIMEOUT

T = TypeVar("T")

DEFAULT_TIMEOUT = 29.0

_INVOCATIONS = re.compile(r"arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(?P<fn>.+?)/invocations")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def with_stage_variables(text: str, stage_variables: Mapping[str, str] | None) -> str:
    """``text`` with each ``${stageVariables.name}`` replaced by the stage's value (empty when unset)."""
    if "${" not in text:
        return text
    variables = stage_variables or {}
    return _STAGE_VARIABLE.sub(lambda m: variables.get(m[1], ""), text)


def lambda_arn(uri: str, stage_variables: Mapping[str, str] | None = None) -> str:
    """The function ARN an integration or authorizer URI names: the ARN itself, or API Gateway's
    invocation form ``arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations``
    (stage variables substituted first)."""
    uri = with_stage_variables(uri, stage_variables)
    m = _INVOCATIONS.fullmatch(uri)
    return m["fn"] if m else uri


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

    body = event if isinstance(event, bytes) else orjson.dumps(event)
    invocation = get_pool(runtime).invoke(spec, body, request_id=request_id, sync=True)
    # When the function's own deadline (plus a cold start's) ends the call before the gateway's,
    # no gateway timer is needed: the common case, and one timer less per request.
    deadline = None if spec.timeout + INIT_TIMEOUT < timeout else timeout
    try:
        result = await _within(invocation, deadline)
    except Throttled:
        return Outcome(error="throttled")
    except TimeoutError:
        return Outcome(error="timeout")
    if result.function_error:
        return Outcome(result.payload, "function")
    return Outcome(result.payload)


async def _within(invocation: Coroutine[Any, Any, T], timeout: float | None) -> T:
    """Await ``invocation`` for at most ``timeout`` seconds (TimeoutError past it) while letting it
    run to its end whatever happens to the waiter — timed out or cancelled, the function keeps
    running, as in Lambda. (``wait_for(shield(…))`` does the same with two more futures.)"""
    loop = asyncio.get_running_loop()
    task = loop.create_task(invocation)
    waiter = loop.create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    task.add_done_callback(wake)
    timer = loop.call_later(timeout, wake) if timeout is not None else None
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()
        if not task.done():
            task.remove_done_callback(wake)
            task.add_done_callback(_consume)
    if not task.done():
        raise TimeoutError
    return task.result()


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # a late failure of an abandoned invocation is not an unhandled error
