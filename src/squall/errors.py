"""Errors that carry AWS's shape: a code, a message and an HTTP status.

Every service raises :class:`ServiceError` (or a subclass) for anything the
client did wrong; the wire layer turns it into the protocol's error document.
Anything else that escapes an operation is a bug in squall and is answered as
``InternalFailure`` (500) without a traceback on the wire.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An AWS-shaped error.

    ``sender_fault`` decides ``<Type>Sender</Type>`` vs ``Receiver`` in the
    XML protocols. ``query_code`` is the legacy code some JSON services
    (``awsQueryCompatible``, e.g. SQS) send in the ``x-amzn-query-error``
    header and use in their query/XML form (``AWS.SimpleQueueService.NonExistentQueue``).
    ``extra`` holds additional members serialized into the error body.
    """

    code: str = "InvalidParameterValue"
    status: int = 400
    sender_fault: bool = True
    query_code: str | None = None

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        query_code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        if query_code is not None:
            self.query_code = query_code
        self.headers = headers or {}
        self.extra = extra

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, status={self.status})"


class ValidationError(ServiceError):
    code = "ValidationError"


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500
    sender_fault = False


class NotImplementedOperation(ServiceError):
    """An operation that exists in AWS's model but squall does not implement."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


class UnknownOperation(ServiceError):
    code = "UnknownOperationException"
    status = 400


class AccessDenied(ServiceError):
    code = "AccessDeniedException"
    status = 403
