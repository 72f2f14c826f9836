"""Fixtures for the resource handler tests: squall's ASGI app served in-process (uvicorn in a
thread, its own event loop, the in-memory engine) so that handlers can be called directly with a
:class:`~squall.templates.api.StackContext` over the live runtime, and what they provisioned
checked with boto3 against the same server.

* ``squall_server`` — the running server (session-wide): ``endpoint``, ``runtime``, ``run(coro)``
  (runs a coroutine on the server's loop and returns its result);
* ``stack`` — a fresh StackContext for one test (its own stack name);
* ``provision`` — ``provision(type, props, logical_id=…)`` creates a resource through its handler;
  ``provision.update(...)`` / ``provision.delete(...)``; whatever is still provisioned at the end of
  the test is deleted (children first);
* ``client(service)`` — a boto3 client for the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.server import free_port

ACCOUNT = "000000000000"
REGION = "us-east-1"


@dataclass
class InProcessServer:
    """squall served by uvicorn in a background thread; ``run`` executes on its event loop."""

    app: Any
    loop: asyncio.AbstractEventLoop
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime(self) -> Any:
        return self.app.runtime

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


@pytest.fixture(scope="session")
def squall_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    import uvicorn

    from squall.app import build_app
    from squall.config import Settings

    port = free_port()
    settings = Settings(port=port, data_dir=tmp_path_factory.mktemp("templates"), backend="memory")
    app = build_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=1))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True,
                              name="squall-in-process")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-process squall server did not start")
        time.sleep(0.02)
    yield InProcessServer(app, loop, port)
    server.should_exit = True
    thread.join(15)


@pytest.fixture
def stack(squall_server: InProcessServer) -> Any:
    from squall.templates.api import StackContext
    from squall.templates.calls import call

    name = f"s{uuid.uuid4().hex[:8]}"
    return StackContext(runtime=squall_server.runtime, account=ACCOUNT, region=REGION, stack_name=name,
                        stack_id=f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/{uuid.uuid4()}",
                        caller=call, endpoint=squall_server.endpoint)


@dataclass
class Provisioner:
    """Create / update / delete resources through their handlers, as the stack engine would."""

    server: InProcessServer
    ctx: Any
    #: logical id → (type, current Provisioned, current props), in creation order
    live: dict[str, tuple[str, Any, dict[str, Any]]] = field(default_factory=dict)

    def __call__(self, type_name: str, props: dict[str, Any], logical_id: str | None = None) -> Any:
        from squall.templates.api import handler_for

        logical_id = logical_id or type_name.rsplit("::", 1)[-1] + uuid.uuid4().hex[:6]
        found = handler_for(type_name)
        assert found is not None, f"no handler for {type_name}"
        result = self.server.run(found.create(self.ctx, logical_id, props))
        self.live[logical_id] = (type_name, result, props)
        self.ctx.provisioned[logical_id] = result
        return result

    def update(self, logical_id: str, props: dict[str, Any]) -> Any:
        from squall.templates.api import handler_for

        type_name, current, old = self.live[logical_id]
        result = self.server.run(handler_for(type_name).update(self.ctx, logical_id, current, old, props))
        self.live[logical_id] = (type_name, result, props)
        self.ctx.provisioned[logical_id] = result
        return result

    def delete(self, logical_id: str) -> None:
        from squall.templates.api import handler_for

        type_name, current, props = self.live.pop(logical_id)
        self.ctx.provisioned.pop(logical_id, None)
        self.server.run(handler_for(type_name).delete(self.ctx, logical_id, current, props))

    def clean_up(self) -> None:
        for logical_id in reversed(list(self.live)):
            with contextlib.suppress(Exception):  # best effort: a test may have left a resource half-gone
                self.delete(logical_id)


@pytest.fixture
def provision(squall_server: InProcessServer, stack: Any) -> Iterator[Provisioner]:
    provisioner = Provisioner(squall_server, stack)
    yield provisioner
    provisioner.clean_up()


@pytest.fixture(scope="session")
def client(squall_server: InProcessServer) -> Callable[..., Any]:
    import boto3
    from botocore.config import Config

    def make(service: str, **kw: Any) -> Any:
        return boto3.client(service, endpoint_url=squall_server.endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=kw.pop("config", None) or Config(retries={"max_attempts": 1}), **kw)

    return make
