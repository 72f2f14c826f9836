"""Amazon API Gateway, REST APIs (botocore model ``apigateway``): the service definition the
registry loads. HTTP APIs (``apigatewayv2``) share the signing name; the router sends their
``/v2/`` paths there.

Where an operation lives (each function is the operation's name in snake_case):

* :mod:`.restapis`, :mod:`.resources`, :mod:`.methods` (+ method responses),
  :mod:`.integrations` (+ integration responses), :mod:`.deployments`, :mod:`.stages`,
  :mod:`.authorizers`, :mod:`.models`, :mod:`.validators`, :mod:`.gateway_responses`,
  :mod:`.api_keys`, :mod:`.usage_plans` (+ usage plan keys), :mod:`.tags`, :mod:`.account`,
  :mod:`.openapi` (ImportRestApi, PutRestApi), :mod:`.export` (GetExport).

Shared pieces: :mod:`.store` (records, cache), :mod:`.patch` (``patchOperations``),
:mod:`.errors`. The data plane (deployed APIs answering user requests) is :mod:`.serving`.
"""

from __future__ import annotations

from types import ModuleType

from squall.apigw import http_client
from squall.protocol.specs import service_model
from squall.services.apigateway import (
    account,
    api_keys,
    authorizers,
    deployments,
    export,
    gateway_responses,
    integrations,
    methods,
    models,
    openapi,
    resources,
    restapis,
    stages,
    tags,
    usage,
    usage_plans,
    validators,
)
from squall.services.base import Service, operations_in

_MODULES: tuple[ModuleType, ...] = (restapis, resources, methods, integrations, deployments, stages, authorizers,
                                    models, validators, gateway_responses, api_keys, usage_plans, tags, account,
                                    openapi, export, usage)
_MODEL_OPERATIONS = service_model("apigateway").operation_names




#: Model operations deliberately not served yet (they answer NotImplemented). Listed, not
#: computed, so that an operation missing by mistake fails tests/services/test_registry.py.
NOT_IMPLEMENTED = frozenset({
    # custom domain names and their mappings
    "CreateDomainName", "DeleteDomainName", "GetDomainName", "GetDomainNames", "UpdateDomainName",
    "CreateBasePathMapping", "DeleteBasePathMapping", "GetBasePathMapping", "GetBasePathMappings",
    "UpdateBasePathMapping", "CreateDomainNameAccessAssociation", "DeleteDomainNameAccessAssociation",
    "GetDomainNameAccessAssociations", "RejectDomainNameAccessAssociation",
    # documentation parts and versions
    "CreateDocumentationPart", "DeleteDocumentationPart", "GetDocumentationPart", "GetDocumentationParts",
    "UpdateDocumentationPart", "ImportDocumentationParts", "CreateDocumentationVersion",
    "DeleteDocumentationVersion", "GetDocumentationVersion", "GetDocumentationVersions",
    "UpdateDocumentationVersion",
    # VPC links and client certificates (no private integrations, no mutual TLS to backends)
    "CreateVpcLink", "DeleteVpcLink", "GetVpcLink", "GetVpcLinks", "UpdateVpcLink",
    "GenerateClientCertificate", "DeleteClientCertificate", "GetClientCertificate", "GetClientCertificates",
    "UpdateClientCertificate",
    # SDK generation, test invocations from the console, model templates, usage reports
    "GetSdk", "GetSdkType", "GetSdkTypes", "TestInvokeMethod", "TestInvokeAuthorizer", "GetModelTemplate",
})

SERVICE = Service(
    name="apigateway",
    model="apigateway",
    operations=operations_in(_MODULES, _MODEL_OPERATIONS),
    not_implemented=NOT_IMPLEMENTED,
    background=[http_client.close_on_stop],
)
