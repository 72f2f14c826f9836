"""One request to a deployed REST API as the serving steps share it: the stage and the
matched method, the body, what the authorizer and the API key check found — and the two
views of it that mapping needs: ``$context`` and the parameter expressions
(``method.request.header.X``, ``stageVariables.x``, ``context.x``, ``'literal'``…).
https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.apigw.front import UserRequest
from squall.apigw.proxy import header_pairs, query_pairs, source_ip
from squall.services.apigateway import jsonpath, vtl
from squall.services.apigateway.deployed import Deployment, Stage
from squall.services.apigateway.tree import Match


@dataclass
class Call:
    user: UserRequest
    stage: Stage
    path: str  # the request path after the stage, as sent
    body: bytes = b""
    match: Match | None = None
    #: requestContext.authorizer / $context.authorizer: principalId, the authorizer's context
    authorizer: dict[str, Any] | None = None
    #: requestContext.identity additions: apiKey, apiKeyId, accessKey, caller, user…
    identity: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None  # $context.error while a gateway response is rendered
    _params: dict[str, dict[str, str]] | None = None
    _context: dict[str, Any] | None = None
    _wrapped: Any = None

    def changed(self) -> None:
        """Forget the built ``$context`` (after the authorizer, the API key or an error set a part of it)."""
        self._context = self._wrapped = None

    @property
    def deployment(self) -> Deployment:
        return self.stage.deployment

    @property
    def method(self) -> dict[str, Any]:
        assert self.match is not None
        return self.match.method

    @property
    def http_method(self) -> str:
        return self.user.request.method

    # ---- parameters --------------------------------------------------------------------------
    def params(self) -> dict[str, dict[str, str]]:
        """``$input.params()``: path, querystring and header maps (last value of a repeated one)."""
        if self._params is None:
            self._params = {
                "path": dict(self.match.path_parameters) if self.match else {},
                "querystring": dict(query_pairs(self.user)),
                "header": {name: value for name, value in header_pairs(self.user)},
            }
        return self._params

    def header(self, name: str) -> str | None:
        return self.user.request.headers.get(name.lower())

    def source(self, expression: str, response: Any = None) -> str | None:
        """The value of a mapping expression: ``'literal'``, ``method.request.{path|querystring|
        header|multivaluequerystring|multivalueheader}.X``, ``method.request.body[.jsonpath]``,
        ``stageVariables.X``, ``context.X``, and for responses ``integration.response.header.X`` /
        ``integration.response.body[.jsonpath]`` (``response``: headers dict and body bytes)."""
        expr = expression.strip()
        if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'":
            return expr[1:-1]
        if expr.startswith("method.request."):
            return self._request_value(expr[len("method.request."):])
        if expr.startswith("stageVariables."):
            return self.stage.variables.get(expr[len("stageVariables."):])
        if expr.startswith("context."):
            value: Any = self.context()
            for part in expr[len("context."):].split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return None if value is None else str(value)
        if expr.startswith("integration.response.") and response is not None:
            headers, body = response
            rest = expr[len("integration.response."):]
            if rest.startswith("header."):
                wanted = rest[len("header."):].lower()
                return next((str(v) for k, v in headers.items() if k.lower() == wanted), None)
            if rest.startswith("body"):
                return _body_value(body, rest[len("body"):])
        return None

    def _request_value(self, rest: str) -> str | None:
        where, _, name = rest.partition(".")
        params = self.params()
        if where == "path":
            return params["path"].get(name)
        if where == "querystring":
            return params["querystring"].get(name)
        if where == "header":
            return self.header(name)
        if where == "multivaluequerystring":
            values = [v for k, v in query_pairs(self.user) if k == name]
            return ",".join(values) if values else None
        if where == "multivalueheader":
            values = [v for k, v in header_pairs(self.user) if k.lower() == name.lower()]
            return ",".join(values) if values else None
        if where == "body" or rest == "body":
            return _body_value(self.body, rest[len("body"):])
        return None

    # ---- $context ----------------------------------------------------------------------------
    def template_context(self) -> Any:
        """``$context`` as templates see it (built and wrapped once per request)."""
        if self._wrapped is None:
            self._wrapped = vtl.wrap(self.context())
        return self._wrapped

    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = self._build_context()
        return self._context

    def _build_context(self) -> dict[str, Any]:
        user, stage = self.user, self.stage
        res = self.match.resource if self.match else {}
        identity = {"accountId": None, "apiKey": None, "apiKeyId": None, "caller": None, "cognitoAuthenticationProvider": None,
                    "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                    "principalOrgId": None, "sourceIp": source_ip(user), "user": None,
                    "userAgent": user.request.headers.get("user-agent"), "userArn": None, **self.identity}
        ctx: dict[str, Any] = {
            "accountId": stage.account, "apiId": stage.api_id, "deploymentId": stage.deployment.id,
            "domainName": user.domain_name, "domainPrefix": user.domain_prefix,
            "extendedRequestId": user.request_id, "httpMethod": user.request.method, "identity": identity,
            "path": f"/{stage.name}{self.path}", "protocol": "HTTP/1.1", "requestId": user.request_id,
            "requestTime": user.request_time, "requestTimeEpoch": user.time_epoch_ms,
            "resourceId": res.get("id"), "resourcePath": res.get("path"), "stage": stage.name,
            "authorizer": dict(self.authorizer or {}),
        }
        if self.error is not None:
            ctx["error"] = self.error
        return ctx


def _body_value(body: bytes, path: str) -> str | None:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if not path:
        return text
    import orjson

    try:
        value = jsonpath.evaluate(orjson.loads(text), "$" + path)
    except (orjson.JSONDecodeError, ValueError):
        return None
    if value is None:
        return None
    return value if isinstance(value, str) else orjson.dumps(value).decode()
