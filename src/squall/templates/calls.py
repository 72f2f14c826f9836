"""The in-process AWS call resource handlers make (:meth:`StackContext.call`).

Parameters arrive as botocore shapes them *after* parsing (names as in the API reference, blobs
as bytes, timestamps as datetimes), so the operation function is called directly: no request is
built or parsed, no signature checked — CloudFormation, not a client, is the caller, on behalf
of the stack's account and region. The operation runs exactly as for a network call otherwise
(same validation, same ``ServiceError`` s, same events committed).
"""

from __future__ import annotations

from typing import Any

from squall.arn import new_request_id
from squall.errors import NotImplementedOperation
from squall.gateway.http import Request, Response
from squall.services.base import RequestContext
from squall.services.registry import get_service
from squall.templates.api import StackContext


async def call(stack: StackContext, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """:meth:`StackContext.call`: the operation on behalf of the stack's account and region."""
    return await call_service(stack.runtime, service, operation, stack.account, stack.region,
                              endpoint=stack.endpoint, **params)


async def call_service(runtime: Any, service: str, operation: str, account: str, region: str, *,
                       endpoint: str = "", **params: Any) -> dict[str, Any]:
    """Run ``operation`` of ``service`` in-process for ``account``/``region``; its output dict (a raw
    answer — S3 GetObject — comes back as ``{"Body": bytes, "Status": int}``)."""
    svc = get_service(service)
    fn = svc.operations.get(operation) if svc is not None else None
    if fn is None:
        raise NotImplementedOperation(f"The operation {service}:{operation} is not implemented by squall yet.")
    host = endpoint.split("://", 1)[-1] or runtime.settings.endpoint.split("://", 1)[-1]
    request = Request(method="POST", path="/", query_string="", headers={"host": host})
    ctx = RequestContext(request=request, runtime=runtime, service=service, operation=operation,
                         account_id=account, region=region, request_id=new_request_id())
    result = await fn(ctx, **{k: v for k, v in params.items() if v is not None})
    if isinstance(result, Response):
        body = result.body
        if result.stream is not None:
            body = b"".join([chunk async for chunk in result.stream])
        return {"Body": body, "Status": result.status}
    return result or {}
