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
        http="httptools",
        timeout_graceful_shutdown=3,
        server_header=False,
        date_header=False,
    )
    server = _Server(config, app)
    log.info("squall listening on %s (backend %s, data dir %s)", settings.endpoint, settings.backend,
             settings.data_dir)
    server.run()
    if not server.started:
        log.error("squall failed to start")
        return 1
    return 0
