"""What the stack engine and the resource handlers agree on.

A **resource handler** provisions one CloudFormation resource type (``AWS::SQS::Queue``…) by
calling squall's own services in-process (:meth:`StackContext.call`), exactly as a client's API
call would — same validation, same errors, same events. The stack engine
(:mod:`squall.services.cloudformation`) evaluates the template, calls ``create``/``update``/
``delete`` in dependency order with fully resolved properties (no intrinsics left), records
each result, and rolls back on failure.

Handlers register with :func:`handler` and are found by :func:`handler_for`. A handler module
lives in :mod:`squall.templates.resources` (one module per AWS service).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class ResourceFailed(Exception):
    """A resource could not be created/updated/deleted; the message becomes the stack event's
    ``ResourceStatusReason`` (write it as CloudFormation would, e.g. the service's error)."""


class NeedsReplacement(Exception):
    """Raised by ``update`` when the change needs a new physical resource (CloudFormation's
    "Replacement: True" properties): the engine creates the new one, repoints references, and
    deletes the old one at the end of the update (unless its UpdateReplacePolicy is Retain)."""


@dataclass
class Provisioned:
    """What a created/updated resource is: its physical id, what ``Ref`` returns (the physical id
    unless set), and its ``Fn::GetAtt`` attributes (``{"Arn": …}``)."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    ref: str | None = None

    @property
    def ref_value(self) -> str:
        return self.physical_id if self.ref is None else self.ref


@dataclass
class StackContext:
    """The stack being deployed, as a handler sees it."""

    runtime: Any
    account: str
    region: str
    stack_name: str
    stack_id: str
    #: the in-process AWS call (set by the engine; see :mod:`squall.templates.calls`)
    caller: Callable[..., Awaitable[dict[str, Any]]]
    #: warnings for the stack's events / the CLI (e.g. "layer ARN unknown to squall")
    warnings: list[str] = field(default_factory=list)
    #: the logical id → Provisioned of resources already provisioned in this stack
    provisioned: dict[str, Provisioned] = field(default_factory=dict)
    #: the server's endpoint (``http://127.0.0.1:4566``) for URLs a resource reports
    endpoint: str = ""
    #: logical id → resource type as the template declares it (``Custom::Thing`` stays itself)
    resource_types: dict[str, str] = field(default_factory=dict)

    async def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` of squall's service ``service`` ("lambda", "s3", "sqs", "apigateway",
        "apigatewayv2", "logs") with botocore-shaped parameters (blobs as bytes) for this stack's
        account and region; returns the output dict. A ServiceError of the operation propagates
        (the engine turns it into the resource's failure reason)."""
        return await self.caller(self, service, operation, params)

    def name_for(self, logical_id: str, max_len: int = 64, lower: bool = False) -> str:
        """A generated physical name as CloudFormation makes them: ``{stack}-{logical}-{RANDOM}``,
        trimmed to ``max_len`` (lower-cased for S3 buckets)."""
        import secrets
        import string

        alphabet = string.ascii_uppercase + string.digits
        suffix = "".join(secrets.choice(alphabet) for _ in range(12))
        stack, logical = self.stack_name, logical_id
        room = max_len - len(suffix) - 2
        if len(stack) + len(logical) + 1 > room:
            half = max(1, room // 2)
            stack, logical = stack[:half], logical[: room - min(len(stack), half) - 1]
        name = f"{stack}-{logical}-{suffix}"
        return name.lower() if lower else name


class ResourceHandler(Protocol):
    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned: ...

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned: ...

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None: ...


_HANDLERS: dict[str, ResourceHandler] = {}
_LOADED: list[bool] = []

#: the modules that register handlers (imported on first lookup)
HANDLER_MODULES = (
    "squall.templates.resources.lambda_",
    "squall.templates.resources.iam",
    "squall.templates.resources.logs",
    "squall.templates.resources.custom",
    "squall.templates.resources.s3",
    "squall.templates.resources.sqs",
    "squall.templates.resources.apigateway",
    "squall.templates.resources.apigatewayv2",
)


def handler(*type_names: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the class for these resource types."""

    def register(cls: type) -> type:
        instance = cls()
        for name in type_names:
            _HANDLERS[name] = instance
        return cls

    return register


def handler_for(type_name: str) -> ResourceHandler | None:
    """The handler of ``type_name`` (``Custom::Anything`` → the custom-resource handler), or None."""
    if not _LOADED:
        import importlib

        _LOADED.append(True)
        for module in HANDLER_MODULES:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:  # a handler module not written yet
                if exc.name != module:
                    raise
    if type_name.startswith("Custom::"):
        type_name = "AWS::CloudFormation::CustomResource"
    return _HANDLERS.get(type_name)


def supported_types() -> list[str]:
    handler_for("")
    return sorted(_HANDLERS)
