"""Methods and method responses: PutMethod, GetMethod, UpdateMethod, DeleteMethod,
PutMethodResponse, GetMethodResponse, UpdateMethodResponse, DeleteMethodResponse.

A method is stored inside its resource (``resourceMethods[HTTP]``) with its
``methodResponses`` and ``methodIntegration`` (see :mod:`.integrations`).
https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, bad, not_found
from squall.services.apigateway.resources import resource

HTTP_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")

PATCH_SPEC: patch.Spec = {
    "authorizationType": "str", "authorizerId": "str", "apiKeyRequired": "bool", "requestValidatorId": "str",
    "operationName": "str", "requestParameters": "boolmap", "requestModels": "map", "authorizationScopes": "list",
}
RESPONSE_PATCH_SPEC: patch.Spec = {"responseParameters": "boolmap", "responseModels": "map"}


def method_name(http_method: str) -> str:
    name = (http_method or "").upper()
    if name not in HTTP_METHODS:
        raise bad("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
    return name


def method(doc: dict[str, Any], resource_id: str, http_method: str) -> dict[str, Any]:
    found = resource(doc, resource_id)["resourceMethods"].get((http_method or "").upper())
    if found is None:
        raise not_found("Method")
    return found


def check(doc: dict[str, Any], m: dict[str, Any]) -> None:
    """A method's references must exist: authorizer, request validator, request models."""
    kind = m.get("authorizationType") or "NONE"
    if kind not in AUTHORIZATION_TYPES:
        raise bad(f"Invalid authorization type specified: {kind}. Valid values are "
                  "NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS")
    if kind in ("CUSTOM", "COGNITO_USER_POOLS") and m.get("authorizerId") not in doc["authorizers"]:
        raise bad("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                  "COGNITO_USER_POOLS requires a valid authorizer.")
    if m.get("requestValidatorId") and m["requestValidatorId"] not in doc["validators"]:
        raise bad("Invalid Request Validator identifier specified")
    for name in (m.get("requestModels") or {}).values():
        if name not in doc["models"]:
            raise bad(f"Invalid model identifier specified: {name}")


def shown(m: dict[str, Any]) -> dict[str, Any]:
    from squall.services.apigateway.integrations import shown as integration_shown

    out = {k: v for k, v in m.items() if v is not None and k not in ("methodIntegration", "methodResponses")}
    if m.get("methodResponses"):
        out["methodResponses"] = {code: response_shown(r) for code, r in m["methodResponses"].items()}
    if m.get("methodIntegration"):
        out["methodIntegration"] = integration_shown(m["methodIntegration"])
    return out


def response_shown(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if v is not None}


def put(doc: dict[str, Any], resource_id: str, http_method: str, members: dict[str, Any]) -> dict[str, Any]:
    """PutMethod on a document (also what an OpenAPI import does)."""
    name = method_name(http_method)
    res = resource(doc, resource_id)
    if name in res["resourceMethods"]:
        raise Conflict("Method already exists for this resource")
    m = {"httpMethod": name, "authorizationType": members.get("authorizationType") or "NONE",
         "authorizerId": members.get("authorizerId"), "apiKeyRequired": bool(members.get("apiKeyRequired")),
         "requestValidatorId": members.get("requestValidatorId"), "operationName": members.get("operationName"),
         "requestParameters": members.get("requestParameters") or None,
         "requestModels": members.get("requestModels") or None,
         "authorizationScopes": members.get("authorizationScopes") or None}
    check(doc, m)
    res["resourceMethods"][name] = m
    return m


# ---- methods ----------------------------------------------------------------------------------
async def put_method(ctx: Any, restApiId: str, resourceId: str, httpMethod: str, authorizationType: str,
                     authorizerId: str | None = None, apiKeyRequired: bool | None = None,
                     operationName: str | None = None, requestParameters: dict[str, bool] | None = None,
                     requestModels: dict[str, str] | None = None, requestValidatorId: str | None = None,
                     authorizationScopes: list[str] | None = None) -> dict:
    members = {"authorizationType": authorizationType, "authorizerId": authorizerId,
               "apiKeyRequired": apiKeyRequired, "operationName": operationName,
               "requestParameters": requestParameters, "requestModels": requestModels,
               "requestValidatorId": requestValidatorId, "authorizationScopes": authorizationScopes}
    return await store.change_api(ctx, restApiId,
                                  lambda tx, doc: shown(put(doc, resourceId, httpMethod, members)))


async def get_method(ctx: Any, restApiId: str, resourceId: str, httpMethod: str) -> dict:
    return shown(method(await store.read_api(ctx, restApiId), resourceId, httpMethod))


async def update_method(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                        patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        m = method(doc, resourceId, httpMethod)
        patch.apply(m, patchOperations, PATCH_SPEC)
        check(doc, m)
        return shown(m)

    return await store.change_api(ctx, restApiId, work)


async def delete_method(ctx: Any, restApiId: str, resourceId: str, httpMethod: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        method(doc, resourceId, httpMethod)
        del resource(doc, resourceId)["resourceMethods"][httpMethod.upper()]

    await store.change_api(ctx, restApiId, work)
    return {}


# ---- method responses -------------------------------------------------------------------------
def _status(code: str) -> str:
    if not (code.isdigit() and len(code) == 3 and 100 <= int(code) <= 599):
        raise bad("Invalid status code specified: must be a three-digit number")
    return code


def method_response(doc: dict[str, Any], resource_id: str, http_method: str, code: str) -> dict[str, Any]:
    found = (method(doc, resource_id, http_method).get("methodResponses") or {}).get(code)
    if found is None:
        raise not_found("Response status code")
    return found


async def put_method_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str, statusCode: str,
                              responseParameters: dict[str, bool] | None = None,
                              responseModels: dict[str, str] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        m = method(doc, resourceId, httpMethod)
        for name in (responseModels or {}).values():
            if name not in doc["models"]:
                raise bad(f"Invalid model identifier specified: {name}")
        r = {"statusCode": _status(statusCode), "responseParameters": responseParameters or None,
             "responseModels": responseModels or None}
        m["methodResponses"] = {**(m.get("methodResponses") or {}), statusCode: r}
        return response_shown(r)

    return await store.change_api(ctx, restApiId, work)


async def get_method_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str, statusCode: str) -> dict:
    return response_shown(method_response(await store.read_api(ctx, restApiId), resourceId, httpMethod, statusCode))


async def update_method_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str, statusCode: str,
                                 patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        r = method_response(doc, resourceId, httpMethod, statusCode)
        return response_shown(patch.apply(r, patchOperations, RESPONSE_PATCH_SPEC))

    return await store.change_api(ctx, restApiId, work)


async def delete_method_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                                 statusCode: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        method_response(doc, resourceId, httpMethod, statusCode)
        del method(doc, resourceId, httpMethod)["methodResponses"][statusCode]

    await store.change_api(ctx, restApiId, work)
    return {}
