"""API Gateway's data plane: a hello-world route under HTTP load — squall (a Lambda function behind a
function URL, and behind an HTTP API when squall has them) side by side in one run with the same
handler in a plain ASGI app under uvicorn (the practical ceiling for one Python process here) and
served by ``chalice local``.

The handler everywhere: ``def handler(event, context): return {"statusCode": 200, "body": "hello"}``
(``bench/hello_asgi.py``, ``bench/chalice_app/app.py``). Each server runs alone (the others stopped)
and is warmed up first (squall starts one worker process per concurrent request); then ``wrk``
(``--latency``: p50/p99 from its distribution) drives ``--connections`` keep-alive connections for
``--seconds``. Without wrk the asyncio keep-alive driver of ``bench/common.py`` runs instead; the
output names the generator used.

    python bench/apigw.py [--seconds 10] [--connections 50] [--threads 2] [--driver auto|wrk|python]
                          [--backend sqlite] [--no-chalice]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import io
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, drive, free_port, machine, start_squall, wait_http

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::000000000000:role/bench"
HANDLER = "def handler(event, context):\n    return {\"statusCode\": 200, \"body\": \"hello\"}\n"
TARGETS = {"rps": 3000.0, "p99_ms": 20.0, "of_ceiling": 0.5, "over_chalice": 20.0}


@dataclass
class Stats:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and non-2xx answers
    note: str = ""


# ---- load generators ---------------------------------------------------------------------------
def wrk_version() -> str | None:
    exe = shutil.which("wrk")
    if exe is None:
        return None
    out = subprocess.run([exe, "-v"], check=False, capture_output=True, text=True)
    m = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return m[1] if m else "?"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if m is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m[1]) * _UNITS[m[2]]


def parse_wrk(name: str, out: str) -> Stats:
    """requests/s, p50/p99 (``--latency`` distribution), totals and errors from wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)[1])
    requests = int(re.search(r"(\d+) requests in", out)[1])
    errors = 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        errors += int(non2xx[1])
    return Stats(name, rps, p50, p99, requests, errors)


def run_wrk(name: str, url: str, host: str | None, seconds: float, conns: int, threads: int) -> Stats:
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if host:
        cmd += ["-H", f"Host: {host}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(name, out)


def run_python(name: str, url: str, host: str | None, seconds: float, conns: int) -> Stats:
    endpoint = url.split("/", 3)
    base, path = "/".join(endpoint[:3]), "/" + (endpoint[3] if len(endpoint) > 3 else "")
    head = f"GET {path} HTTP/1.1\r\nHost: {host or base.split('://', 1)[1]}\r\n\r\n".encode()
    res = asyncio.run(drive(base, seconds, conns, [(head, b"")], lambda status, body: status == 200))
    return Stats(name, res.ops_per_s, res.p50, res.p99, res.ops + res.errors, res.errors)


def load(name: str, url: str, host: str | None, args: argparse.Namespace, seconds: float | None = None) -> Stats:
    secs = seconds if seconds is not None else args.seconds
    if args.generator == "wrk":
        return run_wrk(name, url, host, secs, args.connections, args.threads)
    return run_python(name, url, host, secs, args.connections)


def check(url: str, host: str | None) -> None:
    """One request must answer 200 "hello" before a target is measured."""
    base = url.split("://", 1)[1].split("/", 1)[0]
    ip, port = base.rsplit(":", 1)
    conn = http.client.HTTPConnection(ip, int(port), timeout=30)
    try:
        conn.request("GET", "/", headers={"Host": host} if host else {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or body != b"hello":
        raise RuntimeError(f"{url} (Host {host}) answered {response.status}: {body[:200]!r}")


def measure(name: str, url: str, host: str | None, args: argparse.Namespace) -> Stats:
    check(url, host)
    load(name, url, host, args, seconds=args.warmup)  # workers, caches, connections
    before = os.getloadavg()[0]
    stats = load(name, url, host, args)
    print(f"  {name}: {stats.rps:,.0f} req/s · p50 {stats.p50_ms:.2f} ms · p99 {stats.p99_ms:.2f} ms"
          f" · {stats.errors} errors (1-min load average {before:.2f} before the run)", flush=True)
    return stats


# ---- the servers -----------------------------------------------------------------------------
def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def squall_targets(srv: Server) -> list[tuple[str, str, str | None, str]]:
    """(name, url, Host header, note) of the hello route through a function URL and, when squall
    serves HTTP APIs, through a quick-created HTTP API."""
    lam = client(srv.endpoint, "lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER)
    name = f"hello-{os.getpid()}"  # a PostgreSQL backend keeps earlier runs' functions
    arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                              Code={"ZipFile": buf.getvalue()}, MemorySize=256, Timeout=30)["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})
    port = srv.endpoint.rsplit(":", 1)[1]
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    targets = [("squall · function URL", f"http://127.0.0.1:{port}/", url.split("://", 1)[1].rstrip("/"), "")]
    try:
        api = client(srv.endpoint, "apigatewayv2").create_api(Name="hello", ProtocolType="HTTP", Target=arn)
        host = f"{api['ApiId']}.execute-api.localhost:{port}"
        check(f"http://127.0.0.1:{port}/", host)
        targets.append(("squall · HTTP API", f"http://127.0.0.1:{port}/", host, ""))
    except Exception as exc:  # noqa: BLE001 - HTTP APIs are still being built: say so, measure the rest
        print(f"  (HTTP API not measured: {type(exc).__name__}: {str(exc)[:120]})", flush=True)
    return targets


def start_asgi() -> Server:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "hello_asgi:app", "--port", str(port), "--loop", "uvloop",
                             "--http", "httptools", "--no-access-log", "--log-level", "warning"],
                            cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/", proc)
    return Server("asgi", endpoint, proc)


def start_chalice() -> Server | None:
    exe = Path(sys.executable).parent / "chalice"
    exe_path = str(exe) if exe.exists() else shutil.which("chalice")
    if exe_path is None:
        return None
    port = free_port()
    proc = subprocess.Popen([exe_path, "local", "--port", str(port), "--no-autoreload"], cwd=HERE / "chalice_app",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(endpoint + "/", proc, timeout=60)
    return Server("chalice", endpoint, proc)


# ---- report ------------------------------------------------------------------------------------
def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "–"


def report(rows: list[Stats], ceiling: Stats | None, chalice: Stats | None) -> None:
    print()
    print("| server | requests/s | p50 | p99 | errors | vs ASGI ceiling | vs chalice local |")
    print("|---|---|---|---|---|---|---|")
    for s in rows:
        vs_ceiling = _ratio(s.rps, ceiling.rps) if ceiling and s is not ceiling else ""
        vs_chalice = _ratio(s.rps, chalice.rps) if chalice and s is not chalice else ""
        print(f"| {s.name} | {s.rps:,.0f} | {s.p50_ms:.2f} ms | {s.p99_ms:.2f} ms | {s.errors} | {vs_ceiling} "
              f"| {vs_chalice} |")
    print()
    for s in rows:
        if not s.name.startswith("squall"):
            continue
        checks = [f"≥ {TARGETS['rps']:,.0f} req/s: {'met' if s.rps >= TARGETS['rps'] else 'MISSED'}",
                  f"p99 ≤ {TARGETS['p99_ms']:.0f} ms: {'met' if s.p99_ms <= TARGETS['p99_ms'] else 'MISSED'}"]
        if ceiling:
            ok = s.rps >= TARGETS["of_ceiling"] * ceiling.rps
            checks.append(f"within 2× of the ASGI ceiling: {'met' if ok else 'MISSED'}")
        if chalice:
            ok = s.rps >= TARGETS["over_chalice"] * chalice.rps
            checks.append(f"≥ 20× chalice local: {'met' if ok else 'MISSED'}")
        print(f"{s.name} — " + " · ".join(checks))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--no-chalice", action="store_true")
    args = ap.parse_args()
    version = wrk_version() if args.driver in ("auto", "wrk") else None
    if args.driver == "wrk" and version is None:
        sys.exit("wrk is not installed (apt-get install wrk), or use --driver python")
    args.generator = "wrk" if version else "python"
    generator = (f"wrk {version} ({args.threads} threads, --latency)" if version
                 else "bench/common.py asyncio keep-alive driver (wrk not installed)")
    print(f"# bench/apigw.py — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# load generator: {generator}; {args.connections} connections, {args.seconds:g} s per server after a "
          f"{args.warmup:g} s warm-up; squall backend {args.backend}; GET / answering 200 \"hello\"", flush=True)

    rows: list[Stats] = []
    srv = start_squall(args.backend)
    try:
        for name, url, host, _note in squall_targets(srv):
            rows.append(measure(name, url, host, args))
    finally:
        srv.stop()

    ceiling = None
    asgi = start_asgi()
    try:
        ceiling = measure("plain ASGI (uvicorn, uvloop + httptools)", asgi.endpoint + "/", None, args)
        rows.append(ceiling)
    finally:
        asgi.stop()

    chalice = None
    if not args.no_chalice:
        peer = start_chalice()
        if peer is None:
            print("  (chalice not installed: pip install chalice)")
        else:
            try:
                chalice = measure("chalice local", peer.endpoint + "/", None, args)
                rows.append(chalice)
            finally:
                peer.stop()
    report(rows, ceiling, chalice)


if __name__ == "__main__":
    main()
