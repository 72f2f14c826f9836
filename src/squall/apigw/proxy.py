"""Lambda proxy integrations: the event a function receives and how its answer becomes the
HTTP response — payload format 1.0 (REST APIs' AWS_PROXY, HTTP APIs' 1.0) and 2.0 (HTTP APIs'
default, function URLs).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html

The builders take what the serving code decided (matched route or resource, path parameters,
stage variables, authorizer context) and everything else from the request itself. Bodies are
passed as text when they are text and base64 otherwise (``isBase64Encoded``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl

import orjson

from squall.apigw.front import UserRequest, json_response
from squall.gateway.http import Response

#: Content types HTTP APIs and function URLs pass as text; anything else is base64-encoded.
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/yaml", "application/graphql")


def is_text(content_type: str | None) -> bool:
    if not content_type:
        return True  # no type: API Gateway passes the body through as text
    ct = content_type.split(";", 1)[0].strip().lower()
    return ct.startswith(_TEXT_TYPES) or ct.endswith(("+json", "+xml"))


def encode_body(body: bytes, as_text: bool) -> tuple[str | None, bool]:
    """(event body, isBase64Encoded): text when ``as_text`` and the bytes are UTF-8."""
    if not body:
        return None, False
    if as_text:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def header_pairs(user: UserRequest) -> list[tuple[str, str]]:
    raw = user.request.raw_headers
    if raw is None:
        return list(user.request.headers.items())
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def query_pairs(user: UserRequest) -> list[tuple[str, str]]:
    return parse_qsl(user.request.query_string, keep_blank_values=True)


def _title(name: str) -> str:
    """``content-type`` → ``Content-Type``: ASGI lower-cases names; REST events show them as clients
    usually send them."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def source_ip(user: UserRequest) -> str:
    forwarded = user.request.headers.get("x-forwarded-for")
    return forwarded.split(",", 1)[0].strip() if forwarded else user.request.client


# ---- payload format 2.0 ---------------------------------------------------------------------
def event_v2(user: UserRequest, *, route_key: str, stage: str, raw_path: str, body: bytes,
             path_parameters: dict[str, str] | None = None, stage_variables: dict[str, str] | None = None,
             authorizer: dict | None = None, account_id: str = "000000000000",
             extra_context: dict | None = None) -> dict[str, Any]:
    """An HTTP API / function URL event (payload format 2.0). ``raw_path`` is the path as the
    event reports it (HTTP APIs include a non-default stage's name in it)."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in header_pairs(user):
        name = name.lower()
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for k, v in query_pairs(user):
        query[k] = f"{query[k]},{v}" if k in query else v
    text, b64 = encode_body(body, is_text(user.request.headers.get("content-type")))
    context: dict[str, Any] = {
        "accountId": account_id, "apiId": user.api_id, "domainName": user.domain_name,
        "domainPrefix": user.domain_prefix,
        "http": {"method": user.request.method, "path": raw_path, "protocol": "HTTP/1.1",
                 "sourceIp": source_ip(user), "userAgent": user.request.headers.get("user-agent", "")},
        "requestId": user.request_id, "routeKey": route_key, "stage": stage,
        "time": user.request_time, "timeEpoch": user.time_epoch_ms,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    if extra_context:
        context.update(extra_context)
    event: dict[str, Any] = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path,
                             "rawQueryString": user.request.query_string}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = path_parameters
    event["isBase64Encoded"] = b64
    if stage_variables:
        event["stageVariables"] = stage_variables
    return event


def response_v2(payload: bytes, user: UserRequest | None = None) -> Response:
    """A function's 2.0 answer as HTTP: the structured form (with ``statusCode``) or the simplified
    one (any other JSON value: 200, application/json, the value as the body)."""
    try:
        doc = orjson.loads(payload) if payload else None
    except orjson.JSONDecodeError:
        return internal_error(user)
    if not (isinstance(doc, dict) and "statusCode" in doc):
        return Response(200, {"content-type": "application/json", **_ids(user)}, payload or b"null")
    try:
        status = int(doc["statusCode"])
        headers = {str(k).lower(): _header_value(v) for k, v in (doc.get("headers") or {}).items()}
        body = _body(doc)
        cookies = doc.get("cookies") or []
        if not isinstance(cookies, list) or not 100 <= status <= 599:
            raise ValueError
    except (ValueError, TypeError, AttributeError, binascii.Error):
        return internal_error(user)
    headers.setdefault("content-type", "application/json")
    headers.update(_ids(user))
    response = Response(status, headers, body)
    if cookies:
        response.headers["set-cookie"] = cookies  # type: ignore[assignment] - one header per cookie
    return response


# ---- payload format 1.0 ---------------------------------------------------------------------
def event_v1(user: UserRequest, *, resource: str, stage: str, path: str, body: bytes, binary: bool | None = None,
             path_parameters: dict[str, str] | None = None, stage_variables: dict[str, str] | None = None,
             authorizer: dict | None = None, account_id: str = "000000000000", resource_id: str = "",
             version: str | None = None, title_case_headers: bool = True,
             identity: dict | None = None) -> dict[str, Any]:
    """A REST API AWS_PROXY (or HTTP API 1.0) event. ``path`` is the resource path requested
    (without the stage); ``binary`` says whether the body is passed base64-encoded (REST: the
    API's binaryMediaTypes matched), None to decide by content type."""
    name_of = _title if title_case_headers else str.lower
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in header_pairs(user):
        name = name_of(name)
        headers[name] = value  # the last value, as API Gateway does
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for k, v in query_pairs(user):
        query[k] = v
        multi_query.setdefault(k, []).append(v)
    as_text = not binary if binary is not None else is_text(user.request.headers.get("content-type"))
    text, b64 = encode_body(body, as_text)
    ident = {"accessKey": None, "accountId": None, "caller": None, "cognitoAuthenticationProvider": None,
             "cognitoAuthenticationType": None, "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
             "principalOrgId": None, "sourceIp": source_ip(user), "user": None,
             "userAgent": user.request.headers.get("user-agent"), "userArn": None}
    if identity:
        ident.update(identity)
    context: dict[str, Any] = {
        "accountId": account_id, "apiId": user.api_id, "domainName": user.domain_name,
        "domainPrefix": user.domain_prefix, "extendedRequestId": user.request_id,
        "httpMethod": user.request.method, "identity": ident,
        "path": f"/{stage}{path}" if stage and stage != "$default" else path,
        "protocol": "HTTP/1.1", "requestId": user.request_id, "requestTime": user.request_time,
        "requestTimeEpoch": user.time_epoch_ms, "resourceId": resource_id, "resourcePath": resource,
        "stage": stage,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {}
    if version:
        event["version"] = version
    event.update({
        "resource": resource, "path": path, "httpMethod": user.request.method,
        "headers": headers or None, "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None, "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None, "stageVariables": stage_variables or None,
        "requestContext": context, "body": text, "isBase64Encoded": b64,
    })
    return event


def response_v1(payload: bytes, user: UserRequest | None = None, *, bad_status: int = 502,
                bad_message: str = "Internal server error") -> Response:
    """A function's 1.0 answer as HTTP. It must be an object with ``statusCode``; anything else is
    API Gateway's 502 "Internal server error" (REST) — ``bad_status``/``bad_message`` for HTTP APIs."""
    try:
        doc = orjson.loads(payload) if payload else None
        if not isinstance(doc, dict) or "statusCode" not in doc:
            raise ValueError
        status = int(doc["statusCode"])
        if not 100 <= status <= 599:
            raise ValueError
        headers: dict[str, Any] = {str(k).lower(): _header_value(v) for k, v in (doc.get("headers") or {}).items()}
        for k, values in (doc.get("multiValueHeaders") or {}).items():
            if not isinstance(values, list):
                raise TypeError
            name = str(k).lower()
            merged = [_header_value(v) for v in values]
            if name in headers and name != "set-cookie":
                merged = [headers[name], *merged] if headers[name] not in merged else merged
            headers[name] = merged if name == "set-cookie" or len(merged) > 1 else merged[0]
        body = _body(doc)
    except (ValueError, TypeError, AttributeError, binascii.Error, orjson.JSONDecodeError):
        return json_response(bad_status, {"message": bad_message}, user)
    headers.setdefault("content-type", "application/json")
    headers.update(_ids(user))
    return Response(status, headers, body)


# ---- helpers ---------------------------------------------------------------------------------
def _header_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    raise ValueError("header values must be scalars")


def _body(doc: dict) -> bytes:
    body = doc.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        body = orjson.dumps(body).decode()
    if doc.get("isBase64Encoded"):
        return base64.b64decode(body, validate=True)
    return body.encode()


def _ids(user: UserRequest | None) -> dict[str, str]:
    return {"apigw-requestid": user.request_id} if user is not None else {}


def internal_error(user: UserRequest | None) -> Response:
    """HTTP APIs' answer to a malformed function response."""
    return json_response(500, {"message": "Internal Server Error"}, user)
