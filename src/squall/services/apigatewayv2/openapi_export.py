"""ExportApi: an HTTP API as an OpenAPI 3.0 definition (JSON or YAML) — the API's latest
configuration, or what a stage serves (its deployment) when ``StageName`` is given.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-export.html

API Gateway's extensions are included unless ``IncludeExtensions`` is false: each route's
``x-amazon-apigateway-integration``, the authorizers' ``x-amazon-apigateway-authorizer``,
``x-amazon-apigateway-cors``, tags with ``x-amazon-apigateway-tag-value``, a disabled execute-api
endpoint and ``x-amazon-apigateway-importexport-version`` — the same tables
(:mod:`.openapi_extensions`) ImportApi reads, so an export imports back to the same routes,
integrations, authorizers and settings. ``$default`` is written as the any-method of ``/$default``
with ``isDefaultRoute``; path variables as required path parameters; ``AWS_IAM`` routes as a
``sigv4`` scheme of ``x-amazon-apigateway-authtype: awsSigv4``. The server URL is the API's own
endpoint with the stage as ``basePath`` (ImportApi ignores it unless asked otherwise).
"""

from __future__ import annotations

import re
import time
from typing import Any

import orjson
import yaml

from squall.engine.api import Tx
from squall.services.apigatewayv2 import deployments, stages, store
from squall.services.apigatewayv2 import openapi_extensions as ext
from squall.services.apigatewayv2.errors import BadRequest

_VARIABLE = re.compile(r"\{([^}+]+)\+?\}")
_SIGV4 = "sigv4"


def _info(api: dict[str, Any]) -> dict[str, Any]:
    created = time.strftime("%Y-%m-%d %H:%M:%SUTC", time.gmtime(api.get("CreatedDate") or 0))
    info: dict[str, Any] = {"title": api["Name"], "version": api.get("Version") or created}
    if api.get("Description"):
        info["description"] = api["Description"]
    return info


def _scheme(authorizer: dict[str, Any], extensions: bool) -> dict[str, Any]:
    sources = authorizer.get("IdentitySource") or []
    if authorizer["AuthorizerType"] == "JWT":
        scheme: dict[str, Any] = {"type": "oauth2", "flows": {}}
    else:  # one header source names the header; anything else is API Gateway's "Unused"
        header = sources[0][len("$request.header."):] if len(sources) == 1 and sources[0].startswith(
            "$request.header.") else "Unused"
        scheme = {"type": "apiKey", "name": header, "in": "header"}
    if extensions:
        found = ext.to_extension(authorizer, ext.AUTHORIZER_MEMBERS)
        if sources:
            found["identitySource"] = ", ".join(sources)
        scheme[ext.AUTHORIZER] = {"type": authorizer["AuthorizerType"].lower(), **found}
    return scheme


def _security(route: dict[str, Any], frozen: dict[str, Any]) -> list[dict[str, list[str]]] | None:
    kind = route.get("AuthorizationType", "NONE")
    if kind == "AWS_IAM":
        return [{_SIGV4: []}]
    authorizer = frozen["authorizers"].get(route.get("AuthorizerId") or "")
    if kind in ("JWT", "CUSTOM") and authorizer is not None:
        return [{authorizer["Name"]: list(route.get("AuthorizationScopes") or [])}]
    return None


def _operation(route: dict[str, Any], frozen: dict[str, Any], path: str, extensions: bool) -> dict[str, Any]:
    key = route["RouteKey"]
    op: dict[str, Any] = {}
    if route.get("OperationName"):
        op["operationId"] = route["OperationName"]
    params = [{"name": name, "in": "path", "description": f"Generated path parameter for {name}", "required": True,
               "schema": {"type": "string"}} for name in _VARIABLE.findall(path)]
    if params:
        op["parameters"] = params
    op["responses"] = {"default": {"description": f"Default response for {key}"}}
    security = _security(route, frozen)
    if security:
        op["security"] = security
    if key == "$default":
        op["isDefaultRoute"] = True
    integration = frozen["integrations"].get((route.get("Target") or "").partition("/")[2])
    if extensions and integration is not None:
        op[ext.INTEGRATION] = {"type": integration["IntegrationType"].lower(),
                               **ext.to_extension(integration, ext.INTEGRATION_MEMBERS)}
    return op


def document(api: dict[str, Any], frozen: dict[str, Any], stage: str | None, extensions: bool) -> dict[str, Any]:
    """The OpenAPI 3.0 definition of ``api`` as ``frozen`` (a deployment's snapshot) has it."""
    settings = frozen["api"]
    server: dict[str, Any] = {"url": f"{api['ApiEndpoint']}/{{basePath}}", "variables": {
        "basePath": {"default": stage if stage and stage != "$default" else ""}}}
    if extensions and settings.get("DisableExecuteApiEndpoint"):
        server[ext.ENDPOINT_CONFIGURATION] = {"disableExecuteApiEndpoint": True}
    out: dict[str, Any] = {"openapi": "3.0.1", "info": _info(api), "servers": [server]}
    if extensions and api.get("Tags"):
        out["tags"] = [{"name": k, ext.TAG_VALUE: v} for k, v in sorted(api["Tags"].items())]
    paths: dict[str, dict[str, Any]] = {}
    for route in sorted(frozen["routes"], key=lambda r: r["RouteKey"]):
        method, _, path = route["RouteKey"].partition(" ")
        if route["RouteKey"] == "$default":
            method, path = "ANY", "/$default"
        name = ext.ANY_METHOD if method == "ANY" else method.lower()
        paths.setdefault(path, {})[name] = _operation(route, frozen, path, extensions)
    out["paths"] = paths
    schemes = {a["Name"]: _scheme(a, extensions) for a in frozen["authorizers"].values()}
    if any(r.get("AuthorizationType") == "AWS_IAM" for r in frozen["routes"]):
        schemes[_SIGV4] = {"type": "apiKey", "name": "Authorization", "in": "header", ext.AUTHTYPE: "awsSigv4"}
    if schemes:
        out["components"] = {"securitySchemes": schemes}
    if extensions and settings.get("CorsConfiguration"):
        out[ext.CORS] = ext.to_extension(settings["CorsConfiguration"], ext.CORS_MEMBERS)
    if extensions:
        out[ext.IMPORTEXPORT_VERSION] = "1.0"
    return out


async def export_api(ctx: Any, ApiId: str, Specification: str, OutputType: str, IncludeExtensions: bool | None = None,
                     StageName: str | None = None, ExportVersion: str | None = None) -> dict[str, Any]:
    if Specification != "OAS30":
        raise BadRequest(f"Invalid specification: {Specification}. OAS30 is the only supported value")
    if OutputType not in ("JSON", "YAML"):
        raise BadRequest(f"Invalid output type: {OutputType}. Valid values are JSON and YAML")
    if ExportVersion not in (None, "1.0"):
        raise BadRequest(f"Invalid export version: {ExportVersion}. The only supported version is 1.0")

    def work(tx: Tx) -> tuple[dict[str, Any], dict[str, Any]]:
        api = store.api_of(tx, ctx, ApiId)
        if not StageName:
            return api, deployments.freeze(tx, api)
        stage = stages.require(tx, ApiId, StageName)
        if not stage.get("DeploymentId"):
            raise BadRequest(f"Stage {StageName} has no deployment to export")
        return api, deployments.require(tx, ApiId, stage["DeploymentId"])["_snapshot"]

    api, frozen = await ctx.engine.read(work)
    doc = document(api, frozen, StageName, IncludeExtensions is not False)
    if OutputType == "YAML":
        return {"body": yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()}
    return {"body": orjson.dumps(doc, option=orjson.OPT_INDENT_2)}
