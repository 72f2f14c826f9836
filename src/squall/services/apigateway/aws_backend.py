"""AWS service integrations (type ``AWS``): the integration URI names a service and either a
path (``arn:aws:apigateway:{region}:sqs:path/{account}/{queue}``, ``…:s3:path/{bucket}/{key}``,
``…:lambda:path/2015-03-31/functions/{arn}/invocations``) or an action
(``…:sqs:action/SendMessage``); squall runs the call in-process on its own service
(:mod:`squall.apigw.aws_calls`) as the API's account.
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html

Query-protocol answers (SQS) come back as JSON (``{"SendMessageResponse": {…}}``), as API
Gateway asks AWS for them (``Accept: application/json``).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import orjson

from squall.apigw.aws_calls import call_service
from squall.apigw.functions import with_stage_variables
from squall.gateway.http import Request, Response
from squall.services.apigateway.call import Call
from squall.services.apigateway.mapping import Mapped

_ARN = re.compile(r"arn:aws[a-z-]*:apigateway:(?P<region>[^:]*):(?P<service>[^:]+):(?P<kind>path|action)/(?P<rest>.*)")
_VARIABLE = re.compile(r"\{([A-Za-z0-9._-]+)\}")


class BadUri(Exception):
    """The integration URI is not an AWS service URI squall can call (API_CONFIGURATION_ERROR)."""


def _build(call: Call, integration: dict[str, Any], mapped: Mapped) -> tuple[Request, str]:
    uri = with_stage_variables(integration["uri"], call.stage.variables)
    m = _ARN.fullmatch(uri)
    if m is None:
        raise BadUri(uri)
    service = m["service"].rsplit(".", 1)[-1]  # "{bucket}.s3"-style subdomains name the same service
    region = m["region"] or call.stage.region
    method = integration.get("httpMethod") or "POST"
    query = dict(mapped.query)
    if m["kind"] == "path":
        path = "/" + _VARIABLE.sub(lambda v: quote(mapped.path.get(v[1], ""), safe=""), m["rest"])
    else:
        path = "/"
        query = {"Action": m["rest"], **query}
    headers = {k.lower(): v for k, v in mapped.headers.items()}
    headers["host"] = f"{service}.{region}.amazonaws.com"
    headers.setdefault("accept", "application/json")
    body = mapped.body
    if service == "sqs" and m["kind"] == "path":
        body = _sqs_queue_url(path, body, headers, query)
    headers.setdefault("content-type", "application/x-www-form-urlencoded" if service == "sqs"
                       else "application/json")
    headers["content-length"] = str(len(body))
    request = Request(method=method.upper(), path=path, query_string=urlencode(query), headers=headers, body=body)
    return request, region


def _sqs_queue_url(path: str, body: bytes, headers: dict[str, str], query: dict[str, str]) -> bytes:
    """SQS's legacy form addressed the queue by the request path (``/{account}/{queue}``); squall's
    SQS reads ``QueueUrl``, so the path is passed as one."""
    form = body.decode("utf-8", "replace")
    if "QueueUrl" in query or "QueueUrl=" in form or path.count("/") < 2:
        return body
    if "Action" in query or "Action=" in form or headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        return (form + ("&" if form else "") + urlencode({"QueueUrl": path})).encode()
    return body


async def call(runtime: Any, call: Call, integration: dict[str, Any], mapped: Mapped) -> Response:
    """Run the integration's AWS call; raises TimeoutError past ``timeoutInMillis`` (the call
    itself finishes in the background, as API Gateway leaves it)."""
    request, region = _build(call, integration, mapped)
    task = asyncio.ensure_future(call_service(runtime, request, account=call.stage.account, region=region))
    try:
        response = await asyncio.wait_for(asyncio.shield(task), (integration.get("timeoutInMillis") or 29000) / 1000)
    except TimeoutError:
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        raise
    if "xml" in response.headers.get("content-type", "") and request.headers.get("host", "").startswith("sqs."):
        response.body = orjson.dumps(xml_to_json(response.body))
        response.headers["content-type"] = "application/json"
    return response


def xml_to_json(body: bytes) -> Any:
    """An AWS query-protocol XML document as the JSON API Gateway gets from AWS: elements become
    objects, leaves strings, repeated elements lists, namespaces dropped."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return {"body": body.decode("utf-8", "replace")}
    return {_tag(root): _element(root)}


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _element(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return element.text
    out: dict[str, Any] = {}
    for child in children:
        name, value = _tag(child), _element(child)
        if name in out:
            out[name] = [*out[name], value] if isinstance(out[name], list) else [out[name], value]
        else:
            out[name] = value
    return out


def selector(response: Response, is_lambda: bool) -> str:
    """What ``selectionPattern`` is matched against: a Lambda function's ``errorMessage`` when it
    failed (empty on success), else the status code."""
    if is_lambda:
        if response.headers.get("x-amz-function-error"):
            try:
                doc = orjson.loads(response.body)
            except orjson.JSONDecodeError:
                return ""
            return str(doc.get("errorMessage", "")) if isinstance(doc, dict) else ""
        return "" if response.status < 300 else str(response.status)
    return str(response.status)


def is_lambda(integration: dict[str, Any]) -> bool:
    return ":lambda:path/" in (integration.get("uri") or "")
