"""Serving function URLs: ``http://{url id}.lambda-url.{region}.localhost:{port}/{path}`` →
the function, as Lambda's function URL front end does.

https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html. The request becomes a payload
format 2.0 event (:func:`squall.apigw.proxy.event_v2` with ``routeKey``/``stage`` ``$default``,
``rawPath`` the path as sent, ``requestContext.accountId`` ``"anonymous"`` for ``AuthType NONE``,
the owner's account and ``authorizer.iam`` for ``AWS_IAM``, and the ``x-amzn-trace-id`` /
``x-forwarded-*`` headers Lambda's front end adds). The answer:

* an object with ``statusCode``: :func:`squall.apigw.proxy.response_v2` (headers, cookies as
  ``Set-Cookie``, base64 bodies); a malformed one is a 502;
* anything else (the simplified form): 200, ``application/json``, the value as the body — a JSON
  string as its text, anything else re-serialized compactly (``{"hello":"world"}``), as AWS's
  recorded answers show (LocalStack's AWS-validated ``test_lambda_url_invocation``);
* ``InvokeMode RESPONSE_STREAM``: the payload as it is (Python handlers do not stream; AWS then
  sends the handler's result unparsed);
* a function error, timeout or oversized answer: 502 ``Internal Server Error``; throttling: 429
  ``{"Message":"Rate Exceeded."}``; a URL that does not exist (or not in the host's region): 403
  ``{"Message":null}`` with ``x-amzn-ErrorType: AccessDeniedException``.

CORS (the URL's ``Cors``): a preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) is answered here without invoking the function; every other
response from the URL carries the configured ``Access-Control-Allow-Origin`` /
``-Expose-Headers`` / ``-Allow-Credentials`` for an allowed ``Origin``, replacing any
``Access-Control-*`` headers the function set (the configuration takes precedence).

``AWS_IAM``: the request must be SigV4-signed (header or query) for service ``lambda`` with a
key squall knows (:mod:`squall.gateway.auth`); IAM policies are not evaluated yet.
"""

from __future__ import annotations

import random
import time
from typing import Any

import orjson

from squall.apigw.front import Server, UserRequest
from squall.apigw.proxy import event_v2, response_v2
from squall.errors import ServiceError
from squall.gateway import auth
from squall.gateway.http import Request, Response
from squall.runtime.limits import Throttled
from squall.runtime.pool import get_pool
from squall.services.lambda_ import urls
from squall.services.lambda_.resolver import resolve_arn

#: Request and response payloads of a synchronous invocation: 6 MB.
MAX_PAYLOAD = 6 * 1024 * 1024
FORBIDDEN = ("Forbidden. For troubleshooting Function URL authorization issues, see: "
             "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")
_NOT_FOUND_BODY = b'{"Message":null}'
_INTERNAL = b"Internal Server Error"


async def owns(runtime: Any, url_id: str) -> bool:
    return await urls.lookup(runtime, url_id) is not None


async def serve(runtime: Any, user: UserRequest) -> Response:
    target = await urls.lookup(runtime, user.api_id)
    if target is None or _region(user) != target.region:
        return _error(user, 403, _NOT_FOUND_BODY, "AccessDeniedException")
    request = user.request
    headers = request.headers
    cors = target.cors
    origin = headers.get("origin") if cors is not None else None
    if origin is not None and request.method == "OPTIONS" and "access-control-request-method" in headers:
        return _preflight(user, cors, origin)  # type: ignore[arg-type]
    response = await _invoke(runtime, user, target)
    if cors is not None:
        _add_cors(response, cors, origin)
    return response


async def _invoke(runtime: Any, user: UserRequest, target: urls.Target) -> Response:
    request = user.request
    body = request.body
    if request.stream is not None:
        try:
            body = await request.stream.read_all(MAX_PAYLOAD)
        except ServiceError:
            return _too_large(user)
        request.body, request.stream = body, None
    elif len(body) > MAX_PAYLOAD:
        return _too_large(user)
    authorizer = None
    account = "anonymous"
    if target.auth == "AWS_IAM":
        identity = _authenticate(runtime, request)
        if isinstance(identity, Response):
            identity.headers["x-amzn-requestid"] = user.request_id
            return identity
        authorizer = {"iam": identity}
        account = target.account
    event = event_v2(user, route_key="$default", stage="$default", raw_path=user.path, body=body,
                     authorizer=authorizer, account_id=account)
    trace = _front_headers(event["headers"], request)
    # No integration timeout as API Gateway has: the function's own timeout ends the invocation.
    try:
        spec = await resolve_arn(runtime, target.arn)
    except ServiceError:
        return _error(user, 403, _NOT_FOUND_BODY, "AccessDeniedException")  # deleted since the lookup
    if spec.state != "Active":
        return _internal(user)  # still being created, or failed to
    try:
        result = await get_pool(runtime).invoke(spec, orjson.dumps(event), request_id=user.request_id, sync=True,
                                                invoked_arn=target.arn, trace_id=trace)
    except Throttled:
        return _error(user, 429, b'{"Message":"Rate Exceeded."}', "TooManyRequestsException")
    if result.function_error:
        return _internal(user)  # an error, a timeout, a crash: Lambda answers them all alike
    return _answer(result.payload, user, target.mode)


# ---- the function's answer -------------------------------------------------------------------
def _answer(payload: bytes, user: UserRequest, mode: str) -> Response:
    if len(payload) > MAX_PAYLOAD:
        return _internal(user)
    if mode == "RESPONSE_STREAM":
        return Response(200, {"content-type": "application/octet-stream", "x-amzn-requestid": user.request_id},
                        payload)
    try:
        doc = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return _internal(user)
    if isinstance(doc, dict) and "statusCode" in doc:
        response = response_v2(payload, user)
        if response.status == 500 and str(doc.get("statusCode")).strip() != "500":
            return _internal(user)  # malformed (response_v2 answers as HTTP APIs do)
        response.headers.pop("apigw-requestid", None)
        response.headers["x-amzn-requestid"] = user.request_id
        return response
    body = doc.encode() if isinstance(doc, str) else orjson.dumps(doc)
    return Response(200, {"content-type": "application/json", "x-amzn-requestid": user.request_id}, body)


def _error(user: UserRequest, status: int, body: bytes, error_type: str | None = None) -> Response:
    headers = {"content-type": "application/json", "x-amzn-requestid": user.request_id}
    if error_type:
        headers["x-amzn-errortype"] = error_type
    return Response(status, headers, body)


def _internal(user: UserRequest) -> Response:
    return _error(user, 502, _INTERNAL)


def _too_large(user: UserRequest) -> Response:
    body = orjson.dumps({"Message": f"Request must be smaller than {MAX_PAYLOAD} bytes for the InvokeFunction "
                                    "operation"})
    return _error(user, 413, body, "RequestTooLargeException")


# ---- the request side ------------------------------------------------------------------------
def _region(user: UserRequest) -> str | None:
    """The region the host names: ``{id}.lambda-url.{region}.…``."""
    parts = user.domain_name.split(".", 3)
    return parts[2] if len(parts) > 2 and parts[1] == "lambda-url" else None


def _front_headers(headers: dict[str, str], request: Request) -> str:
    """Add what Lambda's front end adds to the request headers the function sees; the trace
    header's value (also the invocation's ``_X_AMZN_TRACE_ID``)."""
    trace = headers.get("x-amzn-trace-id")
    if trace is None:
        trace = headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{random.getrandbits(96):024x}"
    if "x-forwarded-proto" not in headers:
        headers["x-forwarded-proto"] = request.scheme
    if "x-forwarded-port" not in headers:
        host = request.headers.get("host", "")
        tail = host.rpartition(":")[2] if not host.endswith("]") else ""
        headers["x-forwarded-port"] = tail if tail.isdigit() else ("443" if request.scheme == "https" else "80")
    if "x-forwarded-for" not in headers:
        headers["x-forwarded-for"] = request.client
    return trace


def _authenticate(runtime: Any, request: Request) -> dict[str, Any] | Response:
    """``authorizer.iam`` for a request signed with a key squall knows, else Lambda's 403."""
    query = request.query_string
    if "authorization" not in request.headers and "X-Amz-Credential=" not in query:
        return _forbidden()
    keys = auth.key_store(runtime)
    try:
        result = auth.verify(request, runtime.settings, keys, service="lambda")
    except ServiceError as err:
        return Response(err.status if err.status in (400, 403) else 403,
                        {"content-type": "application/json", "x-amzn-errortype": err.code},
                        orjson.dumps({"message": err.message}))
    if not result.verified or result.service != "lambda":
        return _forbidden()
    account = result.account_id
    return {"accessKey": result.access_key, "accountId": account, "callerId": account,
            "cognitoIdentity": None, "principalOrgId": None, "userArn": f"arn:aws:iam::{account}:root",
            "userId": account}


def _forbidden() -> Response:
    return Response(403, {"content-type": "application/json", "x-amzn-errortype": "AccessDeniedException"},
                    orjson.dumps({"Message": FORBIDDEN}))


# ---- CORS ------------------------------------------------------------------------------------
def _allowed(cors: dict[str, Any], origin: str) -> str | None:
    """The Access-Control-Allow-Origin value for ``origin``, or None when it is not allowed."""
    origins = cors.get("AllowOrigins") or ()
    if "*" in origins:
        return "*"
    wanted = origin.lower()
    for allowed in origins:
        if allowed.lower() == wanted:
            return origin
    return None


def _preflight(user: UserRequest, cors: dict[str, Any], origin: str) -> Response:
    headers = {"x-amzn-requestid": user.request_id}
    allow = _allowed(cors, origin)
    if allow is not None:
        headers["access-control-allow-origin"] = allow
        if cors.get("AllowMethods"):
            headers["access-control-allow-methods"] = ",".join(cors["AllowMethods"])
        if cors.get("AllowHeaders"):
            headers["access-control-allow-headers"] = ",".join(cors["AllowHeaders"])
        if cors.get("AllowCredentials"):
            headers["access-control-allow-credentials"] = "true"
        if cors.get("MaxAge") is not None:
            headers["access-control-max-age"] = str(cors["MaxAge"])
    return Response(200, headers, b"")


def _add_cors(response: Response, cors: dict[str, Any], origin: str | None) -> None:
    out = response.headers
    for name in [k for k in out if k.startswith("access-control-")]:
        del out[name]
    allow = _allowed(cors, origin) if origin is not None else None
    if allow is None:
        return
    out["access-control-allow-origin"] = allow
    if cors.get("ExposeHeaders"):
        out["access-control-expose-headers"] = ",".join(cors["ExposeHeaders"])
    if cors.get("AllowCredentials"):
        out["access-control-allow-credentials"] = "true"


SERVER = Server(name="function-urls", kind="lambda-url", owns=owns, serve=serve)
