"""Gateway responses: PutGatewayResponse, GetGatewayResponse, GetGatewayResponses,
UpdateGatewayResponse, DeleteGatewayResponse — and :func:`render`, how the data plane answers
with one.

Every error API Gateway itself produces (no resource, a missing API key, throttling, an
authorizer's deny, a failed integration…) is a *gateway response* of some type. An API may
customize a type's status code, headers (``gatewayresponse.header.X`` ← ``'literal'`` or
``method.request.header.Y``…) and body templates; an uncustomized type falls back to a
customized ``DEFAULT_4XX`` / ``DEFAULT_5XX``, else to the default
``{"message":$context.error.messageString}``. Customizations take effect with a deployment.
https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import bad, not_found

#: type → default status code (None: the two fallbacks, which have none of their own)
TYPES: dict[str, str | None] = {
    "DEFAULT_4XX": None, "DEFAULT_5XX": None, "ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500", "AUTHORIZER_FAILURE": "500", "BAD_REQUEST_PARAMETERS": "400",
    "BAD_REQUEST_BODY": "400", "EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504", "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403", "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413", "RESOURCE_NOT_FOUND": "404", "THROTTLED": "429",
    "UNAUTHORIZED": "401", "UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403",
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
PATCH_SPEC: patch.Spec = {"statusCode": "str", "responseParameters": "map", "responseTemplates": "map"}


def default(kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"responseType": kind, "responseParameters": {},
                           "responseTemplates": {"application/json": DEFAULT_TEMPLATE}, "defaultResponse": True}
    if TYPES[kind] is not None:
        out["statusCode"] = TYPES[kind]
    return out


def check_type(kind: str) -> str:
    if kind not in TYPES:
        raise bad(f"Invalid response type specified: {kind}")
    return kind


def effective(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return doc["responses"].get(kind) or default(kind)


def shown(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if v is not None}


def put(doc: dict[str, Any], kind: str, status: str | None, parameters: dict[str, str] | None,
        templates: dict[str, str] | None) -> dict[str, Any]:
    check_type(kind)
    if status is not None and not (status.isdigit() and len(status) == 3):
        raise bad("Invalid status code specified")
    r = {"responseType": kind, "statusCode": status, "responseParameters": dict(parameters or {}),
         "responseTemplates": dict(templates or {}), "defaultResponse": False}
    doc["responses"][kind] = r
    return r


async def put_gateway_response(ctx: Any, restApiId: str, responseType: str, statusCode: str | None = None,
                               responseParameters: dict[str, str] | None = None,
                               responseTemplates: dict[str, str] | None = None) -> dict:
    return await store.change_api(
        ctx, restApiId,
        lambda tx, doc: shown(put(doc, responseType, statusCode, responseParameters, responseTemplates)))


async def get_gateway_response(ctx: Any, restApiId: str, responseType: str) -> dict:
    return shown(effective(await store.read_api(ctx, restApiId), check_type(responseType)))


async def get_gateway_responses(ctx: Any, restApiId: str, position: str | None = None,
                                limit: int | None = None) -> dict:
    doc = await store.read_api(ctx, restApiId)
    return store.page([shown(effective(doc, kind)) for kind in TYPES], position, limit, default=500)


async def update_gateway_response(ctx: Any, restApiId: str, responseType: str,
                                  patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        r = dict(effective(doc, check_type(responseType)))
        r["defaultResponse"] = False
        patch.apply(r, patchOperations, PATCH_SPEC)
        doc["responses"][responseType] = r
        return shown(r)

    return await store.change_api(ctx, restApiId, work)


async def delete_gateway_response(ctx: Any, restApiId: str, responseType: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        if doc["responses"].pop(check_type(responseType), None) is None:
            raise not_found("Gateway Response type")

    await store.change_api(ctx, restApiId, work)
    return {}


# ---- the data plane ---------------------------------------------------------------------------
def resolve(responses: dict[str, Any], kind: str) -> tuple[str | None, dict[str, str], dict[str, str]]:
    """(status the API set for ``kind`` — its own, else its family's DEFAULT_4XX/5XX — or None,
    response parameters, templates) a deployed API answers ``kind`` with."""
    own = responses.get(kind) or {}
    fallback = responses.get("DEFAULT_5XX" if (TYPES.get(kind) or "4").startswith("5") else "DEFAULT_4XX") or {}
    status = own.get("statusCode") or fallback.get("statusCode")
    params = {**(fallback.get("responseParameters") or {}), **(own.get("responseParameters") or {})}
    templates = ((own or fallback).get("responseTemplates")
                 or {"application/json": DEFAULT_TEMPLATE})
    return status, params, templates
