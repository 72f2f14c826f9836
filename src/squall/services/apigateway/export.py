"""GetExport: a deployed stage as an OpenAPI 3.0 (``oas30``) or Swagger 2.0 (``swagger``) document,
JSON or YAML (``accepts``), with API Gateway's extensions when ``parameters.extensions`` asks for
``integrations`` or ``apigateway`` — what :mod:`.openapi` imports back.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from squall.engine.api import Tx
from squall.services.apigateway import deployments, stages, store
from squall.services.apigateway.errors import bad

_SOURCES = {"path": "path", "querystring": "query", "header": "header"}


def _model_ref(name: str, v3: bool) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}" if v3 else f"#/definitions/{name}"}


def _schema(model: dict[str, Any], v3: bool) -> Any:
    try:
        schema = orjson.loads(model.get("schema") or "{}")
    except orjson.JSONDecodeError:
        return {}

    def fix(value: Any) -> Any:  # model URLs become document references again
        if isinstance(value, dict):
            return {k: (_model_ref(v.rstrip("/").rsplit("/", 1)[-1], v3)["$ref"]
                        if k == "$ref" and isinstance(v, str) and "/models/" in v else fix(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(schema)


def _operation(method: dict[str, Any], snap: dict[str, Any], v3: bool, extensions: bool) -> dict[str, Any]:
    op: dict[str, Any] = {}
    if method.get("operationName"):
        op["operationId"] = method["operationName"]
    params = []
    for expr, required in (method.get("requestParameters") or {}).items():
        where, _, name = expr[len("method.request."):].partition(".")
        if where in _SOURCES:
            param = {"name": name, "in": _SOURCES[where], "required": bool(required)}
            param.update({"schema": {"type": "string"}} if v3 else {"type": "string"})
            params.append(param)
    models = method.get("requestModels") or {}
    if models and v3:
        op["requestBody"] = {"content": {ct: {"schema": _model_ref(name, v3)} for ct, name in models.items()},
                             "required": True}
    elif models:
        params.append({"in": "body", "name": next(iter(models.values())), "required": True,
                       "schema": _model_ref(next(iter(models.values())), v3)})
    if params:
        op["parameters"] = params
    responses: dict[str, Any] = {}
    for code, r in (method.get("methodResponses") or {}).items():
        out: dict[str, Any] = {"description": f"{code} response"}
        headers = {p.rsplit(".", 1)[-1]: ({"schema": {"type": "string"}} if v3 else {"type": "string"})
                   for p in (r.get("responseParameters") or {})}
        if headers:
            out["headers"] = headers
        for ct, name in (r.get("responseModels") or {}).items():
            if v3:
                out.setdefault("content", {})[ct] = {"schema": _model_ref(name, v3)}
            else:
                out["schema"] = _model_ref(name, v3)
        responses[code] = out
    op["responses"] = responses
    authorizer = snap["authorizers"].get(method.get("authorizerId") or "")
    if method.get("authorizationType") in ("CUSTOM", "COGNITO_USER_POOLS") and authorizer:
        op["security"] = [{authorizer["name"]: []}]
    elif method.get("authorizationType") == "AWS_IAM":
        op["security"] = [{"sigv4": []}]
    if method.get("apiKeyRequired"):
        op.setdefault("security", []).append({"api_key": []})
    validator = snap["validators"].get(method.get("requestValidatorId") or "")
    if extensions and validator:
        op["x-amazon-apigateway-request-validator"] = validator.get("name") or validator["id"]
    integration = method.get("methodIntegration")
    if extensions and integration:
        found = {k: v for k, v in integration.items() if v not in (None, [], {}) and k not in (
            "integrationResponses", "cacheNamespace")}
        found["type"] = integration["type"].lower()
        if integration.get("integrationResponses"):
            found["responses"] = {r.get("selectionPattern") or "default": {
                k: v for k, v in r.items() if k in ("statusCode", "responseParameters", "responseTemplates",
                                                    "contentHandling") and v}
                for r in integration["integrationResponses"].values()}
        op["x-amazon-apigateway-integration"] = found
    return op


def document(snap: dict[str, Any], stage: str, region: str, v3: bool, extensions: bool) -> dict[str, Any]:
    api = snap["api"]
    info = {"title": api["name"], "version": api.get("version") or str(api.get("createdDate"))}
    if api.get("description"):
        info["description"] = api["description"]
    host = f"{api['id']}.execute-api.{region}.amazonaws.com"
    out: dict[str, Any] = ({"openapi": "3.0.1", "info": info,
                            "servers": [{"url": f"https://{host}/{{basePath}}",
                                         "variables": {"basePath": {"default": stage}}}]} if v3 else
                           {"swagger": "2.0", "info": info, "host": host, "basePath": f"/{stage}",
                            "schemes": ["https"]})
    paths: dict[str, Any] = {}
    for res in sorted(snap["resources"].values(), key=lambda r: r["path"]):
        for name, method in sorted((res.get("resourceMethods") or {}).items()):
            key = "x-amazon-apigateway-any-method" if name == "ANY" else name.lower()
            paths.setdefault(res["path"], {})[key] = _operation(method, snap, v3, extensions)
    out["paths"] = paths
    schemas = {name: _schema(m, v3) for name, m in snap["models"].items()}
    schemes: dict[str, Any] = {}
    for a in snap["authorizers"].values():
        scheme: dict[str, Any] = {"type": "apiKey", "name": (a.get("identitySource") or "Authorization").rsplit(
            ".", 1)[-1], "in": "header", "x-amazon-apigateway-authtype": a.get("authType") or "custom"}
        if extensions:
            scheme["x-amazon-apigateway-authorizer"] = {k: v for k, v in {
                "type": a["type"].lower(), "authorizerUri": a.get("authorizerUri"),
                "identitySource": a.get("identitySource"), "providerARNs": a.get("providerARNs"),
                "identityValidationExpression": a.get("identityValidationExpression"),
                "authorizerResultTtlInSeconds": a.get("authorizerResultTtlInSeconds")}.items() if v is not None}
        schemes[a["name"]] = scheme
    if any(m.get("apiKeyRequired") for r in snap["resources"].values() for m in (r.get("resourceMethods") or {}).values()):
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    if v3:
        out["components"] = {"schemas": schemas, **({"securitySchemes": schemes} if schemes else {})}
    else:
        out["definitions"] = schemas
        if schemes:
            out["securityDefinitions"] = schemes
    if extensions:
        out.update(_extensions(snap))
    return out


def _extensions(snap: dict[str, Any]) -> dict[str, Any]:
    """The API-level extensions: binary media types, key source, validators, gateway responses."""
    api = snap["api"]
    out: dict[str, Any] = {}
    if api.get("binaryMediaTypes"):
        out["x-amazon-apigateway-binary-media-types"] = api["binaryMediaTypes"]
    if api.get("apiKeySource") == "AUTHORIZER":
        out["x-amazon-apigateway-api-key-source"] = "AUTHORIZER"
    if snap["validators"]:
        out["x-amazon-apigateway-request-validators"] = {
            v.get("name") or v["id"]: {"validateRequestBody": bool(v.get("validateRequestBody")),
                                       "validateRequestParameters": bool(v.get("validateRequestParameters"))}
            for v in snap["validators"].values()}
    if snap.get("responses"):
        out["x-amazon-apigateway-gateway-responses"] = {
            kind: {k: v for k, v in r.items() if k in ("statusCode", "responseParameters", "responseTemplates") and v}
            for kind, r in snap["responses"].items()}
    return out


async def get_export(ctx: Any, restApiId: str, stageName: str, exportType: str,
                     parameters: dict[str, str] | None = None, accepts: str | None = None) -> dict:
    if exportType not in ("oas30", "swagger"):
        raise bad(f"Invalid export type specified: {exportType}. Valid values are oas30, swagger")

    def work(tx: Tx) -> dict[str, Any]:
        store.get_api(tx, ctx, restApiId)
        stage = stages.get(tx, restApiId, stageName)
        return deployments.get(tx, restApiId, stage["deploymentId"])["snapshot"]

    snap = await ctx.engine.read(work)
    extensions = (parameters or {}).get("extensions") in ("integrations", "apigateway", "authorizers")
    doc = document(snap, stageName, ctx.region, exportType == "oas30", extensions)
    as_yaml = bool(accepts) and "yaml" in accepts
    body = yaml.safe_dump(doc, sort_keys=False).encode() if as_yaml else orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    name = f"{restApiId}-{stageName}-{exportType}.{'yaml' if as_yaml else 'json'}"
    return {"contentType": "application/yaml" if as_yaml else "application/json",
            "contentDisposition": f'attachment; filename="{name}"', "body": body}
