"""Lambda authorizers, for REST APIs (``TOKEN`` and ``REQUEST``) and HTTP APIs (``REQUEST`` with
payload format 1.0 or 2.0): which identity the request carries, the event the function gets,
how its answer is read (simple ``isAuthorized`` responses or IAM policies evaluated against the
method ARN), and the result cache.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html

Using it (both API flavours)::

    spec = LambdaAuthorizer(
        cache_id=f"{api_id}/{stage}/{authorizer_id}",  # cache scope: clear_cache(runtime, prefix) drops it
        function_arn=lambda_arn(authorizer_uri, stage_variables),
        flavor="rest" | "http", kind="TOKEN" | "REQUEST", payload_version="1.0" | "2.0",
        identity_sources=("method.request.header.Authorization",) | ("$request.header.Authorization",),
        ttl=300, simple_responses=False, validation_expression=None)
    call = AuthorizerCall(user, method_arn="arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH",
                          stage_variables={...}, context={"routeKey": ..., ...},
                          event=lambda: event_v1(...) or event_v2(...))  # built only when the function runs
    decision = await authorize(runtime, spec, call)

``decision.outcome`` is ``ALLOW``, ``UNAUTHORIZED`` (answer 401: identity missing or invalid, or a
REST authorizer failed with ``Unauthorized``), ``FORBIDDEN`` (403: denied) or ``FAILURE`` (500: the
function failed, timed out or answered something unreadable; ``decision.error`` says which, for
``$context.authorizer.error``). On ``ALLOW`` the caller passes ``principal_id``, ``context`` and
(REST usage plans) ``usage_identifier_key`` on to the integration, shaped as its flavour does.

Identity sources are selection expressions in either spelling: HTTP APIs' ``$request.header.X``,
``$request.querystring.x``, ``$context.x``, ``$stageVariables.x``, or REST's ``method.request.header.X``,
``method.request.querystring.x``, ``context.x``, ``stageVariables.x`` (a REST ``identitySource`` string
may list several, comma-separated). A missing or empty one answers 401 without calling the function
— always for TOKEN authorizers and HTTP APIs, and for REST REQUEST authorizers when caching is on
(without caching REST does not require them).

Caching: with ``ttl`` > 0 and at least one identity source, results are kept per ``cache_id`` and
identity values for ``ttl`` seconds (REST's default is 300; HTTP APIs default to 0, no caching). A
cached IAM policy is evaluated again against each request's method ARN, as API Gateway does (a
policy naming only the first method it saw denies the others until it expires). Failures are
never cached.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from squall.apigw.front import UserRequest
from squall.apigw.functions import call_function

__all__ = [
    "ALLOW", "FAILURE", "FORBIDDEN", "UNAUTHORIZED", "AuthorizerCall", "Decision", "LambdaAuthorizer",
    "arn_matches", "authorize", "clear_cache", "evaluate_policy", "identity_values", "method_arn",
    "parse_identity_sources",
]

ALLOW = "allow"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
FAILURE = "failure"

#: How long API Gateway waits for an authorizer function (seconds).
AUTHORIZER_TIMEOUT = 10.0
CACHE_LIMIT = 10_000
_STATE_KEY = "apigw.authorizer-cache"


@dataclass(frozen=True)
class LambdaAuthorizer:
    """One authorizer as configured on a deployed API."""

    cache_id: str
    function_arn: str
    flavor: str = "http"  # "http" (HTTP APIs) | "rest" (REST APIs)
    kind: str = "REQUEST"  # "REQUEST" | "TOKEN" (REST only)
    payload_version: str = "2.0"  # HTTP APIs: "1.0" | "2.0"; REST events are always the REST shape
    identity_sources: tuple[str, ...] = ()
    ttl: int = 0
    simple_responses: bool = False  # HTTP APIs, payload 2.0: {"isAuthorized": bool, "context": {...}}
    validation_expression: str | None = None  # REST TOKEN: the token must match this regex
    timeout: float = AUTHORIZER_TIMEOUT


@dataclass
class AuthorizerCall:
    """What an authorizer needs to know about one request."""

    user: UserRequest
    method_arn: str  # arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH (HTTP APIs' routeArn)
    stage_variables: Mapping[str, str] | None = None
    context: Mapping[str, Any] = field(default_factory=dict)  # $context variables (identity sources)
    #: builds the request's proxy-shaped event (1.0 for REST and HTTP 1.0, 2.0 for HTTP 2.0); only
    #: called when the function is about to run
    event: Callable[[], dict[str, Any]] | None = None


@dataclass
class Decision:
    outcome: str
    principal_id: str | None = None
    context: dict[str, Any] | None = None
    usage_identifier_key: str | None = None
    error: str | None = None  # $context.authorizer.error
    latency_ms: int = 0  # the authorizer's integrationLatency (0 when cached)
    cached: bool = False

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW


@dataclass
class _Result:
    """A function's answer as read, before evaluation against a method ARN (what is cached)."""

    authorized: bool | None = None  # simple responses
    policy: dict[str, Any] | None = None  # IAM policy responses
    principal_id: str | None = None
    context: dict[str, Any] | None = None
    usage_identifier_key: str | None = None


# ---- identity sources -----------------------------------------------------------------------
_SOURCE_PREFIXES = (
    ("$request.header.", "header"), ("$request.querystring.", "query"), ("$context.", "context"),
    ("$stageVariables.", "stage"), ("method.request.header.", "header"),
    ("method.request.querystring.", "query"), ("context.", "context"), ("stageVariables.", "stage"),
)


@functools.lru_cache(maxsize=1024)
def parse_identity_sources(sources: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``("$request.header.Authorization", …)`` → ``(("header", "authorization"), …)``; REST strings
    listing several sources comma-separated are split. Unknown expressions are kept as
    ``("unknown", expr)`` and never resolve (the request is then unauthorized)."""
    out: list[tuple[str, str]] = []
    for source in sources:
        for part in source.split(","):
            part = part.strip()
            if not part:
                continue
            for prefix, kind in _SOURCE_PREFIXES:
                if part.startswith(prefix):
                    name = part[len(prefix):]
                    out.append((kind, name.lower() if kind == "header" else name))
                    break
            else:
                out.append(("unknown", part))
    return tuple(out)


def identity_values(sources: tuple[tuple[str, str], ...], call: AuthorizerCall) -> list[str] | None:
    """The value of each identity source in the request, or None as soon as one is missing or empty."""
    request = call.user.request
    values: list[str] = []
    for kind, name in sources:
        value: Any = None
        if kind == "header":
            value = request.headers.get(name)
        elif kind == "query":
            found = request.query.get(name)
            value = ",".join(found) if found else None
        elif kind == "stage":
            value = (call.stage_variables or {}).get(name)
        elif kind == "context":
            value = call.context
            for part in name.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
        if value is None or value == "":
            return None
        values.append(value if isinstance(value, str) else str(value))
    return values


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """``arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`` (``path`` with its leading slash
    removed, as API Gateway writes it: ``…/prod/GET/items/1``, ``…/$default/GET/``)."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


# ---- policies ---------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, fold: bool = False) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), (re.IGNORECASE if fold else 0) | re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM wildcard matching (case-sensitive, as for ARNs): ``*`` any run of characters (``/`` and
    ``:`` included), ``?`` one."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == arn
    return _glob(pattern).fullmatch(arn) is not None


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def evaluate_policy(policy: Mapping[str, Any], arn: str) -> bool:
    """Whether ``policy`` allows ``execute-api:Invoke`` on ``arn``: an explicit Deny wins, then an
    Allow is needed (no matching statement denies)."""
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for st in statements if isinstance(statements, list) else ():
        if not isinstance(st, Mapping):
            continue
        actions = _listed(st.get("Action"))
        if not any(_glob(a, True).fullmatch("execute-api:Invoke") for a in actions):  # actions ignore case
            continue
        if not any(arn_matches(r, arn) for r in _listed(st.get("Resource"))):
            continue
        effect = str(st.get("Effect", "")).lower()
        if effect == "deny":
            return False
        if effect == "allow":
            allowed = True
    return allowed


# ---- the cache ----------------------------------------------------------------------------------
def _cache(runtime: Any) -> dict[tuple[str, tuple[str, ...]], tuple[float, _Result]]:
    return runtime.state.setdefault(_STATE_KEY, {})


def clear_cache(runtime: Any, prefix: str = "") -> None:
    """Forget cached results of every authorizer whose ``cache_id`` starts with ``prefix``
    (ResetAuthorizersCache / FlushStageAuthorizersCache; an API's change of an authorizer)."""
    cache = _cache(runtime)
    for key in [k for k in cache if k[0].startswith(prefix)]:
        cache.pop(key, None)


# ---- authorizing ------------------------------------------------------------------------------
async def authorize(runtime: Any, spec: LambdaAuthorizer, call: AuthorizerCall) -> Decision:
    """Run (or recall) ``spec`` for ``call`` and decide."""
    sources = parse_identity_sources(spec.identity_sources)
    values = identity_values(sources, call) if sources else []
    required = spec.flavor == "http" or spec.kind == "TOKEN" or spec.ttl > 0
    if values is None and required:
        return Decision(UNAUTHORIZED, error="The identity source is missing")
    if spec.kind == "TOKEN":
        token = values[0] if values else ""
        if not token or (spec.validation_expression and not _matches(spec.validation_expression, token)):
            return Decision(UNAUTHORIZED, error="The identity token is invalid")
    cache_key = (spec.cache_id, tuple(values)) if spec.ttl > 0 and values else None
    if cache_key is not None:
        hit = _cache(runtime).get(cache_key)
        if hit is not None and hit[0] > time.monotonic():
            return _decide(hit[1], call, cached=True)
    event = _event(spec, call, values or [])
    started = time.monotonic()
    outcome = await call_function(runtime, spec.function_arn, event, request_id=call.user.request_id,
                                  timeout=spec.timeout)
    latency = int((time.monotonic() - started) * 1000)
    if outcome.error is not None:
        if outcome.error == "function" and spec.flavor == "rest" and _error_message(outcome.payload) == "Unauthorized":
            return Decision(UNAUTHORIZED, error="Unauthorized", latency_ms=latency)
        return Decision(FAILURE, error=f"The authorizer function failed ({outcome.error})", latency_ms=latency)
    result, problem = _read(spec, outcome.payload)
    if result is None:
        return Decision(FAILURE, error=problem, latency_ms=latency)
    if cache_key is not None:
        cache = _cache(runtime)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[cache_key] = (time.monotonic() + spec.ttl, result)
    decision = _decide(result, call)
    decision.latency_ms = latency
    return decision


def _matches(expression: str, token: str) -> bool:
    try:
        return re.fullmatch(expression, token) is not None
    except re.error:
        return False


def _decide(result: _Result, call: AuthorizerCall, *, cached: bool = False) -> Decision:
    if result.policy is not None:
        allowed = evaluate_policy(result.policy, call.method_arn)
    else:
        allowed = bool(result.authorized)
    if not allowed:
        return Decision(FORBIDDEN, principal_id=result.principal_id, cached=cached,
                        error="The authorizer denied the request")
    return Decision(ALLOW, principal_id=result.principal_id, context=dict(result.context or {}),
                    usage_identifier_key=result.usage_identifier_key, cached=cached)


def _error_message(payload: bytes) -> str | None:
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return doc.get("errorMessage") if isinstance(doc, dict) else None


def _read(spec: LambdaAuthorizer, payload: bytes) -> tuple[_Result | None, str]:
    """The function's answer as a :class:`_Result`, or (None, why it is unusable)."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None, "The authorizer returned invalid JSON"
    if not isinstance(doc, dict):
        return None, "The authorizer response is not an object"
    context = doc.get("context")
    if context is not None and not isinstance(context, dict):
        return None, "The authorizer context is not an object"
    if spec.flavor == "http" and spec.payload_version == "2.0" and spec.simple_responses:
        if not isinstance(doc.get("isAuthorized"), bool):
            return None, "The authorizer response has no boolean isAuthorized"
        return _Result(authorized=doc["isAuthorized"], context=context), ""
    policy = doc.get("policyDocument")
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), (list, dict)):
        return None, "The authorizer response has no valid policyDocument"
    principal = doc.get("principalId")
    if spec.flavor == "rest":
        if principal is None:
            return None, "The authorizer response has no principalId"
        if context and any(isinstance(v, (dict, list)) for v in context.values()):
            # REST passes context values as strings, numbers or booleans only
            return None, "The authorizer context holds an object or array"
    elif context and "claims" in context and spec.payload_version == "1.0":
        return None, "The authorizer context uses the reserved key 'claims'"
    key = doc.get("usageIdentifierKey")
    return _Result(policy=policy, principal_id=None if principal is None else str(principal), context=context,
                   usage_identifier_key=key if isinstance(key, str) else None), ""


_V1_FIELDS = ("resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
              "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext")
_V2_FIELDS = ("routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
              "requestContext", "pathParameters", "stageVariables")


def _event(spec: LambdaAuthorizer, call: AuthorizerCall, values: list[str]) -> dict[str, Any]:
    """The authorizer's input event for its flavour, kind and payload version."""
    if spec.kind == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": values[0] if values else "", "methodArn": call.method_arn}
    base = call.event() if call.event is not None else {}
    if spec.flavor == "http" and spec.payload_version == "2.0":
        event: dict[str, Any] = {"version": "2.0", "type": "REQUEST", "routeArn": call.method_arn,
                                 "identitySource": values or None}
        event.update((k, base[k]) for k in _V2_FIELDS if k in base)
        return event
    if spec.flavor == "http":
        joined = ",".join(values)
        event = {"version": "1.0", "type": "REQUEST", "methodArn": call.method_arn, "identitySource": joined,
                 "authorizationToken": joined}
    else:
        event = {"type": "REQUEST", "methodArn": call.method_arn}
    event.update((k, base.get(k)) for k in _V1_FIELDS)
    return event
