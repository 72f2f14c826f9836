"""AWS::CloudFormation::CustomResource and ``Custom::*``: a Lambda function provisions the resource.

The protocol is CloudFormation's
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html): for each create,
update and delete the handler invokes the ``ServiceToken`` function asynchronously with a request
(``RequestType``, ``ResponseURL``, ``StackId``, ``RequestId``, ``ResourceType``,
``LogicalResourceId``, ``ResourceProperties``; ``PhysicalResourceId`` for Update/Delete,
``OldResourceProperties`` for Update) and waits for the function to PUT its response object to
the ``ResponseURL``. On AWS that URL is a presigned S3 URL; here it is squall's own
``{endpoint}/_squall/cloudformation/responses/{token}``, answered by :func:`receive_response`,
which the server mounts for :data:`RESPONSE_PREFIX`. The wait lives in this process
(``runtime.state``), so the response must reach the node that sent the request.

* ``ResourceProperties`` are sent as CloudFormation sends them: every number and boolean becomes
  a string, at any depth (:func:`as_strings`; a long-standing, widely relied-on behaviour:
  https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1037).
* ``FAILED`` fails the resource with the function's ``Reason``; no answer within
  ``ServiceTimeout`` (else ``SQUALL_CFN_CUSTOM_TIMEOUT`` seconds, default 300 — AWS waits an
  hour) fails it too. A delete that fails or times out fails the delete (DELETE_FAILED), as on AWS.
* ``Data`` becomes the ``Fn::GetAtt`` attributes; the response's ``PhysicalResourceId`` is
  the physical id (an Update answering a different one is a replacement: CloudFormation then
  sends a Delete for the old id when the stack update completes).
* Changing ``ServiceToken`` is refused, as CloudFormation refuses it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from typing import Any

import orjson

from squall.gateway.http import Request, Response
from squall.templates.api import Provisioned, ResourceFailed, StackContext, handler

RESPONSE_PREFIX = "/_squall/cloudformation/responses/"
DEFAULT_TIMEOUT = 300.0
#: "The total size of the response body can't exceed 4096 bytes." (crpg-ref-responses)
MAX_RESPONSE = 4096
_STATE = "cloudformation.custom-responses"


def as_strings(value: Any) -> Any:
    """``value`` with every number and boolean turned into the string CloudFormation sends."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_strings(v) for v in value]
    return value


def _waiting(runtime: Any) -> dict[str, asyncio.Future[bytes]]:
    """Response token → the future the response body resolves."""
    return runtime.state.setdefault(_STATE, {})


def _timeout(props: dict[str, Any]) -> float:
    given = props.get("ServiceTimeout")
    if given is not None:
        return float(given)
    return float(os.environ.get("SQUALL_CFN_CUSTOM_TIMEOUT", DEFAULT_TIMEOUT))


def _resource_type(ctx: StackContext, logical_id: str) -> str:
    """The type the template gave the resource (``Custom::Name``); the engine passes it as
    ``StackContext.resource_types`` when it has that map."""
    types = getattr(ctx, "resource_types", None) or {}
    return types.get(logical_id) or "AWS::CloudFormation::CustomResource"


async def _request(ctx: StackContext, logical_id: str, kind: str, props: dict[str, Any],
                   physical_id: str | None = None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send one request to the ServiceToken function and wait for its response object."""
    service_token = str(props.get("ServiceToken") or "")
    if ":lambda:" not in service_token:
        raise ResourceFailed(f"ServiceToken {service_token!r} is not a Lambda function ARN: squall sends custom "
                             "resource requests to Lambda functions only (SNS topics are not supported yet).")
    token = secrets.token_urlsafe(24)
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": kind, "ServiceToken": service_token, "ResponseURL": f"{ctx.endpoint}{RESPONSE_PREFIX}{token}",
        "StackId": ctx.stack_id, "RequestId": request_id, "LogicalResourceId": logical_id,
        "ResourceType": _resource_type(ctx, logical_id), "ResourceProperties": as_strings(props),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old is not None:
        event["OldResourceProperties"] = as_strings(old)
    waiting = _waiting(ctx.runtime)
    answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    waiting[token] = answer
    try:
        await ctx.call("lambda", "Invoke", FunctionName=service_token, InvocationType="Event",
                       Payload=orjson.dumps(event))
        try:
            body = await asyncio.wait_for(answer, _timeout(props))
        except TimeoutError:
            raise ResourceFailed("CloudFormation did not receive a response from your Custom Resource. Please check "
                                 f"your logs for requestId [{request_id}].") from None
    finally:
        waiting.pop(token, None)
    return _response(body, request_id)


def _response(body: bytes, request_id: str) -> dict[str, Any]:
    """The response object, checked; FAILED raises with the function's reason."""
    if len(body) > MAX_RESPONSE:
        raise ResourceFailed("Response object is too long.")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or doc.get("Status") not in ("SUCCESS", "FAILED") \
            or not isinstance(doc.get("Data") or {}, dict):
        raise ResourceFailed(f"Invalid response object from the custom resource (RequestId: {request_id}): "
                             f"{body[:200].decode('utf-8', 'replace')}")
    if doc["Status"] == "FAILED":
        raise ResourceFailed(f"Received response status [FAILED] from custom resource. Message returned: "
                             f"{doc.get('Reason') or 'no reason given'} (RequestId: {request_id})")
    return doc


def _provisioned(doc: dict[str, Any], physical_id: str | None = None) -> Provisioned:
    found = doc.get("PhysicalResourceId") or physical_id
    if not found or not isinstance(found, str):
        raise ResourceFailed("Invalid PhysicalResourceId")
    return Provisioned(found, dict(doc.get("Data") or {}))


@handler("AWS::CloudFormation::CustomResource")
class CustomResource:
    """Ref: the PhysicalResourceId the function answered; GetAtt: the members of its ``Data``."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        return _provisioned(await _request(ctx, logical_id, "Create", props))

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        if old.get("ServiceToken") != new.get("ServiceToken"):
            raise ResourceFailed("Modifying service token is not allowed.")
        doc = await _request(ctx, logical_id, "Update", new, current.physical_id, old)
        return _provisioned(doc, current.physical_id)

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _request(ctx, logical_id, "Delete", props, current.physical_id)


async def receive_response(runtime: Any, request: Request) -> Response:
    """``PUT {RESPONSE_PREFIX}{token}``: a custom resource's response object; resolves the waiting
    create/update/delete and answers 200 (as the presigned S3 URL would)."""
    if request.method != "PUT":
        return Response(405, {"content-type": "application/json", "allow": "PUT"},
                        b'{"message":"custom resource responses are sent with PUT"}')
    answer = _waiting(runtime).get(request.path[len(RESPONSE_PREFIX):])
    if answer is None or answer.done():
        return Response(404, {"content-type": "application/json"},
                        b'{"message":"no custom resource request is waiting for this response"}')
    body = request.body
    if request.stream is not None:  # over a MiB: far beyond what CloudFormation accepts
        body = b"x" * (MAX_RESPONSE + 1)
    answer.set_result(body)
    return Response(200, {}, b"")
