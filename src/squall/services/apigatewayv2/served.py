"""The serving view of an HTTP API: its stages, each with the compiled deployment it serves.

Built from the engine once (:func:`lookup`), kept per process, and checked against the API's
revision (one point read) at most every :data:`CHECK_INTERVAL` seconds — in the background, while the
view held keeps answering (:class:`~squall.services.refreshing.Refreshing`): a change made on this node
drops the view on commit (:func:`store.touch`), one made on another node is seen within the
interval. A request therefore costs a dict lookup here, never an engine transaction. Ids that are
not HTTP APIs (REST APIs, unknown ids) are remembered as such just as briefly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from squall.apigw import throttle
from squall.apigw.authorizers import LambdaAuthorizer
from squall.apigw.functions import lambda_arn
from squall.engine.api import Tx
from squall.services.apigatewayv2 import store
from squall.services.apigatewayv2.access_log import AccessLog
from squall.services.apigatewayv2.cors import Cors
from squall.services.apigatewayv2.matching import RouteTable, parse_route_key

CHECK_INTERVAL = store.SERVED_TTL


@dataclass
class Route:
    key: str  # "GET /items/{id}" or "$default"
    method: str  # "" for $default
    path: str  # the route's path ("/items/{id}"), "" for $default
    integration: dict[str, Any] | None
    auth_type: str
    authorizer: dict[str, Any] | None
    scopes: list[str]


@dataclass
class Deployment:
    table: RouteTable
    cors: Cors | None
    disabled: bool  # DisableExecuteApiEndpoint


@dataclass
class Stage:
    api: Api
    name: str
    variables: dict[str, str]
    deployment: Deployment | None
    default_settings: dict[str, Any]
    route_settings: dict[str, dict[str, Any]]
    access_log: AccessLog | None
    _limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    _functions: dict[str, str] = field(default_factory=dict)
    _authorizers: dict[str, LambdaAuthorizer] = field(default_factory=dict)

    def admit(self, runtime: Any, route_key: str) -> bool:
        """Whether the route's throttle admits one more request: its ``RouteSettings`` limits over the
        stage's ``DefaultRouteSettings`` (https://docs.aws.amazon.com/apigateway/latest/developerguide/
        http-api-throttling.html), in :mod:`squall.apigw.throttle`'s token buckets. A limit set nowhere
        is the account's (10,000 requests/s), which squall does not enforce."""
        limits = self._limits.get(route_key)
        if limits is None:
            route = {k: v for k, v in (self.route_settings.get(route_key) or {}).items() if v is not None}
            settings = {**self.default_settings, **route}
            limits = self._limits[route_key] = (settings.get("ThrottlingRateLimit"),
                                                settings.get("ThrottlingBurstLimit"))
        if limits == (None, None):
            return True
        return throttle.admit(runtime, ("apigatewayv2", self.api.api_id, self.name, route_key), *limits)

    def function_arn(self, integration: dict[str, Any]) -> str:
        """The function an AWS_PROXY integration calls in this stage (stage variables applied)."""
        ident = integration["IntegrationId"]
        arn = self._functions.get(ident)
        if arn is None:
            arn = self._functions[ident] = lambda_arn(integration["IntegrationUri"], self.variables)
        return arn

    def lambda_authorizer(self, authorizer: dict[str, Any]) -> LambdaAuthorizer:
        ident = authorizer["AuthorizerId"]
        spec = self._authorizers.get(ident)
        if spec is None:
            spec = self._authorizers[ident] = LambdaAuthorizer(
                cache_id=f"{self.api.api_id}/{self.name}/{ident}",
                function_arn=lambda_arn(authorizer["AuthorizerUri"], self.variables),
                flavor="http", kind="REQUEST", payload_version=authorizer.get("AuthorizerPayloadFormatVersion", "2.0"),
                identity_sources=tuple(authorizer.get("IdentitySource") or ()),
                ttl=int(authorizer.get("AuthorizerResultTtlInSeconds") or 0),
                simple_responses=bool(authorizer.get("EnableSimpleResponses")))
        return spec


@dataclass
class Api:
    api_id: str
    account: str
    region: str
    rev: int
    stages: dict[str, Stage] = field(default_factory=dict)

    @property
    def default_stage(self) -> Stage | None:
        return self.stages.get("$default")


def _compile(snapshot: dict[str, Any]) -> Deployment:
    integrations, authorizers = snapshot["integrations"], snapshot["authorizers"]
    routes = []
    for doc in snapshot["routes"]:
        key = parse_route_key(doc["RouteKey"])
        target = doc.get("Target") or ""
        route = Route(doc["RouteKey"], key.method, key.path,
                      integrations.get(target.partition("/")[2]) if target.startswith("integrations/") else None,
                      doc.get("AuthorizationType", "NONE"), authorizers.get(doc.get("AuthorizerId") or ""),
                      list(doc.get("AuthorizationScopes") or []))
        routes.append((key, route))
    settings = snapshot["api"]
    cors = settings.get("CorsConfiguration")
    return Deployment(RouteTable(routes), Cors(cors) if cors is not None else None,
                      bool(settings.get("DisableExecuteApiEndpoint")))


def _load(tx: Tx, api_id: str) -> Api | None:
    doc = store.load(tx, store.NS_APIS, api_id)
    if doc is None:
        return None
    api = Api(api_id, doc["_account"], doc["_region"], doc.get("_rev", 0))
    compiled: dict[str, Deployment] = {}
    for stage in store.children(tx, store.NS_STAGES, api_id):
        deployment = None
        ident = stage.get("DeploymentId")
        if ident:
            deployment = compiled.get(ident)
            if deployment is None:
                raw = store.load(tx, store.NS_DEPLOYMENTS, f"{api_id}/{ident}")
                if raw is not None:
                    deployment = compiled[ident] = _compile(raw["_snapshot"])
        name = stage["StageName"]
        logs = stage.get("AccessLogSettings")
        api.stages[name] = Stage(api, name, dict(stage.get("StageVariables") or {}), deployment,
                                 dict(stage.get("DefaultRouteSettings") or {}), dict(stage.get("RouteSettings") or {}),
                                 AccessLog(logs, api_id, name) if logs else None)
    return api


def _rev(tx: Tx, api_id: str) -> int | None:
    raw = tx.get(store.NS_APIS, api_id)
    return orjson.loads(raw).get("_rev", 0) if raw is not None else None


async def lookup(runtime: Any, api_id: str) -> Api | None:
    """The serving view of HTTP API ``api_id``, or None when no HTTP API has that id."""
    cache = store.served_cache(runtime)
    return await cache.get(api_id, lambda: _refresh(runtime, api_id, cache.peek(api_id)))


async def _refresh(runtime: Any, api_id: str, known: Api | None) -> Api | None:
    """The view again: the one held when the API's revision has not moved (one point read), else
    built anew."""
    if known is not None:
        rev = await runtime.engine.peek(lambda tx: _rev(tx, api_id))
        if rev == known.rev:
            return known
    return await runtime.engine.read(lambda tx: _load(tx, api_id))
