"""One request to an HTTP API once its stage and route are known: the facts every later step
(authorizers, integrations, parameter mapping, access logs) reads, and the Lambda events of both
payload formats built from them.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.apigw import proxy
from squall.apigw.front import UserRequest
from squall.services.apigatewayv2.mapping import body_path
from squall.services.apigatewayv2.served import Api, Route, Stage

#: requestContext.authorizer of a 1.0 event when the route has no authorizer (as AWS shows it)
NO_AUTHORIZER_V1 = {"claims": None, "scopes": None}


@dataclass
class Call:
    user: UserRequest
    api: Api
    stage: Stage
    route: Route
    path: str  # the request path without the stage, raw
    raw_path: str  # the path the 2.0 event reports (a named stage's prefix included)
    path_parameters: dict[str, str]
    body: bytes
    authorizer_v2: dict[str, Any] | None = None  # requestContext.authorizer (2.0)
    authorizer_v1: dict[str, Any] | None = None  # requestContext.authorizer (1.0)
    #: what access logs may show about the authorizer ($context.authorizer.*)
    authorizer_log: dict[str, Any] = field(default_factory=dict)
    _context: dict[str, Any] | None = field(default=None, repr=False)

    def event(self, version: str, *, for_authorizer: bool = False) -> dict[str, Any]:
        """The Lambda proxy event of payload format ``version`` ("2.0" or "1.0"); ``for_authorizer``:
        the request as a Lambda authorizer's event starts from it (no authorizer output yet)."""
        if version == "2.0":
            return proxy.event_v2(
                self.user, route_key=self.route.key, stage=self.stage.name, raw_path=self.raw_path, body=self.body,
                path_parameters=self.path_parameters or None, stage_variables=self.stage.variables or None,
                authorizer=None if for_authorizer else self.authorizer_v2, account_id=self.api.account)
        # HTTP APIs route on the whole path, a named stage's prefix included: 1.0's path and
        # requestContext.path carry it too (REST APIs' do not)
        v1_authorizer = self.authorizer_v1 if self.authorizer_v1 is not None else NO_AUTHORIZER_V1
        event = proxy.event_v1(
            self.user, resource=self.route.path or self.raw_path, stage=self.stage.name, path=self.raw_path,
            body=self.body, path_parameters=self.path_parameters or None,
            stage_variables=self.stage.variables or None,
            authorizer=None if for_authorizer else v1_authorizer,
            account_id=self.api.account, resource_id=None, version="1.0",  # type: ignore[arg-type]
            title_case_headers=False)
        event["requestContext"]["path"] = self.raw_path
        return event

    def context(self) -> dict[str, Any]:
        """The ``$context`` variables (identity sources, parameter mapping); built once, and the
        authorizer's output shows in ``authorizer`` as soon as it is known."""
        if self._context is not None:
            return self._context
        user = self.user
        headers = user.request.headers
        self._context = {
            "accountId": self.api.account, "apiId": self.api.api_id, "domainName": user.domain_name,
            "domainPrefix": user.domain_prefix, "extendedRequestId": user.request_id,
            "httpMethod": user.request.method, "path": self.raw_path, "protocol": "HTTP/1.1",
            "requestId": user.request_id, "requestTime": user.request_time,
            "requestTimeEpoch": user.time_epoch_ms, "routeKey": self.route.key, "stage": self.stage.name,
            "identity": {"sourceIp": proxy.source_ip(user), "userAgent": headers.get("user-agent")},
            "authorizer": self.authorizer_log,
        }
        return self._context

    def resolve(self, expr: str) -> str | None:
        """A selection expression (without ``$``) of parameter mapping, for this request."""
        request = self.user.request
        if expr.startswith("request.header."):
            return request.headers.get(expr[15:].lower())
        if expr.startswith("request.querystring."):
            values = request.query.get(expr[20:])
            return ",".join(values) if values else None
        if expr.startswith("request.path."):
            return self.path_parameters.get(expr[13:])
        if expr == "request.path":
            return self.path
        if expr == "request.body":
            return self.body.decode("utf-8", "replace")
        if expr.startswith("request.body."):
            return body_path(self.body, expr[13:])
        if expr.startswith("stageVariables."):
            return self.stage.variables.get(expr[15:])
        if expr.startswith("context."):
            value: Any = self.context()
            for part in expr[8:].split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return None if value is None else str(value)
        return None
