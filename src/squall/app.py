"""build_app(settings): the ASGI front door and the server's lifespan.

A raw ASGI callable (no framework) because every microsecond per request
counts: it reads the body, builds a :class:`~squall.gateway.http.Request`,
answers squall's own ``/_squall/*`` endpoints directly and hands everything
else to the :class:`~squall.gateway.dispatch.Dispatcher`.

Lifespan: start the engine, then every service's background loops and the
outbox relay; on shutdown stop the loops first (no new work), then close the
engine (which finishes queued commits).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path
from typing import Any

import orjson

from squall import __version__
from squall.apigw import announce as apigw_announce
from squall.apigw import front as apigw_front
from squall.config import Settings
from squall.dispatch.relay import OutboxRelay
from squall.engine import open_engine
from squall.gateway import router
from squall.gateway.body import STREAM_THRESHOLD, BodyStream
from squall.gateway.dispatch import Dispatcher
from squall.gateway.http import Request, Response
from squall.services.base import Runtime
from squall.services.registry import get_service, service_names
from squall.storage.blobs import BlobStore

log = logging.getLogger("squall")

Scope = dict[str, Any]


# encoded response header names (a small, bounded set in practice)
_HEADER_NAMES: dict[str, bytes] = {}


class SquallApp:
    """The ASGI application. One per server process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.dispatcher: Dispatcher | None = None
        self.relay: OutboxRelay | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ---- lifespan ---------------------------------------------------------
    async def startup(self) -> None:
        engine = open_engine(self.settings.backend, self.settings.data_dir)
        await engine.start()
        blobs = BlobStore(Path(self.settings.data_dir) / "blobs")
        blobs.start()
        self.runtime = Runtime(settings=self.settings, engine=engine, stopping=asyncio.Event(), blobs=blobs)
        self.relay = OutboxRelay(engine, self.runtime.stopping)
        self.runtime.state["relay"] = self.relay
        self.dispatcher = Dispatcher(self.runtime)
        router.warm()  # load the routing tables now, not on the first request
        apigw_announce.ENDPOINT = self.settings.endpoint
        for name in service_names():
            service = get_service(name)
            if service is None:
                continue
            for loop_fn in service.background:
                self._spawn(loop_fn(self.runtime), f"{name}.{loop_fn.__name__}")
        self._spawn(self.relay.run(), "outbox-relay")
        # Everything loaded so far (service models, route tables, modules) lives as long as the
        # server: keep it out of the collector's full passes, which otherwise scan it all and
        # stall every request for ~100 ms now and then (the p99 under load).
        gc.collect()
        gc.freeze()
        # A request allocates a few hundred objects: a larger young generation means far fewer
        # collections (and full ones rarer still) at a few MB of extra garbage between them.
        gc.set_threshold(50_000, 20, 100)

    def _spawn(self, coro, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    @staticmethod
    def _task_done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s died", task.get_name(), exc_info=task.exception())

    async def shutdown(self) -> None:
        if self.runtime is None:
            return
        self.runtime.stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.runtime.engine.close()

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "backend": self.runtime.engine.name if self.runtime else "starting",
            "services": service_names(),
            "region": self.settings.region,
            "account": self.settings.account_id,
            "strict_auth": self.settings.strict_auth,
        }

    # ---- ASGI -------------------------------------------------------------
    async def __call__(self, scope: Scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # noqa: BLE001 - report and refuse to start
                    log.error("startup failed: %s", exc)
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive, send) -> None:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            prior = headers.get(name)
            headers[name] = value if prior is None else f"{prior},{value}"
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        stream = None
        if message.get("more_body", False):
            length = _content_length(headers)
            if length is None or length >= STREAM_THRESHOLD:
                # A large upload is read as the operation consumes it (see gateway/body.py).
                stream = BodyStream(receive, body, length)
                body = b""
            else:
                chunks: list[bytes] = [body]
                more = True
                while more:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunks.append(message.get("body", b""))
                    more = message.get("more_body", False)
                body = b"".join(chunks)
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        if "?" in path:
            path = path.split("?", 1)[0]
        client = scope.get("client")
        qs = scope.get("query_string")
        request = Request(
            method=scope["method"],
            path=path,
            query_string=qs.decode("latin-1") if qs else "",
            headers=headers,
            body=body,
            scheme=scope.get("scheme", "http"),
            client=client[0] if client else "127.0.0.1",
            stream=stream,
            raw_headers=scope["headers"],
        )
        if path.startswith("/_squall/"):
            response = await self._internal(request)
        elif (user := apigw_front.match(request, self.settings.region)) is not None and self.runtime is not None:
            response = await apigw_front.serve(self.runtime, user)  # a deployed API or a function URL
        elif self.dispatcher is None:
            response = Response(503, {"content-type": "application/json"}, b'{"message":"starting"}')
        else:
            response = await self.dispatcher.handle(request)
        names = _HEADER_NAMES
        out_headers = []
        for k, v in response.headers.items():
            name = names.get(k)
            if name is None:
                name = k.encode("latin-1")
                if len(names) < 256:
                    names[k] = name
            if isinstance(v, list):  # a header sent once per value (Set-Cookie)
                out_headers.extend((name, item.encode("latin-1")) for item in v)
            else:
                out_headers.append((name, v.encode("latin-1")))
        if "content-length" not in response.headers:
            out_headers.append((b"content-length", b"%d" % len(response.body)))
        await send({"type": "http.response.start", "status": response.status, "headers": out_headers})
        if response.stream is None:
            await send({"type": "http.response.body", "body": response.body})
            return
        try:
            async for chunk in response.stream:
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except Exception:
            log.exception("streaming a response body failed")
            raise
        await send({"type": "http.response.body", "body": b""})

    async def _internal(self, request: Request) -> Response:
        if request.path == "/_squall/health":
            return Response(200, {"content-type": "application/json"}, orjson.dumps(self.health()))
        if self.runtime is not None:
            for name in service_names():
                service = get_service(name)
                for prefix, handler in (service.internal_routes if service else {}).items():
                    if request.path.startswith(prefix):
                        return await handler(self.runtime, request)
        return Response(404, {"content-type": "application/json"}, b'{"message":"Not Found"}')


def _content_length(headers: dict[str, str]) -> int | None:
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


def build_app(settings: Settings) -> SquallApp:
    return SquallApp(settings)
