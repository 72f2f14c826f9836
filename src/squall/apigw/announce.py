"""Telling the human running ``squall up`` where a deployed API answers.

Each time a stage is (re)deployed, the server logs the stage's short URL
(``http://127.0.0.1:4566/_api/{apiId}/{stage}/…``; an HTTP API's ``$default`` stage without
the stage segment) next to its routes — once the deployment has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from squall.engine.api import Tx

log = logging.getLogger("squall")

#: The server's own base URL, set at start-up (``SquallApp.startup``).
ENDPOINT = "http://127.0.0.1:4566"


def short_url(api_id: str, stage: str) -> str:
    return f"{ENDPOINT}/_api/{api_id}" + ("" if stage == "$default" else f"/{stage}")


def announce(tx: Tx, *, kind: str, api_id: str, stage: str, routes: Iterable[str]) -> None:
    """Log ``kind`` API ``api_id``'s ``stage`` URL and its routes after ``tx`` commits."""
    listed = sorted(routes)

    def say() -> None:
        log.info("%s %s stage %s: %s/", kind, api_id, stage, short_url(api_id, stage))
        for route in listed:
            log.info("    %s", route)

    tx.after_commit(say)
