"""Amazon API Gateway V2 (HTTP APIs): the service definition the registry loads.

The management API signs as ``apigateway`` like REST APIs; the router tells them apart by path
(``/v2/…`` is this service). Where an operation lives (each function is the operation's name in
snake_case):

* :mod:`.apis` — Create/Get/Update/DeleteApi, GetApis, DeleteCorsConfiguration (quick create);
* :mod:`.routes`, :mod:`.integrations`, :mod:`.authorizers` — the API's parts;
* :mod:`.stages` (+ DeleteAccessLogSettings, DeleteRouteSettings, ResetAuthorizersCache),
  :mod:`.deployments` (snapshots, auto-deploy); :mod:`.tags`;
* :mod:`.imports` — ImportApi, ReimportApi (the document read by :mod:`.openapi_import`);
  :mod:`.openapi_export` — ExportApi (both through :mod:`.openapi_extensions`).

Serving deployed APIs is :mod:`.serving` (found by ``squall.apigw.front``), with :mod:`.matching`,
:mod:`.cors`, :mod:`.served` (the per-stage compiled view), :mod:`.integrate`, :mod:`.auth`,
:mod:`.mapping` and :mod:`.access_log`; throttling buckets and the HTTP client are shared with REST
APIs (:mod:`squall.apigw.throttle`, :mod:`squall.apigw.http_client`).
"""

from __future__ import annotations

from types import ModuleType

from squall.apigw import http_client
from squall.protocol.specs import service_model
from squall.services.apigatewayv2 import (
    apis,
    authorizers,
    deployments,
    imports,
    integrations,
    openapi_export,
    routes,
    stages,
    tags,
)
from squall.services.base import Service, operations_in

_MODULES: tuple[ModuleType, ...] = (apis, routes, integrations, authorizers, stages, deployments, tags, imports,
                                    openapi_export)
_MODEL_OPERATIONS = service_model("apigatewayv2").operation_names

OPERATIONS = operations_in(_MODULES, _MODEL_OPERATIONS)
#: Model operations deliberately not served yet (they answer NotImplemented). Listed, not computed,
#: so that an operation missing by mistake fails tests/services/test_registry.py.
NOT_IMPLEMENTED = frozenset({
    # WebSocket APIs: models, route and integration responses
    "CreateModel", "DeleteModel", "GetModel", "GetModelTemplate", "GetModels", "UpdateModel",
    "CreateRouteResponse", "DeleteRouteResponse", "GetRouteResponse", "GetRouteResponses", "UpdateRouteResponse",
    "CreateIntegrationResponse", "DeleteIntegrationResponse", "GetIntegrationResponse", "GetIntegrationResponses",
    "UpdateIntegrationResponse",
    # custom domain names, API mappings and routing rules
    "CreateDomainName", "DeleteDomainName", "GetDomainName", "GetDomainNames", "UpdateDomainName",
    "CreateApiMapping", "DeleteApiMapping", "GetApiMapping", "GetApiMappings", "UpdateApiMapping",
    "CreateRoutingRule", "DeleteRoutingRule", "GetRoutingRule", "ListRoutingRules", "PutRoutingRule",
    # VPC links (private integrations)
    "CreateVpcLink", "DeleteVpcLink", "GetVpcLink", "GetVpcLinks", "UpdateVpcLink",
    # developer portals
    "CreatePortal", "DeletePortal", "DisablePortal", "GetPortal", "ListPortals", "PreviewPortal", "PublishPortal",
    "UpdatePortal", "CreatePortalProduct", "DeletePortalProduct", "GetPortalProduct", "ListPortalProducts",
    "UpdatePortalProduct", "DeletePortalProductSharingPolicy", "GetPortalProductSharingPolicy",
    "PutPortalProductSharingPolicy", "CreateProductPage", "DeleteProductPage", "GetProductPage", "ListProductPages",
    "UpdateProductPage", "CreateProductRestEndpointPage", "DeleteProductRestEndpointPage",
    "GetProductRestEndpointPage", "ListProductRestEndpointPages", "UpdateProductRestEndpointPage",
})

SERVICE = Service(
    name="apigatewayv2",
    model="apigatewayv2",
    operations=OPERATIONS,
    not_implemented=NOT_IMPLEMENTED,
    background=[http_client.close_on_stop],  # also REST APIs' task: whichever runs first closes it
)
