"""From a parsed HTTP request to an AWS operation and back.

    Request ──route──▶ (service, protocol) ──SigV4──▶ account/region
            ──parse──▶ operation + params ──call──▶ result dict
            ──serialize──▶ Response

Every failure on the way becomes the protocol's own error document: a
:class:`ServiceError` as the client's fault, anything else as
``InternalFailure`` 500 with the traceback written to the server log, never
to the wire.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from squall.arn import new_request_id
from squall.errors import InternalFailure, NotImplementedOperation, ServiceError
from squall.gateway import auth, chunked, router
from squall.gateway.body import Payload
from squall.gateway.http import Request, Response
from squall.protocol import get_handler
from squall.services.base import RequestContext, Runtime
from squall.services.registry import get_service

if TYPE_CHECKING:
    from squall.protocol import ProtocolHandler

log = logging.getLogger("squall.gateway")

# When the request cannot even be routed we still answer in an AWS shape.
_FALLBACK = ("sqs", "json")


#: Services whose operations may take a body as it arrives (a streaming blob payload).
STREAMING_SERVICES = frozenset({"s3"})


def _payload_hash_declared(request: Request) -> bool:
    """Whether verifying the signature can do without the body: the hash is in a header, or the
    request is presigned (S3 presigned URLs sign UNSIGNED-PAYLOAD) or unsigned."""
    if "x-amz-content-sha256" in request.headers:
        return True
    qs = request.query_string
    return "X-Amz-Signature=" in qs or "Signature=" in qs or "authorization" not in request.headers


async def _buffer(request: Request) -> None:
    request.body = await request.stream.read_all()
    request.stream = None


def _payload(request: Request, identity: auth.AuthResult) -> Payload:
    """The streaming input member as the operation receives it."""
    headers = request.headers
    decoder = chunked.decoder_for(request, identity) if chunked.is_aws_chunked(request) else None
    length = headers.get("x-amz-decoded-content-length") if decoder else headers.get("content-length")
    try:
        size = int(length) if length is not None else None
    except ValueError:
        size = None
    source = request.stream if request.stream is not None else request.body
    # a buffered body's x-amz-content-sha256 was checked by auth.verify
    expect = headers.get("x-amz-content-sha256") if request.stream is not None else None
    return Payload(source, decoder=decoder, expect_sha256=expect, length=size)


class Dispatcher:
    """Holds the per-server pieces a request needs (runtime, key store)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.keys = auth.key_store(runtime)  # shared with services that verify signatures themselves
        # (service, protocol) -> handler: skips hashing the name overrides per request
        self._handlers: dict[tuple[str, str], ProtocolHandler] = {}

    async def handle(self, request: Request) -> Response:
        request_id = new_request_id()
        handler: ProtocolHandler | None = None
        try:
            route = router.resolve(request)
            service = get_service(route.service)
            if service is None:
                try:
                    handler = get_handler(route.model, route.protocol)
                except Exception:  # noqa: BLE001 - no usable model: answer in the fallback shape
                    handler = get_handler(*_FALLBACK)
                raise NotImplementedOperation(
                    f"The service {route.service!r} is not implemented by squall yet.",
                )
            handler = self._handlers.get((route.service, route.protocol))
            if handler is None:
                handler = get_handler(service.model, route.protocol, service.name_overrides or None)
                self._handlers[(route.service, route.protocol)] = handler
            if request.stream is not None and (route.service not in STREAMING_SERVICES
                                               or not _payload_hash_declared(request)):
                await _buffer(request)  # the signature covers the body's hash: read it first
            identity = auth.verify(request, self.settings, self.keys, service=route.service)
            ctx = RequestContext(
                request=request,
                runtime=self.runtime,
                service=route.service,
                operation="",
                account_id=identity.account_id,
                region=identity.region,
                request_id=request_id,
                access_key=identity.access_key,
                protocol=route.protocol,
            )
            if service.rewrite is not None:  # after auth: the signature covers the request as sent
                service.rewrite(request, self.settings)
        except ServiceError as err:
            return self._error(handler, err, None, request_id)
        except Exception:  # a bug in squall: log it, answer InternalFailure
            log.exception("internal error handling %s %s", request.method, request.path)
            return self._error(handler, InternalFailure("We encountered an internal error. Please try again."),
                               None, request_id)

        async def call() -> Response:
            return await self._call(ctx, service, handler, identity)

        if service.middleware is not None:
            return await service.middleware(ctx, call)
        return await call()

    async def _call(self, ctx: RequestContext, service, handler: ProtocolHandler, identity) -> Response:
        """Find, parse, run and serialize the operation; every failure becomes an error response."""
        request, operation = ctx.request, None
        try:
            operation = handler.operation_for(request)
            ctx.operation = operation.name
            if request.stream is not None and not operation.has_streaming_input:
                await _buffer(request)
                auth.check_content_sha256(request, ctx.service in STREAMING_SERVICES)
            params = handler.parse(request, operation)
            if operation.has_streaming_input:
                name = operation.input_shape.serialization["payload"]
                params[name] = _payload(request, identity)
            fn = service.operations.get(operation.name)
            if fn is None:
                raise NotImplementedOperation(
                    f"The operation {operation.name} of service {ctx.service} is not implemented by squall yet."
                )
            result = await fn(ctx, **params)
            if isinstance(result, Response):  # an answer outside the model (S3's 304, for one)
                return result
            return handler.serialize(operation, result, ctx.request_id)
        except ServiceError as err:
            return self._error(handler, err, operation, ctx.request_id)
        except Exception:  # a bug in squall: log it, answer InternalFailure
            log.exception("internal error handling %s %s", request.method, request.path)
            err = InternalFailure("We encountered an internal error. Please try again.")
            return self._error(handler, err, operation, ctx.request_id)

    def _error(self, handler, err: ServiceError, operation, request_id: str) -> Response:
        if handler is None:
            handler = get_handler(*_FALLBACK)
        try:
            return handler.serialize_error(err, operation, request_id)
        except Exception:  # never fail while failing
            log.exception("could not serialize error %r", err)
            return Response(
                status=err.status,
                headers={"content-type": "application/json", "x-amzn-requestid": request_id},
                body=b'{"__type":"InternalFailure","message":"error serialization failed"}',
            )
