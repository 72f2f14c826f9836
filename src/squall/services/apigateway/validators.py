"""Request validators: CreateRequestValidator, GetRequestValidator, GetRequestValidators,
UpdateRequestValidator, DeleteRequestValidator.

A method names one (``requestValidatorId``); it says whether the body (against the method's
request model) and/or the required request parameters are checked before the integration runs.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, not_found

PATCH_SPEC: patch.Spec = {"name": "str", "validateRequestBody": "bool", "validateRequestParameters": "bool"}


def validator(doc: dict[str, Any], validator_id: str) -> dict[str, Any]:
    found = doc["validators"].get(validator_id)
    if found is None:
        raise not_found("Request Validator")
    return found


def shown(v: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in v.items() if val is not None}


def add(doc: dict[str, Any], name: str | None, body: bool | None, parameters: bool | None) -> dict[str, Any]:
    v = {"id": store.new_id(), "name": name, "validateRequestBody": bool(body),
         "validateRequestParameters": bool(parameters)}
    doc["validators"][v["id"]] = v
    return v


async def create_request_validator(ctx: Any, restApiId: str, name: str | None = None,
                                   validateRequestBody: bool | None = None,
                                   validateRequestParameters: bool | None = None) -> dict:
    return await store.change_api(
        ctx, restApiId, lambda tx, doc: shown(add(doc, name, validateRequestBody, validateRequestParameters)))


async def get_request_validator(ctx: Any, restApiId: str, requestValidatorId: str) -> dict:
    return shown(validator(await store.read_api(ctx, restApiId), requestValidatorId))


async def get_request_validators(ctx: Any, restApiId: str, position: str | None = None,
                                 limit: int | None = None) -> dict:
    doc = await store.read_api(ctx, restApiId)
    return store.page([shown(v) for v in doc["validators"].values()], position, limit)


async def update_request_validator(ctx: Any, restApiId: str, requestValidatorId: str,
                                   patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        return shown(patch.apply(validator(doc, requestValidatorId), patchOperations, PATCH_SPEC))

    return await store.change_api(ctx, restApiId, work)


async def delete_request_validator(ctx: Any, restApiId: str, requestValidatorId: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        validator(doc, requestValidatorId)
        for res in doc["resources"].values():
            for name, m in (res.get("resourceMethods") or {}).items():
                if m.get("requestValidatorId") == requestValidatorId:
                    raise Conflict(f"Cannot delete request validator, is referenced in method: {name} {res['path']}")
        del doc["validators"][requestValidatorId]

    await store.change_api(ctx, restApiId, work)
    return {}
