"""Integrations and integration responses: PutIntegration, GetIntegration, UpdateIntegration,
DeleteIntegration, PutIntegrationResponse, GetIntegrationResponse, UpdateIntegrationResponse,
DeleteIntegrationResponse.

Types: ``AWS_PROXY`` (Lambda proxy), ``AWS`` (an AWS service or a Lambda function with mapping
templates), ``HTTP`` / ``HTTP_PROXY`` (a URL), ``MOCK``. ``timeoutInMillis`` is 50–29000,
default 29000; ``passthroughBehavior`` defaults to ``WHEN_NO_MATCH``.
https://docs.aws.amazon.com/apigateway/latest/api/API_PutIntegration.html
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import bad, not_found
from squall.services.apigateway.methods import method

TYPES = ("HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY")
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
DEFAULT_TIMEOUT_MS = 29000

PATCH_SPEC: patch.Spec = {
    "type": "str", "httpMethod": "str", "uri": "str", "credentials": "str", "requestParameters": "map",
    "requestTemplates": "map", "passthroughBehavior": "str", "contentHandling": "str", "timeoutInMillis": "int",
    "cacheNamespace": "str", "cacheKeyParameters": "list", "connectionType": "str", "connectionId": "str",
    "tlsConfig/insecureSkipVerification": "bool",
}
RESPONSE_PATCH_SPEC: patch.Spec = {"selectionPattern": "str", "responseParameters": "map",
                                   "responseTemplates": "map", "contentHandling": "str"}


def check(i: dict[str, Any]) -> None:
    kind = i.get("type")
    if kind not in TYPES:
        raise bad(f"Invalid integration type specified: {kind}. Valid values are {', '.join(TYPES)}")
    if kind != "MOCK":
        if not i.get("uri"):
            raise bad("Invalid Integration URI specified" if kind.startswith("HTTP")
                      else "AWS ARN for integration must contain path or action")
        if not i.get("httpMethod"):
            raise bad("Enumeration value for HttpMethod must be non-empty")
        if kind.startswith("AWS") and not (i["uri"].startswith("arn:") and (":path/" in i["uri"]
                                                                          or ":action/" in i["uri"])):
            raise bad("AWS ARN for integration must contain path or action")
        if kind.startswith("HTTP") and not i["uri"].lower().startswith(("http://", "https://")):
            raise bad("Invalid HTTP endpoint specified for URI")
    timeout = i.get("timeoutInMillis")
    if not isinstance(timeout, int) or not 50 <= timeout <= 29000:
        raise bad("Timeout should be between 50 ms and 29000 ms")
    if i.get("passthroughBehavior") not in PASSTHROUGH:
        raise bad(f"Invalid passthrough behavior specified: {i.get('passthroughBehavior')}")
    if i.get("contentHandling") not in (None, *CONTENT_HANDLING):
        raise bad(f"Invalid content handling specified: {i.get('contentHandling')}")


def integration(doc: dict[str, Any], resource_id: str, http_method: str) -> dict[str, Any]:
    found = method(doc, resource_id, http_method).get("methodIntegration")
    if found is None:
        raise not_found("Integration")
    return found


def shown(i: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in i.items() if v is not None and k != "integrationResponses"}
    if i.get("integrationResponses"):
        out["integrationResponses"] = {code: response_shown(r) for code, r in i["integrationResponses"].items()}
    return out


def response_shown(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if v is not None}


def put(doc: dict[str, Any], resource_id: str, http_method: str, members: dict[str, Any]) -> dict[str, Any]:
    """PutIntegration on a document (also what an OpenAPI import does). Replaces any integration."""
    m = method(doc, resource_id, http_method)
    i = {"type": members.get("type"), "httpMethod": members.get("integrationHttpMethod"),
         "uri": members.get("uri"), "connectionType": members.get("connectionType") or "INTERNET",
         "connectionId": members.get("connectionId"), "credentials": members.get("credentials"),
         "requestParameters": members.get("requestParameters") or None,
         "requestTemplates": members.get("requestTemplates") or None,
         "passthroughBehavior": members.get("passthroughBehavior") or "WHEN_NO_MATCH",
         "contentHandling": members.get("contentHandling"),
         "timeoutInMillis": members.get("timeoutInMillis") or DEFAULT_TIMEOUT_MS,
         "cacheNamespace": members.get("cacheNamespace") or resource_id,
         "cacheKeyParameters": members.get("cacheKeyParameters") or [],
         "tlsConfig": members.get("tlsConfig")}
    check(i)
    if members.get("integrationResponses"):
        i["integrationResponses"] = members["integrationResponses"]
    m["methodIntegration"] = i
    return i


def put_response(doc: dict[str, Any], resource_id: str, http_method: str, status_code: str,
                 members: dict[str, Any], require_method_response: bool = True) -> dict[str, Any]:
    i = integration(doc, resource_id, http_method)
    if require_method_response and status_code not in (method(doc, resource_id, http_method).get("methodResponses")
                                                       or {}):
        raise not_found("Response status code")
    if members.get("contentHandling") not in (None, *CONTENT_HANDLING):
        raise bad(f"Invalid content handling specified: {members.get('contentHandling')}")
    r = {"statusCode": status_code, "selectionPattern": members.get("selectionPattern"),
         "responseParameters": members.get("responseParameters") or None,
         "responseTemplates": members.get("responseTemplates") or None,
         "contentHandling": members.get("contentHandling")}
    i["integrationResponses"] = {**(i.get("integrationResponses") or {}), status_code: r}
    return r


# ---- integrations -----------------------------------------------------------------------------
async def put_integration(ctx: Any, restApiId: str, resourceId: str, httpMethod: str, type: str,
                          integrationHttpMethod: str | None = None, uri: str | None = None,
                          connectionType: str | None = None, connectionId: str | None = None,
                          credentials: str | None = None, requestParameters: dict[str, str] | None = None,
                          requestTemplates: dict[str, str] | None = None, passthroughBehavior: str | None = None,
                          cacheNamespace: str | None = None, cacheKeyParameters: list[str] | None = None,
                          contentHandling: str | None = None, timeoutInMillis: int | None = None,
                          tlsConfig: dict[str, Any] | None = None, responseTransferMode: str | None = None,
                          integrationTarget: str | None = None) -> dict:
    members = {"type": type, "integrationHttpMethod": integrationHttpMethod, "uri": uri,
               "connectionType": connectionType, "connectionId": connectionId, "credentials": credentials,
               "requestParameters": requestParameters, "requestTemplates": requestTemplates,
               "passthroughBehavior": passthroughBehavior, "cacheNamespace": cacheNamespace,
               "cacheKeyParameters": cacheKeyParameters, "contentHandling": contentHandling,
               "timeoutInMillis": timeoutInMillis, "tlsConfig": tlsConfig}
    return await store.change_api(ctx, restApiId,
                                  lambda tx, doc: shown(put(doc, resourceId, httpMethod, members)))


async def get_integration(ctx: Any, restApiId: str, resourceId: str, httpMethod: str) -> dict:
    return shown(integration(await store.read_api(ctx, restApiId), resourceId, httpMethod))


async def update_integration(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                             patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        i = integration(doc, resourceId, httpMethod)
        patch.apply(i, patchOperations, PATCH_SPEC)
        check(i)
        return shown(i)

    return await store.change_api(ctx, restApiId, work)


async def delete_integration(ctx: Any, restApiId: str, resourceId: str, httpMethod: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        integration(doc, resourceId, httpMethod)
        method(doc, resourceId, httpMethod)["methodIntegration"] = None

    await store.change_api(ctx, restApiId, work)
    return {}


# ---- integration responses --------------------------------------------------------------------
def integration_response(doc: dict[str, Any], resource_id: str, http_method: str, code: str) -> dict[str, Any]:
    found = (integration(doc, resource_id, http_method).get("integrationResponses") or {}).get(code)
    if found is None:
        raise not_found("Response status code")
    return found


async def put_integration_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                                   statusCode: str, selectionPattern: str | None = None,
                                   responseParameters: dict[str, str] | None = None,
                                   responseTemplates: dict[str, str] | None = None,
                                   contentHandling: str | None = None) -> dict:
    members = {"selectionPattern": selectionPattern, "responseParameters": responseParameters,
               "responseTemplates": responseTemplates, "contentHandling": contentHandling}
    return await store.change_api(
        ctx, restApiId,
        lambda tx, doc: response_shown(put_response(doc, resourceId, httpMethod, statusCode, members)))


async def get_integration_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                                   statusCode: str) -> dict:
    doc = await store.read_api(ctx, restApiId)
    return response_shown(integration_response(doc, resourceId, httpMethod, statusCode))


async def update_integration_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                                      statusCode: str, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        r = integration_response(doc, resourceId, httpMethod, statusCode)
        return response_shown(patch.apply(r, patchOperations, RESPONSE_PATCH_SPEC))

    return await store.change_api(ctx, restApiId, work)


async def delete_integration_response(ctx: Any, restApiId: str, resourceId: str, httpMethod: str,
                                      statusCode: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        integration_response(doc, resourceId, httpMethod, statusCode)
        del integration(doc, resourceId, httpMethod)["integrationResponses"][statusCode]

    await store.change_api(ctx, restApiId, work)
    return {}
