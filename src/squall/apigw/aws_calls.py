"""Calling squall's own AWS services in-process, on behalf of an account: what API Gateway's
AWS service integrations (``arn:aws:apigateway:{region}:sqs:path/…``, ``…:s3:path/…``,
``…:lambda:path/…/invocations``) do when they call SQS, S3 or Lambda.

The request is an ordinary :class:`~squall.gateway.http.Request` shaped as the AWS API expects
it (a query form for SQS, a REST path for S3 and Lambda); it is routed, parsed, run and
serialized by the same model-driven handlers as a request from the network — only SigV4 is
skipped, because API Gateway (not the client) is the caller and the integration's account
and region are given. No loopback socket, no signing, no client objects.
"""

from __future__ import annotations

import logging
from typing import Any

from squall.arn import new_request_id
from squall.errors import InternalFailure, NotImplementedOperation, ServiceError
from squall.gateway import router
from squall.gateway.body import Payload
from squall.gateway.http import Request, Response
from squall.protocol import get_handler
from squall.services.base import RequestContext
from squall.services.registry import get_service

log = logging.getLogger("squall.apigw")


async def call_service(runtime: Any, request: Request, *, account: str, region: str) -> Response:
    """Answer ``request`` (its Host names the service: ``sqs.{region}.amazonaws.com``) as the
    service would answer a signed request of ``account``; errors in the protocol's own shape."""
    request_id = new_request_id()
    handler = None
    op = None
    try:
        route = router.resolve(request)
        service = get_service(route.service)
        if service is None:
            raise NotImplementedOperation(f"The service {route.service!r} is not implemented by squall yet.")
        handler = get_handler(service.model, route.protocol, service.name_overrides or None)
        ctx = RequestContext(request=request, runtime=runtime, service=route.service, operation="",
                             account_id=account, region=region, request_id=request_id, protocol=route.protocol)
        if service.rewrite is not None:
            service.rewrite(request, runtime.settings)
        op = handler.operation_for(request)
        ctx.operation = op.name
        params = handler.parse(request, op)
        if op.has_streaming_input:
            params[op.input_shape.serialization["payload"]] = Payload.of(request.body)
        fn = service.operations.get(op.name)
        if fn is None:
            raise NotImplementedOperation(f"The operation {op.name} is not implemented by squall yet.")
        result = await fn(ctx, **params)
        response = result if isinstance(result, Response) else handler.serialize(op, result, request_id)
    except ServiceError as err:
        response = _error(handler, err, op, request_id)
    except Exception:  # a bug in squall: logged, answered as the service's InternalFailure
        log.exception("internal error in an in-process call of %s %s", request.method, request.path)
        response = _error(handler, InternalFailure("We encountered an internal error. Please try again."), op,
                          request_id)
    if response.stream is not None:  # a streamed body (S3 GetObject): the integration needs it whole
        response.body = b"".join([chunk async for chunk in response.stream])
        response.stream = None
        response.headers.pop("content-length", None)
    return response


def _error(handler: Any, err: ServiceError, op: Any, request_id: str) -> Response:
    if handler is None:
        return Response(err.status, {"content-type": "application/json", "x-amzn-requestid": request_id},
                        b'{"message":"' + err.message.replace('"', "'").encode() + b'"}')
    return handler.serialize_error(err, op, request_id)
