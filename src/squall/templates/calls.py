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
    svc = get_service(service)
    fn = svc.operations.get(operation) if svc is not None else None
    if fn is None:
        raise NotImplementedOperation(f"The operation {service}:{operation} is not implemented by squall yet.")
    host = stack.endpoint.split("://", 1)[-1] or "127.0.0.1:4566"
    request = Request(method="POST", path="/", query_string="", headers={"host": host})
    ctx = RequestContext(request=request, runtime=stack.runtime, service=service, operation=operation,
                         account_id=stack.account, region=stack.region, request_id=new_request_id())
    result = await fn(ctx, **{k: v for k, v in params.items() if v is not None})
    if isinstance(result, Response):  # an operation answering raw bytes (rare for management calls)
        return {"Body": result.body, "Status": result.status}
    return result or {}
