"""The server's side of the zygotes: one per interpreter, started once, asked to fork workers.

A zygote (``child/squall_zygote.py``) is a separate process that has pre-imported the
standard library and boto3; forking it costs a few milliseconds where a fresh interpreter
importing boto3 costs hundreds. The server talks to it over a Unix socket pair: it sends a
``spawn`` frame with the worker's end of a new socket pair attached (SCM_RIGHTS) and
reads ``spawned`` / ``exited`` frames back. If a zygote dies it is started again on the
next spawn.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from squall.runtime.child.squall_worker import _HEAD  # stdlib-only helpers shared with the child

log = logging.getLogger("squall.runtime")

CHILD_DIR = Path(__file__).resolve().parent / "child"
ZYGOTE = CHILD_DIR / "squall_zygote.py"


class ZygoteGone(Exception):
    """The zygote process ended; the spawn should be retried on a fresh one."""


#: Pure-Python packages Lambda's Python runtimes ship (boto3 and what it needs), lent to
#: zygotes of other interpreters from the server's own environment.
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def sdk_dir(root: Path) -> Path:
    """A directory of links to the server's copies of :data:`SDK_PACKAGES` (made once)."""
    import importlib.util

    root.mkdir(parents=True, exist_ok=True)
    for name in SDK_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = root / source.name
        if not link.exists():
            try:
                link.symlink_to(source)
            except FileExistsError:
                pass
    return root


class Zygote:
    """One running zygote process for one interpreter."""

    def __init__(self, executable: str, sdk_path: Path | None = None) -> None:
        self.executable = executable
        self.sdk_path = sdk_path
        self.proc: subprocess.Popen | None = None
        self.ctl: socket.socket | None = None
        self.pid = 0
        self.python = ""
        self.notes: list[str] = []
        self._reader: asyncio.StreamReader | None = None
        self._transport: Any = None
        self._pending: dict[int, asyncio.Future[int]] = {}
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._tokens = itertools.count(1)
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.closed = False

    async def start(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        # glibc reserves 64 MB of address space per malloc arena per thread: keep workers'
        # address space (and their RLIMIT_AS backstop) meaningful.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPATH", None)
        if self.sdk_path is not None:
            env["PYTHONPATH"] = str(self.sdk_path)
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - fork/exec only, once per interpreter
            [self.executable, "-u", str(ZYGOTE), str(child.fileno())], env=env, stdin=subprocess.DEVNULL,
            pass_fds=(child.fileno(),), start_new_session=True)
        child.close()
        parent.setblocking(False)
        self.ctl = parent
        loop = asyncio.get_running_loop()
        self._reader = asyncio.StreamReader(limit=1 << 20)
        self._transport, _ = await loop.connect_accepted_socket(
            lambda: asyncio.StreamReaderProtocol(self._reader), sock=parent)
        header = await asyncio.wait_for(self._read(), 60)
        if header.get("op") != "hello":
            raise RuntimeError(f"zygote said {header!r}")
        self.pid, self.python, self.notes = header["pid"], header["python"], header.get("notes") or []
        self._task = asyncio.create_task(self._listen(), name=f"zygote-{self.pid}")
        log.info("zygote %s ready (Python %s, pid %s)", self.executable, self.python, self.pid)

    async def _read(self) -> dict:
        assert self._reader is not None
        import json

        hlen, blen = _HEAD.unpack(await self._reader.readexactly(_HEAD.size))
        header = json.loads(await self._reader.readexactly(hlen))
        if blen:
            await self._reader.readexactly(blen)
        return header

    async def _listen(self) -> None:
        try:
            while True:
                msg = await self._read()
                if msg["op"] == "spawned":
                    fut = self._pending.pop(msg["token"], None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg["pid"])
                elif msg["op"] == "exited":
                    fut = self._exits.pop(msg["pid"], None)
                    if fut is None:
                        fut = asyncio.get_running_loop().create_future()
                        self._exits[msg["pid"]] = fut
                        # nobody asked yet: keep it briefly for a late waiter
                        asyncio.get_running_loop().call_later(30, self._exits.pop, msg["pid"], None)
                    if not fut.done():
                        fut.set_result(msg["status"])
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ZygoteGone())
            self._pending.clear()

    async def spawn(self, cfg: dict, worker_end: socket.socket) -> int:
        """Fork a worker that runs ``cfg`` on ``worker_end``; returns its pid."""
        if self.closed or self.ctl is None:
            raise ZygoteGone()
        token = next(self._tokens)
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending[token] = fut
        import json

        head = json.dumps({"op": "spawn", "token": token, "cfg": cfg}, separators=(",", ":")).encode()
        data = _HEAD.pack(len(head), 0) + head
        try:
            _send_with_fd(self.ctl, data, worker_end.fileno())
        except OSError as exc:
            self._pending.pop(token, None)
            raise ZygoteGone() from exc
        return await asyncio.wait_for(fut, 30)

    def exit_status(self, pid: int) -> asyncio.Future[int]:
        """A future resolved with the worker's ``waitpid`` status when the zygote reaps it."""
        fut = self._exits.get(pid)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._exits[pid] = fut
        return fut

    async def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()
        if self._task is not None:
            self._task.cancel()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            deadline = time.monotonic() + 3
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()


def _send_with_fd(sock: socket.socket, data: bytes, fd: int) -> None:
    """Send ``data`` with ``fd`` attached to its first byte (the socket is non-blocking but local
    and the frame small; a full buffer is waited out briefly)."""
    sent = 0
    first = True
    deadline = time.monotonic() + 5
    while sent < len(data):
        try:
            if first:
                sent += socket.send_fds(sock, [data], [fd])
                first = False
            else:
                sent += sock.send(data[sent:])
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.001)


class Zygotes:
    """The zygotes of one server, by interpreter path; started lazily, restarted if they die."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self._by_exe: dict[str, Zygote] = {}
        self._lock = asyncio.Lock()
        self.data_dir = data_dir

    async def get(self, executable: str) -> Zygote:
        z = self._by_exe.get(executable)
        if z is not None and not z.closed:
            return z
        async with self._lock:
            z = self._by_exe.get(executable)
            if z is None or z.closed:
                if z is not None:
                    await z.close()
                sdk = None
                if executable != sys.executable and self.data_dir is not None:
                    sdk = sdk_dir(self.data_dir / "lambda" / "sdk")
                z = Zygote(executable, sdk)
                await z.start()
                self._by_exe[executable] = z
        return z

    async def close(self) -> None:
        for z in list(self._by_exe.values()):
            await z.close()
        self._by_exe.clear()
