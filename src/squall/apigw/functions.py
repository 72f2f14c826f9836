"""Calling a function from the data plane (Lambda proxy integrations, Lambda authorizers,
function URLs): the function's answer, or which way it failed.

API Gateway waits for the integration at most 29 s by default (REST ``timeoutInMillis``, HTTP
APIs' ``TimeoutInMillis``); past that it answers 504 while the function keeps running, so the
invocation is shielded from the wait's cancellation and finishes in the background.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from squall.errors import ServiceError
from squall.runtime.limits import Throttled
from squall.runtime.pool import get_pool

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
    import orjson

    body = event if isinstance(event, bytes) else orjson.dumps(event)
    task = asyncio.ensure_future(get_pool(runtime).invoke(spec, body, request_id=request_id, sync=True))
    try:
        result = await asyncio.wait_for(asyncio.shield(task), timeout)
    except Throttled:
        return Outcome(error="throttled")
    except TimeoutError:
        task.add_done_callback(_consume)
        return Outcome(error="timeout")
    if result.function_error:
        return Outcome(result.payload, "function")
    return Outcome(result.payload)


def _consume(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()  # a late failure of an abandoned invocation is not an unhandled error
