"""Shared bench machinery: start servers, sign requests, drive raw HTTP load, report.

The light load generator is a plain asyncio HTTP/1.1 client over keep-alive
connections: requests are SigV4-signed with botocore ahead of time (or on the
fly where a response feeds the next request), so the client costs little next
to the server under test.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials("test", "test")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident set size of a process (and its children are not included)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def machine() -> str:
    cpu = "unknown cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


@dataclass
class Server:
    name: str
    endpoint: str
    proc: subprocess.Popen
    tmp: str | None = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def pid(self) -> int:
        return self.proc.pid


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


def start_squall(backend: str = "sqlite") -> Server:
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="squall-bench-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "squall", "up", "--port", str(port), "--data-dir", tmp, "--backend", backend,
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/_squall/health", proc)
    return Server("squall", endpoint, proc, tmp)


def start_moto() -> Server:
    port = free_port()
    local = Path(sys.executable).parent / "moto_server"
    exe = str(local) if local.exists() else (shutil.which("moto_server") or "moto_server")
    proc = subprocess.Popen([exe, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/moto-api/", proc)
    return Server("moto", endpoint, proc)


# ---- signing ---------------------------------------------------------------
def sign_json(endpoint: str, service: str, target: str, body: bytes, region: str = "us-east-1") -> tuple[bytes, bytes]:
    """A signed AWS JSON-protocol POST, returned as (head bytes, body bytes)."""
    return sign_request(endpoint, service, "POST", "/", body, {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target}, region)


def sign_request(endpoint: str, service: str, method: str, path: str, body: bytes = b"",
                 headers: dict[str, str] | None = None, region: str = "us-east-1") -> tuple[bytes, bytes]:
    """Any SigV4-signed request (REST APIs: Lambda's Invoke, …) as (head bytes, body bytes)."""
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers or {}))
    SigV4Auth(CREDS, service, region).add_auth(req)
    host = endpoint.split("://", 1)[1]
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    for k, v in req.headers.items():
        if k.lower() not in ("host", "content-length"):
            lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), body


# ---- raw HTTP client ---------------------------------------------------------
class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, endpoint: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.endpoint = endpoint
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, endpoint: str) -> Conn:
        r, w = await cls._connect(endpoint)
        return cls(endpoint, r, w)

    @staticmethod
    async def _connect(endpoint: str):
        host, port = endpoint.split("://", 1)[1].split(":")
        return await asyncio.open_connection(host, int(port))

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        """Send one request and read its response; servers that close the connection
        after each response (HTTP/1.0 style, e.g. werkzeug) get a fresh connection."""
        if self.writer.is_closing() or self.reader.at_eof():
            self.reader, self.writer = await self._connect(self.endpoint)
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            self.reader, self.writer = await self._connect(self.endpoint)
            self.writer.write(head + body)
            status_line = await self.reader.readline()
        version, status = status_line.split()[:2]
        close = version == b"HTTP/1.0"
        length: int | None = None
        chunked = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            lname = name.strip().lower()
            if lname == b"content-length":
                length = int(value)
            elif lname == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif lname == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            out = bytes(data)
        elif length is None:
            out = await self.reader.read()
            close = True
        else:
            out = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
        return int(status), out

    def close(self) -> None:
        self.writer.close()


@dataclass
class Result:
    ops: int = 0
    items: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def items_per_s(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(len(data) * p))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.pct(0.99)


async def drive(endpoint: str, seconds: float, conns: int, requests: list[tuple[bytes, bytes]],
                ok: Callable[[int, bytes], bool], items_per_request: int = 1) -> Result:
    """``conns`` keep-alive connections cycling through pre-signed ``requests`` for ``seconds``;
    ``ok(status, body)`` decides success. Latency is per request."""
    res = Result()
    deadline = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        conn = await Conn.open(endpoint)
        i = k
        try:
            while time.perf_counter() < deadline:
                head, body = requests[i % len(requests)]
                i += conns
                t = time.perf_counter()
                status, data = await conn.request(head, body)
                res.latencies.append(time.perf_counter() - t)
                if ok(status, data):
                    res.ops += 1
                    res.items += items_per_request
                else:
                    res.errors += 1
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(conns)))
    res.seconds = time.perf_counter() - start
    return res


def table(rows: list[tuple[str, str, str, str]], headers: tuple[str, str, str, str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    out = [" | ".join(str(h).ljust(w) for h, w in zip(headers, widths))]
    out.append("-+-".join("-" * w for w in widths))
    for r in rows:
        out.append(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    return "\n".join(out)
