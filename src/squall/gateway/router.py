"""Which AWS service (and which of its wire protocols) a request is for.

:func:`resolve` looks, in order, at

1. ``X-Amz-Target`` (``AmazonSQS.SendMessage``): its prefix is the model's
   ``targetPrefix`` → JSON protocol;
2. ``smithy-protocol: rpc-v2-cbor`` + path ``/service/{Name}/operation/{Op}``
   (``Name`` is again the ``targetPrefix``) → CBOR;
3. the SigV4 credential scope (``Authorization`` header or ``X-Amz-Credential``
   query parameter): its service is the signing name;
4. a query-protocol ``Action=`` (form body or query string) whose ``Version``
   is some query service's ``apiVersion``;
5. the host (``sqs.us-east-1.amazonaws.com``, ``bucket.s3.localhost…``);
6. S3's own unsigned/SigV2 shapes (SigV2 header or presigned URL, POST-policy
   form upload, anonymous ``GET /bucket/key``) → s3.

Once the service is known the protocol is picked from the request's shape
among those the service speaks (SQS: json + query; CloudWatch: cbor, json,
query). The target-prefix/api-version tables are built lazily, once, from the
botocore models of the services in :data:`SERVICES` (not all ~400 models).
Per-request cost is a handful of dict lookups and string scans.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import unquote

from squall.errors import ServiceError

__all__ = ["SERVICES", "Route", "UnroutableRequest", "resolve"]


@dataclass(frozen=True, slots=True)
class Route:
    service: str  # squall service key: the SigV4 signing name ("sqs", "monitoring", …)
    protocol: str  # "json" | "query" | "rest-json" | "rest-xml" | "smithy-rpc-v2-cbor"
    model: str  # botocore model name ("sqs", "cloudwatch", …)


class UnroutableRequest(ServiceError):
    code = "UnrecognizedClientException"
    status = 400


# service key -> botocore model. The key is the SigV4 signing name, except for the
# few models that share a signing name with another (they get their model name as
# key and are told apart by path / target prefix, see _SHARED below).
SERVICES: dict[str, str] = {
    "sqs": "sqs",
    "s3": "s3",
    "lambda": "lambda",
    "apigateway": "apigateway",
    "apigatewayv2": "apigatewayv2",  # signs as "apigateway", paths /v2/…
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodbstreams",  # signs as "dynamodb", target DynamoDBStreams_…
    "sns": "sns",
    "events": "events",
    "monitoring": "cloudwatch",
    "logs": "logs",
    "states": "stepfunctions",
    "kinesis": "kinesis",
    "firehose": "firehose",
    "iam": "iam",
    "sts": "sts",
    "cloudformation": "cloudformation",
    "kms": "kms",
    "scheduler": "scheduler",
    "pipes": "pipes",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "ses": "ses",
    "sesv2": "sesv2",  # signs as "ses", paths /v2/…
    "acm": "acm",
    "ecr": "ecr",
    "cognito-idp": "cognito-idp",
    "tagging": "resourcegroupstaggingapi",
    "route53": "route53",
}

# protocols squall accepts beyond what the current model lists (legacy serializations)
_EXTRA_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "sqs": ("query",),
}

# signing name -> {path prefix: service key} for models sharing a signing name
_SHARED: dict[str, tuple[tuple[str, str], ...]] = {
    "apigateway": (("/v2/", "apigatewayv2"),),
    "ses": (("/v2/", "sesv2"),),
}

# host label (endpoint prefix) -> service key, for host-based routing
_HOST_PREFIXES: dict[str, str] = {
    **{k: k for k in SERVICES},
    "email": "ses",
    "states": "states",
    "monitoring": "monitoring",
    "tagging": "tagging",
    "streams": "dynamodbstreams",  # streams.dynamodb.<region>.amazonaws.com
}
_S3_HOST_LABELS = frozenset({"s3", "s3-external-1", "s3-website"})

_REST = ("rest-json", "rest-xml")


class _Tables:
    """Lazily built lookup tables (first request that needs them pays ~0.1 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.ready = False
        self.target: dict[str, str] = {}  # targetPrefix -> service key
        self.version: dict[str, str] = {}  # apiVersion of query services -> service key
        self.protocols: dict[str, tuple[str, ...]] = {}  # service key -> protocols (preferred first)

    def build(self) -> None:
        with self._lock:
            if self.ready:
                return
            from squall.protocol.specs import _loader  # botocore Loader shared with the handlers

            for key, model in SERVICES.items():
                try:
                    meta = _loader.load_service_model(model, "service-2")["metadata"]
                except Exception:  # noqa: BLE001, S112 - model missing from this botocore: skip it
                    continue
                protos = tuple(meta.get("protocols") or (meta.get("protocol"),))
                protos += tuple(p for p in _EXTRA_PROTOCOLS.get(key, ()) if p not in protos)
                self.protocols[key] = protos
                prefix = meta.get("targetPrefix")
                if prefix:
                    self.target.setdefault(prefix, key)
                if "query" in protos and meta.get("apiVersion"):
                    self.version.setdefault(meta["apiVersion"], key)
            self.ready = True


_tables = _Tables()


def _t() -> _Tables:
    if not _tables.ready:
        _tables.build()
    return _tables


def warm() -> None:
    """Build the lookup tables now (≈0.3 s of model loading) instead of on the first request."""
    _t()


def protocols_of(service: str) -> tuple[str, ...]:
    """Protocols service key ``service`` speaks (empty when squall has no model for it)."""
    return _t().protocols.get(service, ())


def _scope_service(request) -> str | None:
    """Signing name from the SigV4 credential scope, without validating anything else."""
    auth = request.headers.get("authorization")
    if auth:
        i = auth.find("Credential=")
        if i < 0:
            return None
        end = auth.find(",", i)
        cred = auth[i + 11 : end if end >= 0 else len(auth)].strip()
        parts = cred.split("/")
        return parts[-2] if len(parts) >= 5 else None
    qs = request.query_string
    if qs:
        i = qs.find("X-Amz-Credential=")
        if i >= 0 and (i == 0 or qs[i - 1] == "&"):
            end = qs.find("&", i)
            cred = qs[i + 17 : end if end >= 0 else len(qs)]
            cred = cred.replace("%2F", "/").replace("%2f", "/")
            if "%" in cred:
                cred = unquote(cred)
            parts = cred.split("/")
            return parts[-2] if len(parts) >= 5 else None
    return None


def _is_form(request) -> bool:
    ct = request.headers.get("content-type", "")
    return ct.startswith("application/x-www-form-urlencoded")


def _query_action(request) -> tuple[str, str] | None:
    """(Action, Version) of a query-protocol request, from the form body or the query string."""
    if request.method == "POST" and _is_form(request) and request.body:
        form = request.form
        action = form.get("Action")
        if action:
            return action, form.get("Version", "")
    qs = request.query_string
    if qs and "Action=" in qs:
        q = request.query
        action = q.get("Action")
        if action:
            return action[0], (q.get("Version") or [""])[0]
    return None


def _from_host(host: str) -> str | None:
    host = host.lower()
    if host.startswith("["):  # IPv6 literal
        return None
    host = host.partition(":")[0]
    labels = host.split(".")
    if len(labels) < 2:
        return None
    for label in labels:
        if label in _S3_HOST_LABELS or label.startswith("s3-") and label[3:4].isalpha():
            return "s3"
    first = labels[0]
    if first in _HOST_PREFIXES and not first[0].isdigit():
        key = _HOST_PREFIXES[first]
        if key == "dynamodbstreams" and (len(labels) < 2 or labels[1] != "dynamodb"):
            return None
        return key
    return None


def _looks_like_s3(request) -> bool:
    """Requests only S3 receives without a SigV4 scope: SigV2 (``Authorization: AWS AK:sig``,
    which boto3 still uses for ``generate_presigned_url`` on S3 by default), SigV2 presigned
    URLs, browser POST-policy uploads, CORS preflights, anonymous reads of ``/bucket[/key]``
    (public objects fetched with curl or a browser) and anonymous requests that carry S3's
    ``x-amz-content-sha256``. Anything else stays unroutable."""
    auth = request.headers.get("authorization")
    if auth is not None:
        return auth.startswith("AWS ")
    qs = request.query_string
    if qs and "AWSAccessKeyId=" in qs and "Signature=" in qs:
        return True
    method = request.method
    headers = request.headers
    if "x-amz-content-sha256" in headers:  # a header only S3 requests carry (anonymous writes)
        return True
    if method == "OPTIONS":  # browser CORS preflights of S3 objects
        return "origin" in headers and "access-control-request-method" in headers
    if method == "POST":
        return headers.get("content-type", "").startswith("multipart/form-data")
    path = request.path
    return method in ("GET", "HEAD") and len(path) > 1 and path[1] != "_"


def _shared(key: str, path: str) -> str:
    for prefix, other in _SHARED.get(key, ()):
        if path.startswith(prefix):
            return other
    return key


def _unroutable(detail: str) -> UnroutableRequest:
    return UnroutableRequest(
        "Unable to determine the AWS service this request is for "
        f"({detail}). Sign the request with SigV4 (credential scope names the service), "
        "send X-Amz-Target, or use a service host name such as sqs.<region>.amazonaws.com."
    )


def resolve(request) -> Route:
    """Route of ``request`` (a :class:`squall.gateway.http.Request`); ServiceError if unroutable."""
    tables = _tables if _tables.ready else _t()
    headers = request.headers

    # 1. JSON RPC: X-Amz-Target
    target = headers.get("x-amz-target")
    if target:
        prefix = target.rpartition(".")[0]
        key = tables.target.get(prefix)
        if key is None:
            key = _scope_service(request)
            if key is None:
                raise _unroutable(f"unknown X-Amz-Target prefix {prefix!r}")
        protos = tables.protocols.get(key, ("json",))
        if "json" in protos:
            return Route(key, "json", SERVICES.get(key, key))
        return Route(key, protos[0], SERVICES.get(key, key))

    # 2. Smithy RPC v2 CBOR
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        path = request.path
        if path.startswith("/service/") or "/service/" in path:
            rest = path[path.find("/service/") + 9 :]
            name = rest.partition("/")[0]
            key = tables.target.get(name) or _scope_service(request)
            if key is None:
                raise _unroutable(f"unknown smithy service {name!r}")
            return Route(key, "smithy-rpc-v2-cbor", SERVICES.get(key, key))
        raise _unroutable("rpc-v2-cbor request without a /service/…/operation/… path")

    # 3.-5. the service from scope, query Action/Version, or host
    key = _scope_service(request)
    action = None
    if key is None:
        action = _query_action(request)
        if action is not None:
            key = tables.version.get(action[1])
        if key is None:
            key = _from_host(request.host)
        if key is None and action is None and _looks_like_s3(request):
            key = "s3"
        if key is None:
            if action is not None:
                raise _unroutable(f"query Action {action[0]!r} with unknown Version {action[1]!r}")
            raise _unroutable("no X-Amz-Target, SigV4 credential scope, or service host name")
    key = _shared(key, request.path)
    model = SERVICES.get(key, key)
    protos = tables.protocols.get(key)
    if protos is None:  # a service squall has no model for: guess from the shape
        if action is not None or _query_action(request) is not None:
            return Route(key, "query", model)
        return Route(key, "rest-json", model)

    # pick the protocol this request uses among the service's
    if "query" in protos and (action is not None or _query_action(request) is not None):
        return Route(key, "query", model)
    for p in protos:
        if p in _REST:
            return Route(key, p, model)
    if "query" in protos and (len(protos) == 1 or _is_form(request)):
        return Route(key, "query", model)
    return Route(key, protos[0], model)
