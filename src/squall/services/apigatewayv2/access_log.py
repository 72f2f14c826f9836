"""Access logs of a stage, written to CloudWatch Logs.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html and
http-api-logging-variables.html: ``AccessLogSettings`` names a log group (``DestinationArn``) and a
``Format`` in which ``$context.*`` variables are replaced per request; a variable without a value
is written ``-``. Lines go through the logs service's buffered sink (one transaction per flush,
never per request) into the stream ``{apiId}_{stage}``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from squall.services.logs.sink import get_sink

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")


class AccessLog:
    """One stage's compiled access-log settings."""

    def __init__(self, settings: dict[str, Any], api_id: str, stage: str) -> None:
        arn = settings["DestinationArn"]
        parts = arn.split(":")
        self.region, self.account = parts[3], parts[4]
        self.group = parts[6]
        self.stream = f"{api_id}_{stage}"
        fmt = settings["Format"]
        self.parts: list[tuple[bool, str]] = []  # (is variable, literal or variable name)
        last = 0
        for m in _VARIABLE.finditer(fmt):
            if m.start() > last:
                self.parts.append((False, fmt[last:m.start()]))
            self.parts.append((True, m[1]))
            last = m.end()
        if last < len(fmt):
            self.parts.append((False, fmt[last:]))

    def render(self, values: dict[str, Any]) -> str:
        out = []
        for is_var, text in self.parts:
            if not is_var:
                out.append(text)
                continue
            value = values.get(text)
            if value is None and text.startswith("error.messageString"):
                message = values.get("error.message")
                value = None if message is None else f'"{message}"'
            out.append("-" if value is None or value == "" else str(value))
        return "".join(out)

    def write(self, runtime: Any, values: dict[str, Any]) -> None:
        get_sink(runtime).put(self.account, self.region, self.group, self.stream,
                              [(int(time.time() * 1000), self.render(values))])
