"""AWS wire protocols, generic over botocore's service models.

Contract used by the gateway (see ``squall.gateway.dispatch``)::

    handler = get_handler(model_name, protocol, name_overrides)   # cached per (model, protocol)
    op      = handler.operation_for(request)        # botocore OperationModel, or ServiceError
    params  = handler.parse(request, op)            # dict of the op's input members
    resp    = handler.serialize(op, result, request_id)           # squall.gateway.http.Response
    resp    = handler.serialize_error(error, op_or_None, request_id)

Protocols: ``json``, ``rest-json``, ``rest-xml``, ``query``, ``smithy-rpc-v2-cbor``.

Class hierarchy (one generic handler per protocol, all driven by botocore shapes)::

    ProtocolHandler                      base.py    contract + bug-vs-client error split
     ├── JsonHandler                     jsonrpc.py awsJson1.0/1.1, X-Amz-Target
     │    └── CborHandler                cbor.py    smithy-rpc-v2-cbor (same documents, CBOR)
     ├── QueryHandler                    query.py   form in, XML out (uses XmlCodec)
     └── RestHandler                     rest.py    URI labels, query string, headers, payload
          ├── RestJsonHandler                       JSON bodies (DocumentCodec)
          └── RestXmlHandler                        XML bodies (XmlCodec)

Helpers: ``specs`` (models, :class:`~squall.protocol.specs.WireNames` and the
*name overrides* format), ``document`` (compiled JSON/CBOR walkers),
``xmlcodec``, ``restroute``, ``values`` (timestamps/blobs), ``errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from squall.errors import ServiceError
from squall.protocol.base import ProtocolHandler

__all__ = ["PROTOCOLS", "ProtocolHandler", "get_handler"]

PROTOCOLS = ("json", "rest-json", "rest-xml", "query", "smithy-rpc-v2-cbor")


def _handler_class(protocol: str) -> type[ProtocolHandler]:
    if protocol == "json":
        from squall.protocol.jsonrpc import JsonHandler

        return JsonHandler
    if protocol == "query":
        from squall.protocol.query import QueryHandler

        return QueryHandler
    if protocol == "rest-json":
        from squall.protocol.rest import RestJsonHandler

        return RestJsonHandler
    if protocol == "rest-xml":
        from squall.protocol.rest import RestXmlHandler

        return RestXmlHandler
    if protocol == "smithy-rpc-v2-cbor":
        from squall.protocol.cbor import CborHandler

        return CborHandler
    raise ServiceError(
        f"Unsupported protocol {protocol!r}", code="InternalFailure", status=500, sender_fault=False
    )


@cache
def _cached(model_name: str, protocol: str, overrides: tuple[tuple[str, str], ...]) -> ProtocolHandler:
    return _handler_class(protocol)(model_name, dict(overrides) or None)


def get_handler(
    model_name: str, protocol: str, name_overrides: Mapping[str, str] | None = None
) -> ProtocolHandler:
    """The (cached) handler for botocore model ``model_name`` spoken in ``protocol``.

    ``name_overrides`` maps model places to legacy wire names (see
    :mod:`squall.protocol.specs`); it is part of the cache key.
    """
    key = tuple(sorted(name_overrides.items())) if name_overrides else ()
    return _cached(model_name, protocol, key)
