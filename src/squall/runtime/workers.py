"""The server's handle on one worker process: spawn it from a zygote, call it, kill it.

A worker is one execution environment for one function revision. It handles one
invocation at a time; the pool keeps it warm between invocations. Everything here runs
on the server's event loop; the worker itself is another process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from squall.runtime.child.squall_worker import _HEAD
from squall.runtime.interpreters import fallback_note
from squall.runtime.spec import FunctionSpec
from squall.runtime.zygotes import Zygote

#: Lambda's init phase limit for on-demand functions.
INIT_TIMEOUT = 10.0
#: extra address space a worker may reserve beyond MemorySize (thread stacks, arenas, mmaps):
#: RLIMIT_AS is only the backstop; the pool's RSS sampling enforces MemorySize itself.
ADDRESS_SPACE_HEADROOM = 512 * 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE")


class WorkerDied(Exception):
    """The worker process ended (EOF on its socket) before answering."""


@dataclass
class Ready:
    init_ms: float
    init_error: dict | None
    logs: list
    max_rss_kb: int


def worker_env(spec: FunctionSpec, settings: Any, log_stream: str, tmp_dir: str) -> dict[str, str]:
    """The environment Lambda gives a function, plus what points boto3 back at squall.
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime"""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": tmp_dir,
        "TMPDIR": tmp_dir,
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent / "child"),
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "",
        "AWS_ENDPOINT_URL": settings.endpoint,
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if spec.log_format == "JSON":
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        if spec.application_log_level:
            env["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level
    for key, secret in (settings.known_keys or {}).items():
        if secret[1] == spec.account:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = key, secret[0]
            break
    del env["AWS_SESSION_TOKEN"]
    env.update(spec.environment)
    return env


def sys_paths(spec: FunctionSpec, python: str) -> list[str]:
    """``sys.path`` as Lambda orders it: the code (/var/task), then each layer's
    ``python/lib/python3.X/site-packages`` and ``python`` (/opt), then installed requirements."""
    paths = [str(spec.code_dir)]
    short = ".".join(python.split(".")[:2])
    for layer in spec.layer_dirs:
        paths.append(str(layer / "python" / "lib" / f"python{short}" / "site-packages"))
        paths.append(str(layer / "python"))
    paths.extend(str(p) for p in spec.extra_paths)
    return paths


class WorkerHandle:
    def __init__(self, spec: FunctionSpec, zygote: Zygote) -> None:
        self.spec = spec
        self.zygote = zygote
        self.id = uuid.uuid4().hex
        self.pid = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.idle_since = time.monotonic()
        self.busy_since = 0.0
        self.invocations = 0
        self.dead = False
        self.killed_for: str | None = None  # "timeout" | "memory" when the pool killed it
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self.log_stream = f"{day}/[{spec.version}]{self.id}"

    async def spawn(self, settings: Any, data_dir: Path) -> Ready:
        """Fork the worker and run its init phase (import the handler)."""
        tmp_dir = str(data_dir / "lambda" / "tmp" / self.id)
        notes = []
        note = fallback_note(self.spec.runtime)
        if note:
            notes.append(note)
        notes.extend(self.zygote.notes)
        cfg = {
            "env": worker_env(self.spec, settings, self.log_stream, tmp_dir),
            "paths": sys_paths(self.spec, self.zygote.python),
            "code_dir": str(self.spec.code_dir),
            "tmp_dir": tmp_dir,
            "handler": self.spec.handler,
            "function_name": self.spec.name,
            "function_version": self.spec.version,
            "function_arn": self.spec.qualified_arn if self.spec.version != "$LATEST" else self.spec.arn,
            "memory_size": self.spec.memory_size,
            "log_group": self.spec.log_group_name,
            "log_stream": self.log_stream,
            "log_format": self.spec.log_format,
            "application_log_level": self.spec.application_log_level,
            "address_space_bytes": _address_space(self.zygote.pid) + self.spec.memory_size * 1024 * 1024
            + ADDRESS_SPACE_HEADROOM,
            "notes": notes,
        }
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.pid = await self.zygote.spawn(cfg, theirs)
        finally:
            theirs.close()
        self.reader, self.writer = await asyncio.open_unix_connection(sock=ours, limit=16 << 20)
        try:
            header, _ = await asyncio.wait_for(self._read(), INIT_TIMEOUT)
        except TimeoutError:
            self.kill()
            return Ready(INIT_TIMEOUT * 1000, {"errorMessage": "INIT_REPORT Init Duration: 10000 ms Phase: init "
                                                               "Status: timeout", "errorType": "Sandbox.Timedout",
                                               "requestId": "", "stackTrace": []}, [], 0)
        except WorkerDied:
            status = await self.exit_status()
            return Ready(0.0, exit_error("", status), [], 0)
        return Ready(header.get("init_ms", 0.0), header.get("init_error"), header.get("logs") or [],
                     header.get("max_rss_kb", 0))

    async def _read(self) -> tuple[dict, bytes]:
        assert self.reader is not None
        try:
            hlen, blen = _HEAD.unpack(await self.reader.readexactly(_HEAD.size))
            frame = await self.reader.readexactly(hlen + blen)  # one read: header and body
            header = orjson.loads(memoryview(frame)[:hlen])
            body = frame[hlen:] if blen else b""
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            self.dead = True
            raise WorkerDied() from None
        return header, body

    async def call(self, header: dict, body: bytes) -> tuple[dict, bytes]:
        """Send one invocation and wait for its answer (no timeout here: the pool owns it)."""
        assert self.writer is not None
        head = orjson.dumps(header)
        try:
            self.writer.write(_HEAD.pack(len(head), len(body)) + head + body)
        except (ConnectionError, OSError):
            self.dead = True
            raise WorkerDied() from None
        self.invocations += 1
        return await self._read()

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE / (1024 * 1024)
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self, why: str | None = None) -> None:
        if why and self.killed_for is None:
            self.killed_for = why
        self.dead = True
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.writer is not None:
            self.writer.close()

    def close(self) -> None:
        """Retire a healthy idle worker (reaped, or its function changed)."""
        self.kill()

    async def exit_status(self, wait: float = 1.0) -> int | None:
        if not self.pid:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(self.zygote.exit_status(self.pid)), wait)
        except TimeoutError:
            return None


def _address_space(pid: int) -> int:
    """The zygote's virtual size: what a freshly forked worker starts with."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 1 << 30


def exit_error(request_id: str, status: int | None) -> dict:
    """Lambda's ``Runtime.ExitError`` for a worker that ended on its own."""
    if status is None:
        why = "exit status 1"
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        names = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed", signal.SIGABRT: "aborted",
                 signal.SIGBUS: "bus error", signal.SIGTERM: "terminated", signal.SIGFPE: "floating point exception"}
        why = f"signal: {names.get(sig, signal.Signals(sig).name.lower())}"
    else:
        why = f"exit status {os.WEXITSTATUS(status)}"
    prefix = f"RequestId: {request_id} " if request_id else ""
    return {"errorType": "Runtime.ExitError", "errorMessage": f"{prefix}Error: Runtime exited with error: {why}"}
