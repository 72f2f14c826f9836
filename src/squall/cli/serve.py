"""Run the ASGI app under uvicorn until SIGINT/SIGTERM.

uvicorn handles the signals: it stops accepting connections, gives in-flight
requests a few seconds, then runs the lifespan shutdown (background loops
stop, the engine finishes queued commits and closes). A long poll cut short
loses nothing: a message is only leased when a response is about to be sent,
and an unacknowledged lease simply expires.
"""

from __future__ import annotations

import logging

import uvicorn

from squall.app import build_app
from squall.config import Settings

log = logging.getLogger("squall")


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
    server = uvicorn.Server(config)
    log.info("squall listening on %s (backend %s, data dir %s)", settings.endpoint, settings.backend,
             settings.data_dir)
    server.run()
    if not server.started:
        log.error("squall failed to start")
        return 1
    return 0
