"""API Gateway's management errors: the code (``x-amzn-errortype``), HTTP status and message.

API Gateway answers ``{"message": "…"}`` with the exception name in ``x-amzn-ErrorType``; the
messages below are API Gateway's own wording (``Invalid REST API identifier specified``…).
https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html
"""

from __future__ import annotations

from squall.apigw.errors import BadRequest, Conflict, NotFound  # noqa: F401 - this service's errors too
from squall.errors import ServiceError


class LimitExceeded(ServiceError):
    code = "LimitExceededException"
    status = 429


class TooManyRequests(ServiceError):
    code = "TooManyRequestsException"
    status = 429


def not_found(what: str, ident: str | None = None) -> NotFound:
    """``Invalid {what} identifier specified`` (optionally followed by the id, as AWS does for APIs)."""
    return NotFound(f"Invalid {what} identifier specified" + (f" {ident}" if ident else ""))


def api_not_found(account: str, api_id: str) -> NotFound:
    return not_found("API", f"{account}:{api_id}")


def bad(message: str) -> BadRequest:
    return BadRequest(message)
