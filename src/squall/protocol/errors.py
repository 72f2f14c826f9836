"""The protocol layer's own errors: the client's fault versus a bug in squall.

Like LocalStack's parser errors, two branches::

    ServiceError (squall.errors)
     ├── ProtocolClientError        400-ish; the request is garbage (bad JSON, wrong type, bad base64)
     │    └── OperationNotFound     no operation matches (code/status per protocol)
     └── InternalFailure
          └── ProtocolBug           the parser/serializer itself failed on a well-formed input

Both are ``ServiceError`` so the gateway always answers in the protocol's error
shape; only :class:`ProtocolBug` is logged with a traceback.

Inside the shape walkers a bad value raises the light-weight :class:`BadValue`
(a ``ValueError``); each handler turns it into its protocol's client error code
(``SerializationException`` for JSON/CBOR, ``InvalidParameterValue`` for query,
``MalformedXML``/``InvalidArgument`` for S3-style XML).
"""

from __future__ import annotations

from squall.errors import InternalFailure, ServiceError


class BadValue(ValueError):
    """A client-supplied value does not fit its shape; ``path`` says where."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def describe(self) -> str:
        return f"{self.message} at '{self.path}'" if self.path else self.message


class ProtocolClientError(ServiceError):
    """The request cannot be understood: always the sender's fault."""

    code = "SerializationException"
    status = 400
    sender_fault = True


class OperationNotFound(ProtocolClientError):
    code = "UnknownOperationException"


class ProtocolBug(InternalFailure):
    """An unexpected exception inside the protocol layer (reported, answered 500)."""
