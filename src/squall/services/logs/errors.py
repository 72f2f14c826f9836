"""CloudWatch Logs' errors: the modeled exception shapes, all HTTP 400, with AWS's wording.

CloudWatch Logs answers every client fault with status 400 and the shape name as
``__type`` (botocore maps it to ``client.exceptions.ResourceNotFoundException`` and so
on). Model constraint violations (lengths, patterns, enums, ranges) come back as
``InvalidParameterException`` with the generic "1 validation error detected" sentence
the AWS front end uses for every service (:func:`constraint`).
"""

from __future__ import annotations

from typing import Any

from squall.errors import ServiceError


class LogsError(ServiceError):
    code = "InvalidParameterException"


class InvalidParameterException(LogsError):
    code = "InvalidParameterException"

    def __init__(self, message: str = "A parameter is specified incorrectly.", **kw: Any) -> None:
        super().__init__(message, **kw)


class ResourceNotFoundException(LogsError):
    code = "ResourceNotFoundException"

    def __init__(self, message: str = "The specified resource does not exist.", **kw: Any) -> None:
        super().__init__(message, **kw)


class ResourceAlreadyExistsException(LogsError):
    code = "ResourceAlreadyExistsException"

    def __init__(self, message: str = "The specified resource already exists", **kw: Any) -> None:
        super().__init__(message, **kw)


class ValidationException(LogsError):
    code = "ValidationException"


class OperationAbortedException(LogsError):
    code = "OperationAbortedException"


class TooManyTagsException(LogsError):
    code = "TooManyTagsException"


def group_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException("The specified log group does not exist.")


def stream_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException("The specified log stream does not exist.")


def group_exists() -> ResourceAlreadyExistsException:
    # AWS's sentence has no final period (unlike the not-found ones).
    return ResourceAlreadyExistsException("The specified log group already exists")


def stream_exists() -> ResourceAlreadyExistsException:
    return ResourceAlreadyExistsException("The specified log stream already exists")


def bad_token() -> InvalidParameterException:
    return InvalidParameterException("The specified nextToken is invalid.")


def constraint(member: str, value: object, rule: str) -> InvalidParameterException:
    """AWS's generic model-validation sentence, e.g. ``Member must have length less than or equal to 512``."""
    shown = "" if isinstance(value, (list, dict)) else f" '{value}'"
    return InvalidParameterException(
        f"1 validation error detected: Value{shown} at '{member}' failed to satisfy constraint: {rule}")
