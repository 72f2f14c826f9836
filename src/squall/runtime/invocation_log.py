"""The platform lines Lambda adds around a function's own output: INIT_START, START, END,
REPORT (and "Task timed out"), as text or — with LoggingConfig LogFormat JSON — as
``platform.*`` JSON records.
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import orjson

from squall.runtime.spec import FunctionSpec

Line = tuple[int, str]  # (timestamp ms, message)


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


@dataclass
class InvocationLog:
    spec: FunctionSpec
    request_id: str
    lines: list[Line] = field(default_factory=list)
    #: the worker's log stream ("2024/01/01/[$LATEST]<id>": one per execution environment)
    stream: str = ""

    @property
    def json(self) -> bool:
        return self.spec.log_format == "JSON"

    def _platform(self, ms: int, kind: str, record: dict, text: str) -> None:
        if self.json:
            self.lines.append((ms, orjson.dumps({"time": _iso(ms), "type": kind, "record": record}).decode()))
        else:
            self.lines.append((ms, text))

    def init_start(self, ms: int, python: str) -> None:
        version = f"python:{python.rsplit('.', 1)[0]}.squall"
        arn = f"arn:aws:lambda:{self.spec.region}::runtime:squall-{self.spec.runtime}"
        self._platform(ms, "platform.initStart",
                       {"initializationType": "on-demand", "phase": "init", "runtimeVersion": version,
                        "runtimeVersionArn": arn, "functionName": self.spec.name,
                        "functionVersion": self.spec.version},
                       f"INIT_START Runtime Version: {version}\tRuntime Version ARN: {arn}")

    def start(self, ms: int) -> None:
        self._platform(ms, "platform.start", {"requestId": self.request_id, "version": self.spec.version},
                       f"START RequestId: {self.request_id} Version: {self.spec.version}")

    def output(self, lines: list[Line] | list[list]) -> None:
        self.lines.extend((int(ms), str(text)) for ms, text in lines)

    def timed_out(self, ms: int, seconds: float) -> None:
        self.lines.append((ms, f"{_iso(ms)} {self.request_id} Task timed out after {seconds:.2f} seconds"))

    def end(self, ms: int, *, duration_ms: float, max_memory_mb: int, init_ms: float | None,
            status: str | None = None, error_type: str | None = None) -> None:
        billed = max(1, math.ceil(duration_ms))
        if self.json:
            metrics = {"durationMs": round(duration_ms, 3), "billedDurationMs": billed,
                       "memorySizeMB": self.spec.memory_size, "maxMemoryUsedMB": max_memory_mb}
            if init_ms is not None:
                metrics["initDurationMs"] = round(init_ms, 3)
            record: dict = {"requestId": self.request_id, "metrics": metrics, "status": status or "success"}
            if error_type:
                record["errorType"] = error_type
            self._platform(ms, "platform.runtimeDone", {"requestId": self.request_id,
                                                         "status": status or "success"}, "")
            self._platform(ms, "platform.report", record, "")
            return
        self.lines.append((ms, f"END RequestId: {self.request_id}"))
        text = (f"REPORT RequestId: {self.request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Billed Duration: {billed} ms\tMemory Size: {self.spec.memory_size} MB\t"
                f"Max Memory Used: {max_memory_mb} MB\t")
        if init_ms is not None:
            text += f"Init Duration: {init_ms:.2f} ms\t"
        if status:
            text += f"Status: {status}\t"
        if error_type:
            text += f"Error Type: {error_type}"
        self.lines.append((ms, text))

    def tail(self, limit: int = 4096) -> str:
        """The last ``limit`` bytes of the log, as ``LogType=Tail`` returns them."""
        text = "".join(line + "\n" for _, line in self.lines).encode()
        return text[-limit:].decode("utf-8", "ignore")
