"""API Gateway V2's errors: ``{"message": …}`` bodies with the model's codes and statuses.

Not-found messages follow AWS's wording (``Invalid API identifier specified 123456789012:abc``,
``Invalid Route identifier specified xyz``…).
"""

from __future__ import annotations

from squall.apigw.errors import BadRequest, Conflict, NotFound  # noqa: F401 - this service's errors too


def api_not_found(account: str, api_id: str) -> NotFound:
    return NotFound(f"Invalid API identifier specified {account}:{api_id}", resourceType="Api")


def not_found(kind: str, ident: str) -> NotFound:
    """``Invalid Route identifier specified abc1234`` (kind: Route, Integration, Authorizer, Deployment)."""
    return NotFound(f"Invalid {kind} identifier specified {ident}", resourceType=kind)


def stage_not_found(name: str) -> NotFound:
    return NotFound(f"Invalid stage identifier specified {name}", resourceType="Stage")


def websocket_refused() -> BadRequest:
    return BadRequest("WebSocket APIs are not supported by squall yet; use ProtocolType HTTP.")
