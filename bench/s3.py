"""S3 throughput and latency: squall vs moto's server, side by side in one run.

Workloads (light load generator: pre-signed raw HTTP/1.1 from asyncio, keep-alive):

* small PUT and GET of 1 KiB objects (ops/s, p50/p99);
* one large object PUT and GET (default 1 GiB; ``--large-gb 5`` for the memory check),
  streamed from/to the socket in 1 MiB pieces, compared with this disk's own sequential
  write speed measured in the same run (1 GiB written + fsynced in the server's data dir
  file system) — the physical limit;
* peak server RSS during the large transfers (sampled every 50 ms);
* the same large PUT into ``bench/s3_sink.py`` — a bare uvicorn app doing only the work
  every S3 upload needs (MD5 for the ETag, file write, fsync): the practical ceiling.

    python bench/s3.py [--seconds 6] [--connections 32] [--large-gb 1] [--no-moto] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from typing import Self

from common import (
    CREDS,
    Conn,
    Result,
    drive,
    free_port,
    machine,
    rss_mb,
    start_moto,
    start_squall,
    table,
    wait_http,
)

MIB = 1024 * 1024
SMALL = os.urandom(1024)


class _UnsignedPayload(S3SigV4Auth):
    def payload(self, request: AWSRequest) -> str:
        return "UNSIGNED-PAYLOAD"


def sign_s3(endpoint: str, method: str, path: str, body: bytes = b"", *, unsigned: bool = False,
            length: int | None = None) -> bytes:
    """A signed S3 request head (path-style); ``unsigned`` signs ``UNSIGNED-PAYLOAD`` (streamed bodies)."""
    req = AWSRequest(method=method, url=endpoint + path, data=b"" if unsigned else body)
    (_UnsignedPayload if unsigned else S3SigV4Auth)(CREDS, "s3", "us-east-1").add_auth(req)
    host = endpoint.split("://", 1)[1]
    size = length if length is not None else len(body)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    if method in ("PUT", "POST"):
        lines.append(f"Content-Length: {size}")
    for k, v in req.headers.items():
        if k.lower() not in ("host", "content-length"):
            lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _create_bucket(endpoint: str, bucket: str) -> None:
    conn = await Conn.open(endpoint)
    status, body = await conn.request(sign_s3(endpoint, "PUT", f"/{bucket}"), b"")
    conn.close()
    if status not in (200, 409):
        raise RuntimeError(f"create bucket: {status} {body[:200]!r}")


async def small(endpoint: str, bucket: str, method: str, seconds: float, conns: int) -> Result:
    body = SMALL if method == "PUT" else b""
    pool = [(sign_s3(endpoint, method, f"/{bucket}/small/{i:04d}", body), body) for i in range(256)]
    return await drive(endpoint, seconds, conns, pool,
                       lambda status, data: status == 200 and (method == "PUT" or len(data) == len(SMALL)))


async def large_put(endpoint: str, bucket: str, size: int) -> float:
    host, port = endpoint.split("://", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=4 * MIB)
    writer.write(sign_s3(endpoint, "PUT", f"/{bucket}/large", unsigned=True, length=size))
    chunk = os.urandom(MIB)
    start = time.perf_counter()
    sent = 0
    while sent < size:
        n = min(MIB, size - sent)
        writer.write(chunk[:n])
        sent += n
        await writer.drain()
    status = await reader.readline()
    elapsed = time.perf_counter() - start
    writer.close()
    if b" 200 " not in status:
        raise RuntimeError(f"large PUT: {status!r}")
    return size / elapsed / MIB


async def large_get(endpoint: str, bucket: str, size: int) -> float:
    host, port = endpoint.split("://", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port), limit=4 * MIB)
    start = time.perf_counter()
    writer.write(sign_s3(endpoint, "GET", f"/{bucket}/large"))
    length = None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    got = 0
    while got < (length or 0):
        data = await reader.read(4 * MIB)
        if not data:
            break
        got += len(data)
    elapsed = time.perf_counter() - start
    writer.close()
    if got != size:
        raise RuntimeError(f"large GET returned {got} of {size} bytes")
    return size / elapsed / MIB


def disk_speed(directory: str, size: int = 1024 * MIB) -> float:
    """Sequential write + fsync of ``size`` bytes in ``directory``: the physical ceiling."""
    chunk = os.urandom(MIB)
    path = os.path.join(directory, "disk-speed.tmp")
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(size // MIB):
            os.write(fd, chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(path)
    return size / (time.perf_counter() - start) / MIB


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.05)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_server(srv, args) -> dict[str, object]:
    out: dict[str, object] = {}
    bucket = "bench"
    asyncio.run(_create_bucket(srv.endpoint, bucket))
    out["put"] = asyncio.run(small(srv.endpoint, bucket, "PUT", args.seconds, args.connections))
    out["get"] = asyncio.run(small(srv.endpoint, bucket, "GET", args.seconds, args.connections))
    size = int(args.large_gb * 1024) * MIB
    out["idle_rss"] = rss_mb(srv.pid)
    with RssSampler(srv.pid) as sampler:
        out["large_put"] = asyncio.run(large_put(srv.endpoint, bucket, size))
        out["large_get"] = asyncio.run(large_get(srv.endpoint, bucket, size))
    out["peak_rss"] = sampler.peak
    return out


def sink_put(size: int, directory: str) -> float:
    """Large PUT throughput into the minimal MD5 + write + fsync app (the ceiling)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "s3_sink:app", "--app-dir", str(Path(__file__).parent),
         "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "SINK_DIR": directory}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_http(endpoint + "/", proc)
        return asyncio.run(large_put(endpoint, "sink", size))
    finally:
        proc.terminate()
        proc.wait(15)


def fmt_small(r: Result) -> str:
    return f"{r.ops_per_s:,.0f} ops/s  p50 {r.p50:.1f} ms  p99 {r.p99:.1f} ms  err {r.errors}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--large-gb", type=float, default=1.0)
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--no-moto", action="store_true")
    args = ap.parse_args()

    print(f"# bench/s3.py — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# squall backend: {args.backend}; {args.seconds}s per small workload; {args.connections} connections; "
          f"large object {args.large_gb:g} GiB")
    results: dict[str, dict[str, object]] = {}
    squall = start_squall(args.backend)
    try:
        disk = disk_speed(squall.tmp or tempfile.gettempdir(), int(args.large_gb * 1024) * MIB)
        results["squall"] = run_server(squall, args)
        ceiling = sink_put(int(args.large_gb * 1024) * MIB, squall.tmp or tempfile.gettempdir())
    finally:
        squall.stop()
    if not args.no_moto:
        moto = start_moto()
        try:
            results["moto"] = run_server(moto, args)
        finally:
            moto.stop()

    def cell(name: str, key: str) -> str:
        r = results.get(name)
        if r is None:
            return "-"
        v = r[key]
        if isinstance(v, Result):
            return fmt_small(v)
        if key.startswith("large"):
            return f"{v:,.0f} MB/s ({v / disk:.0%} of disk)"
        return f"{v:,.1f} MB"

    def ratio(key: str) -> str:
        if "moto" not in results:
            return "-"
        a, b = results["squall"][key], results["moto"][key]
        if isinstance(a, Result):
            a, b = a.ops_per_s, b.ops_per_s
        return f"{a / b:.1f}x" if b else "-"

    rows = [
        ("PUT 1 KiB", cell("squall", "put"), cell("moto", "put"), ratio("put")),
        ("GET 1 KiB", cell("squall", "get"), cell("moto", "get"), ratio("get")),
        (f"PUT {args.large_gb:g} GiB", cell("squall", "large_put"), cell("moto", "large_put"), ratio("large_put")),
        (f"GET {args.large_gb:g} GiB", cell("squall", "large_get"), cell("moto", "large_get"), ratio("large_get")),
        ("RSS idle", cell("squall", "idle_rss"), cell("moto", "idle_rss"), "-"),
        ("RSS peak (large transfers)", cell("squall", "peak_rss"), cell("moto", "peak_rss"), "-"),
    ]
    print()
    print(table(rows, ("workload", "squall", "moto_server", "squall/moto")))
    print(f"\ndisk sequential write ({args.large_gb:g} GiB + fsync, same file system): {disk:,.0f} MB/s")
    print(f"same PUT into a bare uvicorn app doing only MD5 + write + fsync (bench/s3_sink.py): "
          f"{ceiling:,.0f} MB/s (squall: {results['squall']['large_put'] / ceiling:.0%} of it)")


if __name__ == "__main__":
    main()
