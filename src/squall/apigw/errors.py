"""The error classes both API Gateway management APIs answer with (REST APIs and HTTP APIs):
``{"message": "…"}`` bodies, the exception name in ``x-amzn-ErrorType``.
https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html
"""

from __future__ import annotations

from squall.errors import ServiceError


class BadRequest(ServiceError):
    code = "BadRequestException"
    status = 400


class NotFound(ServiceError):
    code = "NotFoundException"
    status = 404


class Conflict(ServiceError):
    code = "ConflictException"
    status = 409
