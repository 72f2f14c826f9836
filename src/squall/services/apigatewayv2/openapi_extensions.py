"""The ``x-amazon-apigateway-*`` extensions of an HTTP API's OpenAPI definition and the API members
each property stands for — one table per object, read one way by :mod:`.openapi_import` and the
other by :mod:`.openapi_export`, so an export imports back to the same API.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
(the ``-integration``, ``-authorizer``, ``-cors``, ``-tag-value``, ``-endpoint-configuration`` and
``-importexport-version`` pages).
"""

from __future__ import annotations

from typing import Any

INTEGRATION = "x-amazon-apigateway-integration"
INTEGRATIONS = "x-amazon-apigateway-integrations"  # components: integrations routes share by $ref
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"
ANY_METHOD = "x-amazon-apigateway-any-method"
CORS = "x-amazon-apigateway-cors"
TAG_VALUE = "x-amazon-apigateway-tag-value"
ENDPOINT_CONFIGURATION = "x-amazon-apigateway-endpoint-configuration"
IMPORTEXPORT_VERSION = "x-amazon-apigateway-importexport-version"

#: x-amazon-apigateway-integration property → CreateIntegration member (``type`` is read apart)
INTEGRATION_MEMBERS = {
    "connectionId": "ConnectionId", "connectionType": "ConnectionType", "credentials": "CredentialsArn",
    "description": "Description", "httpMethod": "IntegrationMethod", "integrationSubtype": "IntegrationSubtype",
    "payloadFormatVersion": "PayloadFormatVersion", "requestParameters": "RequestParameters",
    "responseParameters": "ResponseParameters", "timeoutInMillis": "TimeoutInMillis", "tlsConfig": "TlsConfig",
    "uri": "IntegrationUri",
}
#: x-amazon-apigateway-authorizer property → CreateAuthorizer member (``type`` is read apart)
AUTHORIZER_MEMBERS = {
    "authorizerCredentials": "AuthorizerCredentialsArn", "authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion",
    "authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds", "authorizerUri": "AuthorizerUri",
    "enableSimpleResponses": "EnableSimpleResponses", "identitySource": "IdentitySource",
    "jwtConfiguration": "JwtConfiguration",
}
#: x-amazon-apigateway-cors property → CorsConfiguration member
CORS_MEMBERS = {
    "allowCredentials": "AllowCredentials", "allowHeaders": "AllowHeaders", "allowMethods": "AllowMethods",
    "allowOrigins": "AllowOrigins", "exposeHeaders": "ExposeHeaders", "maxAge": "MaxAge",
}
#: members whose value is itself an object with the same camelCase ↔ PascalCase naming
#: (``jwtConfiguration.issuer`` ↔ ``JwtConfiguration.Issuer``); mappings such as
#: ``requestParameters`` keep their keys as they are
_NESTED = frozenset({"JwtConfiguration", "TlsConfig"})


def _recased(value: dict[str, Any], upper: bool) -> dict[str, Any]:
    return {(k[:1].upper() if upper else k[:1].lower()) + k[1:]: v for k, v in value.items()}


def to_members(extension: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    """The API members an extension object's known properties stand for (None values dropped)."""
    out: dict[str, Any] = {}
    for prop, value in extension.items():
        member = table.get(prop)
        if member is None or value is None:
            continue
        out[member] = _recased(value, True) if member in _NESTED and isinstance(value, dict) else value
    return out


def to_extension(doc: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    """The extension object's properties for the members ``doc`` has (the inverse of :func:`to_members`)."""
    out: dict[str, Any] = {}
    for prop, member in sorted(table.items()):
        value = doc.get(member)
        if value is None:
            continue
        out[prop] = _recased(value, False) if member in _NESTED and isinstance(value, dict) else value
    return out


def version_text(value: Any) -> Any:
    """A payload format version as API Gateway takes it: ``1.0`` written as a YAML/JSON number is "1.0"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):.1f}"
    return value
