"""ImportRestApi and PutRestApi: a REST API from an OpenAPI 3 or Swagger 2 document (JSON or
YAML) with API Gateway's extensions — ``x-amazon-apigateway-integration`` (with its
``responses``), ``x-amazon-apigateway-authorizer`` security schemes, ``x-amazon-apigateway-any-method``,
``x-amazon-apigateway-binary-media-types``, ``x-amazon-apigateway-request-validators`` /
``-request-validator``, ``x-amazon-apigateway-gateway-responses``, ``x-amazon-apigateway-api-key-source``.
PutRestApi ``overwrite`` replaces the definition; ``merge`` adds to it (a method in both is replaced).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from squall.apigw.openapi import parse, read
from squall.engine.api import Tx
from squall.services.apigateway import (
    authorizers,
    gateway_responses,
    integrations,
    methods,
    models,
    resources,
    restapis,
    store,
    validators,
)
from squall.services.apigateway.errors import BadRequest, bad

_HTTP = ("get", "put", "post", "delete", "patch", "options", "head", "x-amazon-apigateway-any-method")


def _ref_name(ref: str | None) -> str | None:
    return ref.rsplit("/", 1)[-1] if ref else None


def _rewrite_refs(value: Any, api_id: str) -> Any:
    """Model schemas refer to each other as API Gateway models, not document fragments."""
    if isinstance(value, dict):
        return {k: (f"https://apigateway.amazonaws.com/restapis/{api_id}/models/{_ref_name(v)}"
                    if k == "$ref" and isinstance(v, str) and v.startswith("#/") else _rewrite_refs(v, api_id))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_refs(v, api_id) for v in value]
    return value


class _Importer:
    def __init__(self, spec: dict[str, Any], doc: dict[str, Any]) -> None:
        self.spec, self.doc = spec, doc
        self.v3 = "openapi" in spec
        self.api_id = doc["api"]["id"]
        components = spec.get("components") or {}
        self.schemas = components.get("schemas") if self.v3 else spec.get("definitions")
        self.schemes = (components.get("securitySchemes") if self.v3 else spec.get("securityDefinitions")) or {}
        self.authorizer_ids: dict[str, str] = {}
        self.validator_ids: dict[str, str] = {}

    def run(self) -> None:
        api = self.doc["api"]
        info = self.spec.get("info") or {}
        api["name"] = info.get("title") or api.get("name") or "imported"
        api["description"] = info.get("description", api.get("description"))
        api["version"] = info.get("version", api.get("version"))
        for media in self.spec.get("x-amazon-apigateway-binary-media-types") or ():
            if media not in api["binaryMediaTypes"]:
                api["binaryMediaTypes"].append(media)
        source = self.spec.get("x-amazon-apigateway-api-key-source")
        if source:
            api["apiKeySource"] = source.upper()
        for name, schema in (self.schemas or {}).items():
            self.doc["models"].pop(name, None)
            models.add(self.doc, name, orjson.dumps(_rewrite_refs(schema, self.api_id)).decode(),
                       "application/json", schema.get("description") if isinstance(schema, dict) else None)
        for name, scheme in self.schemes.items():
            found = (scheme or {}).get("x-amazon-apigateway-authorizer")
            if found:
                self._authorizer(name, scheme, found)
        for name, settings in (self.spec.get("x-amazon-apigateway-request-validators") or {}).items():
            existing = next((v for v in self.doc["validators"].values() if v.get("name") == name), None)
            if existing is None:
                existing = validators.add(self.doc, name, settings.get("validateRequestBody"),
                                          settings.get("validateRequestParameters"))
            self.validator_ids[name] = existing["id"]
        for kind, settings in (self.spec.get("x-amazon-apigateway-gateway-responses") or {}).items():
            gateway_responses.put(self.doc, kind, settings.get("statusCode"), settings.get("responseParameters"),
                                  settings.get("responseTemplates"))
        for path, item in (self.spec.get("paths") or {}).items():
            self._path(path, item or {})

    def _authorizer(self, name: str, scheme: dict[str, Any], found: dict[str, Any]) -> None:
        kind = str(found.get("type", "token")).upper()
        kind = "COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else kind
        source = found.get("identitySource")
        if not source and kind == "TOKEN":
            source = f"method.request.header.{scheme.get('name') or 'Authorization'}"
        for aid, existing in list(self.doc["authorizers"].items()):
            if existing.get("name") == name:
                del self.doc["authorizers"][aid]
        created = authorizers.add(self.doc, {
            "name": name, "type": kind, "authorizerUri": found.get("authorizerUri"),
            "authorizerCredentials": found.get("authorizerCredentials"), "identitySource": source,
            "identityValidationExpression": found.get("identityValidationExpression"),
            "authorizerResultTtlInSeconds": found.get("authorizerResultTtlInSeconds"),
            "providerARNs": found.get("providerARNs"), "authType": scheme.get("x-amazon-apigateway-authtype")})
        self.authorizer_ids[name] = created["id"]

    def _resource(self, path: str) -> dict[str, Any]:
        parent = self.doc["resources"][self.doc["api"]["rootResourceId"]]
        for part in [p for p in path.split("/") if p]:
            child = next((r for r in self.doc["resources"].values()
                          if r.get("parentId") == parent["id"] and r.get("pathPart") == part), None)
            parent = child or resources.add(self.doc, parent["id"], part)
        return parent

    def _path(self, path: str, item: dict[str, Any]) -> None:
        res = self._resource(path)
        shared = item.get("parameters") or []
        for key, operation in item.items():
            if key.lower() not in _HTTP or not isinstance(operation, dict):
                continue
            name = "ANY" if key.lower() == "x-amazon-apigateway-any-method" else key.upper()
            res["resourceMethods"].pop(name, None)
            self._method(res, name, operation, shared)

    def _method(self, res: dict[str, Any], name: str, op: dict[str, Any], shared: list[Any]) -> None:
        params: dict[str, bool] = {}
        request_models: dict[str, str] = {}
        for p in [*shared, *(op.get("parameters") or [])]:
            where = {"path": "path", "query": "querystring", "header": "header"}.get(p.get("in"))
            if where:
                params[f"method.request.{where}.{p['name']}"] = bool(p.get("required") or where == "path")
            elif p.get("in") == "body" and _ref_name((p.get("schema") or {}).get("$ref")):
                for media in op.get("consumes") or self.spec.get("consumes") or ["application/json"]:
                    request_models[media] = _ref_name(p["schema"]["$ref"])  # type: ignore[assignment]
        for media, content in ((op.get("requestBody") or {}).get("content") or {}).items():
            model = _ref_name(((content or {}).get("schema") or {}).get("$ref"))
            if model:
                request_models[media] = model
        auth_type, authorizer_id, key_required = "NONE", None, False
        for requirement in op.get("security", self.spec.get("security")) or []:
            for scheme_name in requirement:
                scheme = self.schemes.get(scheme_name) or {}
                if scheme_name in self.authorizer_ids:
                    kind = self.doc["authorizers"][self.authorizer_ids[scheme_name]]["type"]
                    auth_type = "COGNITO_USER_POOLS" if kind == "COGNITO_USER_POOLS" else "CUSTOM"
                    authorizer_id = self.authorizer_ids[scheme_name]
                elif str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
                    auth_type = "AWS_IAM"
                elif scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
                    key_required = True
        validator = op.get("x-amazon-apigateway-request-validator",
                           self.spec.get("x-amazon-apigateway-request-validator"))
        methods.put(self.doc, res["id"], name, {
            "authorizationType": auth_type, "authorizerId": authorizer_id, "apiKeyRequired": key_required,
            "operationName": op.get("operationId"), "requestParameters": params or None,
            "requestModels": request_models or None, "requestValidatorId": self.validator_ids.get(validator)})
        method = res["resourceMethods"][name]
        responses: dict[str, Any] = {}
        for code, spec in (op.get("responses") or {}).items():
            code = str(code)
            if not (code.isdigit() and len(code) == 3):
                continue
            headers = {f"method.response.header.{h}": False for h in ((spec or {}).get("headers") or {})}
            response_models = {}
            for media, content in ((spec or {}).get("content") or {}).items():
                model = _ref_name(((content or {}).get("schema") or {}).get("$ref"))
                if model:
                    response_models[media] = model
            if not self.v3 and _ref_name(((spec or {}).get("schema") or {}).get("$ref")):
                response_models["application/json"] = _ref_name(spec["schema"]["$ref"])
            responses[code] = {"statusCode": code, "responseParameters": headers or None,
                               "responseModels": response_models or None}
        method["methodResponses"] = responses or None
        found = op.get("x-amazon-apigateway-integration")
        if found:
            self._integration(res, name, found)

    def _integration(self, res: dict[str, Any], name: str, found: dict[str, Any]) -> None:
        integrations.put(self.doc, res["id"], name, {
            "type": str(found.get("type", "")).upper(), "integrationHttpMethod": found.get("httpMethod"),
            "uri": found.get("uri"), "connectionType": found.get("connectionType"),
            "connectionId": found.get("connectionId"), "credentials": found.get("credentials"),
            "requestParameters": found.get("requestParameters"), "requestTemplates": found.get("requestTemplates"),
            "passthroughBehavior": str(found.get("passthroughBehavior", "when_no_match")).upper(),
            "contentHandling": found.get("contentHandling"), "timeoutInMillis": found.get("timeoutInMillis"),
            "cacheNamespace": found.get("cacheNamespace"), "cacheKeyParameters": found.get("cacheKeyParameters"),
            "tlsConfig": found.get("tlsConfig")})
        for pattern, response in (found.get("responses") or {}).items():
            response = response or {}
            integrations.put_response(self.doc, res["id"], name, str(response.get("statusCode", "200")), {
                "selectionPattern": None if pattern == "default" else pattern,
                "responseParameters": response.get("responseParameters"),
                "responseTemplates": response.get("responseTemplates"),
                "contentHandling": response.get("contentHandling")}, require_method_response=False)


def build(spec: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    """Apply ``spec`` to the API document ``doc`` (in place); BadRequest for what API Gateway
    would refuse."""
    try:
        _Importer(spec, doc).run()
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadRequest(f"Invalid OpenAPI input: {exc}") from None
    return doc


async def import_rest_api(ctx: Any, body: bytes, failOnWarnings: bool | None = None,
                          parameters: dict[str, str] | None = None) -> dict:
    spec = parse(await read(body))
    endpoint = (parameters or {}).get("endpointConfigurationTypes")
    api, root = restapis.new_api((spec.get("info") or {}).get("title") or "imported",
                                 endpoint_configuration={"types": [endpoint.upper()]} if endpoint else None,
                                 now=ctx.engine.now())
    doc = build(spec, restapis.empty_document(api, root))

    def work(tx: Tx) -> dict[str, Any]:
        imported = copy.deepcopy(doc)
        restapis.insert(tx, ctx, imported)
        return {**restapis.shown(imported["api"]), "warnings": []}

    return await ctx.engine.transact(work)


async def put_rest_api(ctx: Any, restApiId: str, body: bytes, mode: str | None = None,
                       failOnWarnings: bool | None = None, parameters: dict[str, str] | None = None) -> dict:
    spec = parse(await read(body))
    if (mode or "merge") not in ("merge", "overwrite"):
        raise bad("Invalid mode specified: merge or overwrite")

    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        if mode == "overwrite":
            fresh = restapis.empty_document(doc["api"], doc["api"]["rootResourceId"])
            fresh["api"]["binaryMediaTypes"] = []
            doc.clear()
            doc.update(fresh)
        build(spec, doc)
        return {**restapis.shown(doc["api"]), "warnings": []}

    return await store.change_api(ctx, restApiId, work)
