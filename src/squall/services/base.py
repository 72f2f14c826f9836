"""What a service is, and what an operation receives.

A service package exposes ``SERVICE`` (a :class:`Service`). Operations are
plain ``async def`` functions named after the AWS operation in snake_case
(``SendMessage`` → ``send_message``) taking ``ctx`` and the operation's input
members as keyword arguments exactly as botocore's model names them, and
returning the output members as a dict. The wire layer does parsing,
validation of types and serialization.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from squall.engine.api import Engine
    from squall.gateway.http import Request

Operation = Callable[..., Awaitable[dict[str, Any] | None]]
BackgroundTask = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Runtime:
    """What a running server gives services: settings, the engine, shared state."""

    settings: Any  # squall.config.Settings
    engine: Engine
    state: dict[str, Any] = field(default_factory=dict)  # per-service caches, keyed by service name
    stopping: Any = None  # asyncio.Event set when the server shuts down
    blobs: Any = None  # squall.storage.blobs.BlobStore: large payloads as files under the data dir


@dataclass
class RequestContext:
    request: Request
    runtime: Runtime
    service: str
    operation: str
    account_id: str
    region: str
    request_id: str
    access_key: str | None = None
    protocol: str = ""

    @property
    def engine(self) -> Engine:
        return self.runtime.engine


@dataclass
class Service:
    name: str  # SigV4 signing name / endpoint prefix, e.g. "sqs"
    model: str  # botocore model name, e.g. "sqs"
    operations: Mapping[str, Operation]  # AWS operation name -> implementation
    background: list[BackgroundTask] = field(default_factory=list)
    # protocol-specific serialized-name overrides (see squall.protocol), e.g. SQS's legacy query names
    name_overrides: Mapping[str, str] = field(default_factory=dict)
    # rewrites a request in place after authentication, before the operation is found
    # (S3: virtual-host-style addressing becomes path style)
    rewrite: Callable[[Request, Any], None] | None = None
    # model operations deliberately not served yet (they answer NotImplemented); everything
    # else in the model must be implemented (tests/services/test_registry.py checks)
    not_implemented: frozenset[str] = frozenset()
    # wraps every call: ``await middleware(ctx, call_next) -> Response`` (S3: CORS preflights and headers)
    middleware: Callable[[RequestContext, Callable[[], Awaitable[Any]]], Awaitable[Any]] | None = None
    # squall's own URLs under /_squall/ that this service answers: path prefix -> ``await fn(runtime,
    # request) -> Response`` (Lambda: the code download URL GetFunction returns)
    internal_routes: Mapping[str, Callable[[Runtime, Request], Awaitable[Any]]] = field(default_factory=dict)


async def every(runtime: Runtime, seconds: float, fn: Callable[[], Awaitable[Any]], what: str, *,
                first_delay: float = 0.0) -> None:
    """A background loop: ``await fn()`` (after ``first_delay``), then every ``seconds``, until the
    server stops. A failure is logged and retried on the next round; a stop wakes the sleep."""
    log = logging.getLogger("squall.background")
    delay = first_delay
    while True:
        if delay:
            if runtime.stopping is None:
                await asyncio.sleep(delay)
            else:
                try:
                    await asyncio.wait_for(runtime.stopping.wait(), delay)
                except TimeoutError:
                    pass
        if runtime.stopping is not None and runtime.stopping.is_set():
            return
        try:
            await fn()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", what)
        delay = seconds


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``SendMessageBatch`` → ``send_message_batch``; ``ListDeadLetterSourceQueues`` likewise."""
    return _CAMEL.sub("_", name).lower()


def requiring_members(fn: Operation, error: Callable[[str], Exception]) -> Operation:
    """``fn`` answering ``error(member)`` for an absent required member (a parameter of ``fn``
    without a default) instead of failing with a TypeError (a 500). boto3 validates required
    members client-side; hand-written requests and the legacy query form do not."""
    required = tuple(name for name, p in inspect.signature(fn).parameters.items()
                     if name != "ctx" and p.default is inspect.Parameter.empty
                     and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))

    @functools.wraps(fn)
    async def op(ctx: Any, **params: Any) -> Any:
        for name in required:
            if params.get(name) is None:
                raise error(name)
        return await fn(ctx, **params)

    return op


def operations_in(modules: Iterable[ModuleType], names: Iterable[str]) -> dict[str, Operation]:
    """Each AWS operation in ``names`` implemented by a public function of that (snake_case)
    name defined in one of ``modules`` (functions they merely import do not count)."""
    by_name: dict[str, Operation] = {}
    for module in modules:
        for attr, value in vars(module).items():
            if callable(value) and not attr.startswith("_") and getattr(value, "__module__", None) == module.__name__:
                by_name[attr] = value
    return {op: by_name[snake_case(op)] for op in names if snake_case(op) in by_name}


def operations_from(module: ModuleType, names: list[str]) -> dict[str, Operation]:
    """Map each AWS operation name to the function named after it in ``module``."""
    ops: dict[str, Operation] = {}
    for name in names:
        fn = getattr(module, snake_case(name), None)
        if fn is not None:
            ops[name] = fn
    return ops
