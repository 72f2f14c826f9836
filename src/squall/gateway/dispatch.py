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
from squall.gateway import auth, router
from squall.gateway.http import Request, Response
from squall.protocol import get_handler
from squall.services.base import RequestContext, Runtime
from squall.services.registry import get_service

if TYPE_CHECKING:
    from squall.protocol import ProtocolHandler

log = logging.getLogger("squall.gateway")

# When the request cannot even be routed we still answer in an AWS shape.
_FALLBACK = ("sqs", "json")


class Dispatcher:
    """Holds the per-server pieces a request needs (runtime, key store)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.keys = auth.KeyStore(self.settings)
        # (service, protocol) -> handler: skips hashing the name overrides per request
        self._handlers: dict[tuple[str, str], ProtocolHandler] = {}

    async def handle(self, request: Request) -> Response:
        request_id = new_request_id()
        handler: ProtocolHandler | None = None
        operation = None
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
            identity = auth.verify(request, self.settings, self.keys, service=route.service)
            operation = handler.operation_for(request)
            params = handler.parse(request, operation)
            fn = service.operations.get(operation.name)
            if fn is None:
                raise NotImplementedOperation(
                    f"The operation {operation.name} of service {route.service} is not implemented by squall yet."
                )
            ctx = RequestContext(
                request=request,
                runtime=self.runtime,
                service=route.service,
                operation=operation.name,
                account_id=identity.account_id,
                region=identity.region,
                request_id=request_id,
                access_key=identity.access_key,
                protocol=route.protocol,
            )
            result = await fn(ctx, **params)
            return handler.serialize(operation, result, request_id)
        except ServiceError as err:
            return self._error(handler, err, operation, request_id)
        except Exception:  # a bug in squall: log it, answer InternalFailure
            log.exception("internal error handling %s %s", request.method, request.path)
            err = InternalFailure("We encountered an internal error. Please try again.")
            return self._error(handler, err, operation, request_id)

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
