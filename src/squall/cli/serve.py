"""Run the ASGI app under uvicorn until SIGINT/SIGTERM.

uvicorn handles the signals: it stops accepting connections, gives in-flight
requests a few seconds, then runs the lifespan shutdown (background loops
stop, the engine finishes queued commits and closes). A long poll cut short
loses nothing: a message is only leased when a response is about to be sent,
and an unacknowledged lease simply expires.
"""

from __future__ import annotations

import asyncio
import logging
from types import FrameType

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from squall.app import SquallApp, build_app
from squall.config import Settings

log = logging.getLogger("squall")


class _Server(uvicorn.Server):
    """uvicorn's server, but a graceful stop on SIGTERM/SIGINT exits with status 0
    (uvicorn re-raises the signal after shutting down) and tells squall's loops and
    long polls to finish at once instead of waiting out their timeouts."""

    def __init__(self, config: uvicorn.Config, app: SquallApp) -> None:
        super().__init__(config)
        self.squall = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()
        runtime = self.squall.runtime
        if runtime is not None and runtime.stopping is not None:
            try:
                asyncio.get_running_loop().call_soon_threadsafe(runtime.stopping.set)
            except RuntimeError:
                pass


class _OneWriteResponses:
    """A transport wrapper that holds a response head back until its body is written, so a
    response leaves in one ``send`` instead of two (uvicorn writes the head and the body
    separately; on a small response the second system call is a measurable share of the
    request). A head with nothing after it in the same loop step is sent on the next step."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
        elif data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n":
            self._held = data
            self._loop.call_soon(self._flush)
            return
        self._transport.write(data)

    def _flush(self) -> None:
        if self._held is not None:
            data, self._held = self._held, None
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str):  # pause_reading, is_closing, get_extra_info, …
        return getattr(self._transport, name)


class _HttpProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWriteResponses(transport, self.loop))  # type: ignore[arg-type]


def serve(settings: Settings) -> int:
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http=_HttpProtocol,
        timeout_graceful_shutdown=3,
        server_header=False,
        date_header=False,
        # squall answers clients directly; the apigw layer reads X-Forwarded-For itself where
        # API Gateway does (sourceIp). uvicorn's proxy-headers middleware costs every request.
        proxy_headers=False,
    )
    server = _Server(config, app)
    log.info("squall listening on %s (backend %s, data dir %s)", settings.endpoint, settings.backend,
             settings.data_dir)
    server.run()
    if not server.started:
        log.error("squall failed to start")
        return 1
    return 0
