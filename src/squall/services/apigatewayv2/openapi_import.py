"""What HTTP API an OpenAPI definition describes: ImportApi / ReimportApi read the document here
into checked documents (:class:`Definition`) that :mod:`.imports` then stores.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html

* ``info.title`` / ``version`` / ``description`` → the API's Name, Version, Description;
* each path and method → a route (``GET /items/{id}``; ``x-amazon-apigateway-any-method`` → ``ANY``;
  the any-method of the path ``$default`` — SAM writes it so, an export ``/$default`` — → the
  ``$default`` route), its ``operationId`` → OperationName;
* the operation's ``x-amazon-apigateway-integration`` → an integration of its own (``aws_proxy`` →
  ``AWS_PROXY``, ``http_proxy`` → ``HTTP_PROXY``; ``payloadFormatVersion`` "is required for HTTP
  APIs" says the extension's page, and is 1.0 when missing, as for CreateIntegration); one ``$ref``
  to ``#/components/x-amazon-apigateway-integrations/NAME`` is one integration its routes share
  (api-gateway-extensions-integrations.html);
* security schemes with ``x-amazon-apigateway-authorizer`` (``jwt``, ``request``) → authorizers,
  named after the scheme; an operation's (or the document's) ``security`` → the route's
  authorization (JWT with its scopes, CUSTOM, or AWS_IAM for an ``awsSigv4`` scheme; SAM's
  ``NONE`` means none). One requirement per route, as the page says;
* ``x-amazon-apigateway-cors`` → CorsConfiguration; root ``tags`` with
  ``x-amazon-apigateway-tag-value`` → Tags (a tag without one has the value ""); a server's (Swagger
  2: the root's) ``x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint``.

The page's three kinds of findings: *info* — valid OpenAPI that HTTP APIs ignore (request bodies and
schemas, REST-only extensions and integration properties: ``ImportInfo``); *warnings* — a part that
cannot be made and is left out (an integration type other than the two proxies: the route has no
integration; an authorizer type or security scheme HTTP APIs lack: ``Warnings``, which
``FailOnWarnings`` turns into a failure); *errors* — a malformed document, answered BadRequest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from squall.services.apigatewayv2 import authorizers, cors, integrations, routes, store
from squall.services.apigatewayv2 import openapi_extensions as ext
from squall.services.apigatewayv2.errors import BadRequest

BASE_PATH_MODES = ("ignore", "prepend", "split")
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", ext.ANY_METHOD})
_INTEGRATION_TYPES = {"aws_proxy": "AWS_PROXY", "http_proxy": "HTTP_PROXY"}
_DEFAULT_PATHS = ("$default", "/$default")
#: REST APIs' extensions and integration properties, valid in a document but without meaning here
_REST_ONLY = ("x-amazon-apigateway-api-key-source", "x-amazon-apigateway-binary-media-types",
              "x-amazon-apigateway-documentation", "x-amazon-apigateway-gateway-responses",
              "x-amazon-apigateway-minimum-compression-size", "x-amazon-apigateway-policy",
              "x-amazon-apigateway-request-validators")
_REST_ONLY_INTEGRATION = ("cacheKeyParameters", "cacheNamespace", "contentHandling", "passthroughBehavior",
                          "requestTemplates", "responses")
#: REST identity sources (``method.request.header.auth``) as HTTP APIs write them (``$request.header.auth``)
_REST_SOURCE = re.compile(r"method\.request\.(header|querystring)\.|(stageVariables|context)\.")


@dataclass
class Definition:
    """The API a document describes: API members, and checked parts with their ids (routes name
    their integration and authorizer by those ids; :func:`.routes.check` runs when they are stored)."""

    api: dict[str, Any]
    integrations: list[dict[str, Any]] = field(default_factory=list)
    authorizers: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)


def read_definition(spec: dict[str, Any], basepath: str | None = None) -> Definition:
    """The HTTP API ``spec`` describes (BadRequest for a document API Gateway would refuse)."""
    try:
        return _Reader(spec, basepath).run()
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BadRequest(f"Invalid OpenAPI input: {exc}") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid OpenAPI input: {where} must be an object")
    return value


def _check_versions(spec: dict[str, Any]) -> None:
    if "openapi" in spec:
        version = str(spec["openapi"])
        ok = re.fullmatch(r"3\.0(\.\d+)?", version) is not None
    else:
        version = str(spec.get("swagger"))
        ok = version == "2.0"
    if not ok:
        raise BadRequest(f"Invalid OpenAPI input: unsupported specification version {version}. HTTP APIs "
                         "import OpenAPI 3.0 (or Swagger 2.0) definitions")
    export_version = spec.get(ext.IMPORTEXPORT_VERSION)
    if export_version is not None and str(export_version) != "1.0":
        raise BadRequest(f"Invalid {ext.IMPORTEXPORT_VERSION}: {export_version}. The only supported version is 1.0")


def _base_path(spec: dict[str, Any]) -> str:
    """Swagger 2's ``basePath``, or the path of OpenAPI 3's first server URL (variables at their defaults)."""
    if "swagger" in spec:
        return str(spec.get("basePath") or "")
    servers = spec.get("servers") or [{}]
    server = _object(servers[0], "servers[0]")
    url = str(server.get("url") or "")
    for name, variable in _object(server.get("variables"), "servers[0].variables").items():
        url = url.replace(f"{{{name}}}", str(_object(variable, name).get("default", "")))
    return urlsplit(url).path if "://" in url else url


def _route_prefix(spec: dict[str, Any], mode: str | None) -> str:
    """What the import's ``basepath`` mode puts before every path.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-basePath.html"""
    mode = (mode or "ignore").lower()
    if mode not in BASE_PATH_MODES:
        raise BadRequest(f"Invalid basepath specified: {mode}. Valid values are {', '.join(BASE_PATH_MODES)}")
    if mode == "ignore":
        return ""
    parts = [p for p in _base_path(spec).split("/") if p]
    return "".join(f"/{p}" for p in (parts[1:] if mode == "split" else parts))


def _identity_source(source: str) -> str:
    m = _REST_SOURCE.match(source)
    if m is None:
        return source
    return (f"$request.{m[1]}." if m[1] else f"${m[2]}.") + source[m.end():]


def _identity_sources(value: Any) -> list[str] | None:
    """A comma-separated string (the extension's documented form) or a list (SAM's)."""
    if value is None:
        return None
    sources = value.split(",") if isinstance(value, str) else [str(s) for s in value]
    return [_identity_source(s.strip()) for s in sources if s.strip()]


class _Reader:
    def __init__(self, spec: dict[str, Any], basepath: str | None) -> None:
        _check_versions(spec)
        self.spec = spec
        v3 = "openapi" in spec
        self.components = _object(spec.get("components"), "components") if v3 else {}
        self.schemes = _object(self.components.get("securitySchemes") if v3 else spec.get("securityDefinitions"),
                               "securitySchemes")
        self.shared = _object(self.components.get(ext.INTEGRATIONS), ext.INTEGRATIONS)
        self.prefix = _route_prefix(spec, basepath)
        self.out = Definition(api=self._api())
        self.authorizer_for: dict[str, dict[str, Any]] = {}  # scheme name → authorizer
        self.shared_ids: dict[str, str | None] = {}  # shared integration name → its id

    def run(self) -> Definition:
        for name, scheme in self.schemes.items():
            self._authorizer(str(name), _object(scheme, f"security scheme {name}"))
        for path, item in _object(self.spec.get("paths"), "paths").items():
            for key, operation in _object(item, f"paths.{path}").items():
                method = str(key).lower()
                if method in _METHODS:
                    self._route(str(path), "ANY" if method == ext.ANY_METHOD else method.upper(),
                                _object(operation, f"{path} {key}"))
                elif method == "trace":
                    self.out.warnings.append(f"TRACE {path}: HTTP APIs have no TRACE routes; it was not imported")
        self._note_ignored()
        return self.out

    # ---- the API itself ----
    def _api(self) -> dict[str, Any]:
        info = _object(self.spec.get("info"), "info")
        if not info.get("title"):
            raise BadRequest("Invalid OpenAPI input: info.title is required (it names the API)")
        api: dict[str, Any] = {"Name": str(info["title"]), "DisableExecuteApiEndpoint": self._endpoint_disabled(),
                               "Tags": self._tags()}
        for prop, member in (("version", "Version"), ("description", "Description")):
            if info.get(prop) is not None:
                api[member] = str(info[prop])
        found = self.spec.get(ext.CORS)
        if found is not None:
            api["CorsConfiguration"] = cors.normalize(ext.to_members(_object(found, ext.CORS), ext.CORS_MEMBERS))
        return api

    def _endpoint_disabled(self) -> bool:
        holders = [self.spec] if "swagger" in self.spec else list(self.spec.get("servers") or [])
        for holder in holders:
            config = _object(holder, "servers[]").get(ext.ENDPOINT_CONFIGURATION)
            if config is not None:
                return bool(_object(config, ext.ENDPOINT_CONFIGURATION).get("disableExecuteApiEndpoint", False))
        return False

    def _tags(self) -> dict[str, str]:
        found = self.spec.get("tags") or []
        if not isinstance(found, list):
            raise BadRequest("Invalid OpenAPI input: tags must be a list")
        tags = {str(t["name"]): str(t.get(ext.TAG_VALUE) or "") for t in found if isinstance(t, dict) and t.get("name")}
        return store.check_tags(tags)

    # ---- authorizers ----
    def _authorizer(self, name: str, scheme: dict[str, Any]) -> None:
        found = scheme.get(ext.AUTHORIZER)
        if found is None:
            return
        found = _object(found, f"{ext.AUTHORIZER} of {name}")
        kind = str(found.get("type", "")).lower()
        if kind not in ("jwt", "request"):
            self.out.warnings.append(f"Security scheme {name}: authorizer type {found.get('type')} is not supported "
                                     "for HTTP APIs (jwt or request); it was not imported")
            return
        members = ext.to_members(found, ext.AUTHORIZER_MEMBERS)
        sources = _identity_sources(members.pop("IdentitySource", None))
        if kind == "jwt":
            config = members.setdefault("JwtConfiguration", {})
            if not config.get("Issuer") and scheme.get("openIdConnectUrl"):  # the page's "autofind" form
                config["Issuer"] = str(scheme["openIdConnectUrl"]).removesuffix("/.well-known/openid-configuration")
        else:
            # The property is required for HTTP APIs; REST APIs' exports lack it, and their
            # authorizers answer IAM policies to REST's event — which format 1.0 is.
            version = members.get("AuthorizerPayloadFormatVersion")
            members["AuthorizerPayloadFormatVersion"] = ext.version_text(
                version if version is not None else "2.0" if members.get("EnableSimpleResponses") else "1.0")
            if members.get("AuthorizerResultTtlInSeconds") is not None:
                members["AuthorizerResultTtlInSeconds"] = int(members["AuthorizerResultTtlInSeconds"])
        try:
            doc = authorizers.new_authorizer("JWT" if kind == "jwt" else "REQUEST", name, sources, **members)
        except BadRequest as exc:
            raise BadRequest(f"Security scheme {name}: {exc.message}") from None
        self.out.authorizers.append(doc)
        self.authorizer_for[name] = doc

    def _authorization(self, operation: dict[str, Any], where: str) -> dict[str, Any]:
        """The route members of the operation's security requirement."""
        requirements = operation["security"] if "security" in operation else self.spec.get("security")
        if not requirements:
            return {}
        if not isinstance(requirements, list) or len(requirements) > 1 or len(_object(requirements[0], "security")) > 1:
            raise BadRequest(f"{where}: a route takes one security requirement — IAM authorization, a Lambda "
                             "authorizer or a JWT authorizer")
        if not requirements[0]:
            return {}
        ((name, scopes),) = requirements[0].items()
        authorizer = self.authorizer_for.get(name)
        if authorizer is not None and authorizer["AuthorizerType"] == "JWT":
            return {"AuthorizationType": "JWT", "AuthorizerId": authorizer["AuthorizerId"],
                    "AuthorizationScopes": [str(s) for s in scopes or []] or None}
        if authorizer is not None:
            if scopes:
                self.out.info.append(f"{where}: authorization scopes apply to JWT authorizers only; ignored")
            return {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer["AuthorizerId"]}
        scheme = self.schemes.get(name)
        if scheme is None:
            if name == "NONE":  # SAM's way of exempting a route from the API's default authorizer
                return {}
            raise BadRequest(f"{where}: security scheme {name} is not defined")
        if str(_object(scheme, name).get(ext.AUTHTYPE, "")).lower() == "awssigv4":
            return {"AuthorizationType": "AWS_IAM"}
        self.out.warnings.append(f"{where}: security scheme {name} is neither a JWT or Lambda authorizer nor "
                                 "awsSigv4; the route was imported without authorization")
        return {}

    # ---- routes and integrations ----
    def _route(self, path: str, method: str, operation: dict[str, Any]) -> None:
        if path in _DEFAULT_PATHS and method == "ANY":
            key = "$default"
        else:
            key = f"{method} {self.prefix}{path}" if path != "/" or not self.prefix else f"{method} {self.prefix}"
        members = self._authorization(operation, key)
        if operation.get("operationId") is not None:
            members["OperationName"] = str(operation["operationId"])
        found = operation.get(ext.INTEGRATION)
        if found is not None:
            ident = self._integration(_object(found, f"{ext.INTEGRATION} of {key}"), key)
            if ident:
                members["Target"] = f"integrations/{ident}"
        if "requestBody" in operation:
            self.out.info.append(f"{key}: requestBody is ignored; HTTP APIs do not validate requests")
        self.out.routes.append(routes.new_route(key, **members))

    def _integration(self, found: dict[str, Any], where: str) -> str | None:
        ref = found.get("$ref")
        if ref is None:
            return self._new_integration(found, where)
        prefix = f"#/components/{ext.INTEGRATIONS}/"
        name = str(ref)[len(prefix):] if str(ref).startswith(prefix) else None
        if name is None or name not in self.shared:
            raise BadRequest(f"{where}: {ext.INTEGRATION} refers to {ref}, which is not an integration of "
                             f"components.{ext.INTEGRATIONS}")
        if name not in self.shared_ids:
            self.shared_ids[name] = self._new_integration(_object(self.shared[name], name), f"integration {name}")
        return self.shared_ids[name]

    def _new_integration(self, found: dict[str, Any], where: str) -> str | None:
        kind = _INTEGRATION_TYPES.get(str(found.get("type", "")).lower())
        if kind is None:
            self.out.warnings.append(f"{where}: integration type {found.get('type')} is not supported for HTTP APIs "
                                     "(aws_proxy or http_proxy); the route was imported without an integration")
            return None
        ignored = [p for p in _REST_ONLY_INTEGRATION if p in found]
        if ignored:
            self.out.info.append(f"{where}: {', '.join(ignored)} of {ext.INTEGRATION} are REST API settings; ignored")
        members = ext.to_members(found, ext.INTEGRATION_MEMBERS)
        if not isinstance(members.get("IntegrationUri"), str):
            raise BadRequest(f"{where}: {ext.INTEGRATION}.uri must be a string (a Lambda ARN or an http(s) URL)")
        if "PayloadFormatVersion" in members:
            members["PayloadFormatVersion"] = ext.version_text(members["PayloadFormatVersion"])
        if "TimeoutInMillis" in members:
            members["TimeoutInMillis"] = int(members["TimeoutInMillis"])
        try:
            doc = integrations.new_integration(IntegrationType=kind, **members)
        except BadRequest as exc:
            raise BadRequest(f"{where}: {exc.message}") from None
        self.out.integrations.append(doc)
        return str(doc["IntegrationId"])

    def _note_ignored(self) -> None:
        for prop in _REST_ONLY:
            if prop in self.spec:
                self.out.info.append(f"{prop} is a REST API extension; ignored")
        if self.components.get("schemas") or self.spec.get("definitions"):
            self.out.info.append("Models (schemas) are not supported for HTTP APIs; ignored")
