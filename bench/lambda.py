"""Lambda: invoke latency and throughput, cold starts, SQS → function — and Celery on Redis
running the same jobs, side by side in one run.

Workloads:

* warm synchronous Invoke of a trivial handler: sequential on one connection (p50 = the
  whole per-invoke overhead: HTTP, SigV4, routing, the worker round trip) and with
  ``--connections`` concurrent connections (invokes/s, p50/p99) — raw pre-signed HTTP/1.1;
* cold start: the first Invoke of ``--cold`` fresh functions, a trivial handler and one that
  imports boto3 and builds a client at module level (end-to-end latency of that first call);
* ``--jobs`` small jobs: SQS messages → function through an event source mapping with
  BatchSize 10 (the queue is filled first, then the mapping created; time until it drains),
  and the same number of Celery tasks on this machine's Redis (queued first, then a
  ``--concurrency 2`` prefork worker started; time until all ran).

    python bench/lambda.py [--seconds 6] [--connections 32] [--cold 20] [--jobs 100000] [--no-celery]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Conn, drive, machine, rss_mb, sign_request, start_squall, table

ROLE = "arn:aws:iam::000000000000:role/bench"
TRIVIAL = "def handler(event, context):\n    return {'ok': True}\n"
WITH_BOTO3 = ("import boto3\nclient = boto3.client('s3')\n\n"
              "def handler(event, context):\n    return {'ok': True}\n")
NOOP = "def handler(event, context):\n    return None\n"


def _zip(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    return buf.getvalue()


def client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}, read_timeout=300))


def create_function(lam, name: str, code: str) -> None:
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": _zip(code)}, MemorySize=256, Timeout=30)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.05, "MaxAttempts": 400})


def invoke_request(endpoint: str, name: str, body: bytes = b"{}") -> tuple[bytes, bytes]:
    return sign_request(endpoint, "lambda", "POST", f"/2015-03-31/functions/{name}/invocations", body,
                        {"Content-Type": "application/json"})


def _ok(status: int, body: bytes) -> bool:
    return status == 200 and body == b'{"ok": true}'


async def sequential(endpoint: str, name: str, n: int) -> list[float]:
    conn = await Conn.open(endpoint)
    head, body = invoke_request(endpoint, name)
    out = []
    try:
        for _ in range(n):
            t = time.perf_counter()
            status, data = await conn.request(head, body)
            out.append((time.perf_counter() - t) * 1000)
            if not _ok(status, data):
                raise RuntimeError(f"invoke answered {status}: {data[:200]!r}")
    finally:
        conn.close()
    return out


async def first_invoke_ms(endpoint: str, name: str) -> float:
    conn = await Conn.open(endpoint)
    head, body = invoke_request(endpoint, name)
    try:
        t = time.perf_counter()
        status, data = await conn.request(head, body)
        elapsed = (time.perf_counter() - t) * 1000
    finally:
        conn.close()
    if not _ok(status, data):
        raise RuntimeError(f"cold invoke answered {status}: {data[:200]!r}")
    return elapsed


def cold_starts(endpoint: str, lam, code: str, n: int, label: str) -> list[float]:
    times = []
    for i in range(n):
        name = f"cold-{label}-{i}-{uuid.uuid4().hex[:6]}"
        create_function(lam, name, code)
        times.append(asyncio.run(first_invoke_ms(endpoint, name)))
    return times


def fill_queue(sqs, url: str, jobs: int) -> float:
    body = json.dumps({"job": "x" * 64})
    batches = [[{"Id": str(j), "MessageBody": body} for j in range(i, min(i + 10, jobs))]
               for i in range(0, jobs, 10)]
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda b: sqs.send_message_batch(QueueUrl=url, Entries=b), batches))
    return jobs / (time.perf_counter() - start)


def sqs_to_function(endpoint: str, jobs: int) -> tuple[float, float]:
    """(messages/s through the function, messages/s sent) for ``jobs`` messages with BatchSize 10."""
    lam, sqs = client(endpoint, "lambda"), client(endpoint, "sqs")
    create_function(lam, "jobs", NOOP)
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sent_rate = fill_queue(sqs, url, jobs)
    start = time.perf_counter()
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="jobs", BatchSize=10)
    while True:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        if int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 0:
            break
        if time.perf_counter() - start > 600:
            raise RuntimeError(f"queue did not drain: {attrs}")
        time.sleep(0.1)
    return jobs / (time.perf_counter() - start), sent_rate


def celery_jobs(jobs: int) -> tuple[float, float] | None:
    """(jobs/s run by a 2-process Celery worker, jobs/s queued) on Redis db 15."""
    try:
        import celery_jobs as cj
        import redis
    except ImportError:
        return None
    r = redis.Redis.from_url(cj.REDIS_URL)
    try:
        r.flushdb()
    except redis.exceptions.ConnectionError:
        return None
    start = time.perf_counter()
    with cj.app.producer_or_acquire() as producer:
        for _ in range(jobs):
            cj.job.apply_async(({"job": "x" * 64},), producer=producer)
    queued_rate = jobs / (time.perf_counter() - start)
    exe = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    worker = subprocess.Popen([exe, "-A", "celery_jobs", "worker", "--concurrency", "2", "--pool", "prefork",
                               "--loglevel", "warning", "--without-gossip", "--without-mingle",
                               "--without-heartbeat"], cwd=Path(__file__).parent, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        start = time.perf_counter()
        while int(r.get(cj.COUNTER) or 0) < jobs:
            if worker.poll() is not None:
                raise RuntimeError("celery worker exited")
            if time.perf_counter() - start > 900:
                raise RuntimeError("celery did not finish")
            time.sleep(0.05)
        return jobs / (time.perf_counter() - start), queued_rate
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        r.flushdb()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--sequential", type=int, default=2000)
    ap.add_argument("--cold", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--no-celery", action="store_true")
    args = ap.parse_args()

    print(f"# bench/lambda.py — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# squall backend: {args.backend}; {args.seconds}s warm run at {args.connections} connections; "
          f"{args.cold} cold starts per handler; {args.jobs:,} jobs")
    srv = start_squall(args.backend)
    rows = []
    try:
        lam = client(srv.endpoint, "lambda")
        create_function(lam, "hello", TRIVIAL)
        asyncio.run(sequential(srv.endpoint, "hello", 200))  # warm up
        seq = asyncio.run(sequential(srv.endpoint, "hello", args.sequential))
        par = asyncio.run(drive(srv.endpoint, args.seconds, args.connections,
                                [invoke_request(srv.endpoint, "hello")], _ok))
        seq_cell = f"p50 {statistics.median(seq):.2f} ms  p99 {statistics.quantiles(seq, n=100)[98]:.2f} ms"
        par_cell = f"{par.ops_per_s:,.0f} invokes/s  p50 {par.p50:.1f} ms  p99 {par.p99:.1f} ms  err {par.errors}"
        rows.append(("warm invoke, 1 connection", seq_cell, "-", "-"))
        rows.append((f"warm invoke, {args.connections} connections", par_cell, "-", "-"))
        trivial = cold_starts(srv.endpoint, lam, TRIVIAL, args.cold, "trivial")
        boto = cold_starts(srv.endpoint, lam, WITH_BOTO3, args.cold, "boto3")
        for label, times in (("trivial handler", trivial), ("handler importing boto3", boto)):
            cell = f"p50 {statistics.median(times):.1f} ms  max {max(times):.1f} ms"
            rows.append((f"cold start, {label}", cell, "-", "-"))
        rss = rss_mb(srv.pid)
        done, sent = sqs_to_function(srv.endpoint, args.jobs)
        peer = None if args.no_celery else celery_jobs(args.jobs)
        rows.append((f"{args.jobs:,} jobs: run", f"{done:,.0f} msg/s (SQS → function, batch 10)",
                     f"{peer[0]:,.0f} jobs/s" if peer else "-", f"{done / peer[0]:.1f}x" if peer else "-"))
        rows.append((f"{args.jobs:,} jobs: queued", f"{sent:,.0f} msg/s (boto3 SendMessageBatch, 8 threads)",
                     f"{peer[1]:,.0f} jobs/s (apply_async)" if peer else "-", "-"))
        rows.append(("server RSS after the invoke runs", f"{rss:,.1f} MB", "-", "-"))
    finally:
        srv.stop()
    print()
    print(table(rows, ("workload", "squall", "celery (redis, 2 procs)", "squall/celery")))


if __name__ == "__main__":
    main()
