"""Invoke and InvokeAsync: run a function now (RequestResponse), queue it (Event), or only
check that it could run (DryRun).

The request id of the API call is the invocation's ``aws_request_id``, as on Lambda.
A function error is not an API error: the call answers 200 with ``X-Amz-Function-Error:
Unhandled`` and the error document as the payload. Throttling is an API error (429).
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from squall.dispatch import async_invoke
from squall.errors import ServiceError
from squall.runtime.limits import Throttled
from squall.runtime.pool import get_pool
from squall.services.lambda_.errors import LambdaError, ResourceConflict, _error
from squall.services.lambda_.functions import resolve

#: Synchronous request and response payloads: 6 MB.
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024

TooManyRequests = _error("TooManyRequestsException", 429)
InvalidRequestContent = _error("InvalidRequestContentException", 400)
RequestTooLarge = _error("RequestTooLargeException", 413)


async def _read(body: Any, limit: int) -> bytes:
    """The request payload (the wire layer hands it over unread), refused above ``limit``."""
    if body is None or isinstance(body, (bytes, bytearray)):
        data = bytes(body or b"")
    elif getattr(body, "length", None) is not None and body.length > limit:
        data = b"x" * (limit + 1)
    else:
        try:
            data = await body.read(limit)
        except ServiceError as err:
            if err.status != 413:
                raise
            data = b"x" * (limit + 1)
    if len(data) > limit:
        raise RequestTooLarge(f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
    return data


def _check_json(payload: bytes) -> None:
    if not payload.strip():
        return
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequestContent(f"Could not parse request body into json: Could not parse payload into json: "
                                    f"{exc.msg}: was expecting (JSON String, Number, Array, Object or token "
                                    f"'null', 'true' or 'false')") from None


def _client_context(raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        doc = orjson.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidRequestContent("Client context must be a valid Base64-encoded JSON object.") from None
    return doc if isinstance(doc, dict) else None


async def invoke(ctx: Any, FunctionName: str, InvocationType: str | None = None, LogType: str | None = None,
                 ClientContext: str | None = None, Payload: bytes | None = None, Qualifier: str | None = None,
                 **_: Any) -> dict[str, Any]:
    kind = InvocationType or "RequestResponse"
    spec = await resolve(ctx, FunctionName, Qualifier)
    if spec.state != "Active":
        raise ResourceConflict("The operation cannot be performed at this time. The function is currently in "
                               f"the following state: {spec.state}")
    limit = async_invoke.MAX_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
    payload = await _read(Payload, limit)
    _check_json(payload)
    invoked_arn = FunctionName if FunctionName.startswith("arn:") else None
    if invoked_arn is None or (Qualifier and invoked_arn.count(":") == 6):
        invoked_arn = spec.arn + (f":{Qualifier}" if Qualifier else "")
    if kind == "DryRun":
        return {"StatusCode": 204}
    if kind == "Event":
        request_id = ctx.request_id
        await ctx.engine.transact(lambda tx: async_invoke.enqueue(tx, invoked_arn, payload, request_id=request_id))
        return {"StatusCode": 202}
    client_context = _client_context(ClientContext)
    try:
        result = await get_pool(ctx.runtime).invoke(spec, payload, request_id=ctx.request_id, sync=True,
                                                    invoked_arn=invoked_arn, client_context=client_context)
    except Throttled as exc:
        raise TooManyRequests("Rate Exceeded.", Reason=exc.reason) from None
    body = result.payload
    function_error = result.function_error
    if len(body) > MAX_SYNC_PAYLOAD:
        function_error = "Unhandled"
        body = orjson.dumps({"errorMessage": f"Response payload size ({len(body)} bytes) exceeded maximum allowed "
                                             f"payload size ({MAX_SYNC_PAYLOAD} bytes).",
                             "errorType": "Function.ResponseSizeTooLarge"})
    out: dict[str, Any] = {"StatusCode": 200, "Payload": body, "ExecutedVersion": result.executed_version}
    if function_error:
        out["FunctionError"] = function_error
    if LogType == "Tail":
        out["LogResult"] = base64.b64encode(result.log.tail().encode()).decode()
    return out


async def invoke_async(ctx: Any, FunctionName: str, InvokeArgs: Any = None, **_: Any) -> dict[str, Any]:
    """The deprecated InvokeAsync: an Event invocation answering 202 ``{"Status": 202}``."""
    data = InvokeArgs.encode() if isinstance(InvokeArgs, str) else InvokeArgs
    await invoke(ctx, FunctionName, InvocationType="Event", Payload=data)
    return {"Status": 202}


__all__ = ["LambdaError", "ResourceConflict", "invoke", "invoke_async"]
