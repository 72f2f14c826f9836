"""SQS throughput and latency: squall vs moto's server, side by side in one run.

Two load generators:
* ``boto3``: threads each with its own boto3 client (what users run; boto3's own
  per-call cost caps what it can show);
* ``raw``: pre-signed HTTP requests from asyncio over keep-alive connections —
  light enough that the server is the bottleneck.

Workloads: SendMessage, SendMessageBatch (10 × 100 B), ReceiveMessage(10) +
DeleteMessageBatch. Also: idle RSS, and RSS with a large backlog (``--backlog``).

    python bench/sqs.py [--seconds 8] [--connections 32] [--backlog 1000000] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import sys
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Conn,
    Result,
    Server,
    drive,
    machine,
    rss_mb,
    sign_json,
    start_moto,
    start_squall,
    table,
)

BODY = "x" * 100
TARGET = "AmazonSQS."


def _client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 0},
                                                                     max_pool_connections=64))


def _batch_body(url: str, n: int = 10) -> bytes:
    return orjson.dumps({"QueueUrl": url, "Entries": [{"Id": str(i), "MessageBody": BODY} for i in range(n)]})


# ---- raw load ------------------------------------------------------------------
async def raw_send(endpoint: str, url: str, seconds: float, conns: int, batch: bool) -> Result:
    target = TARGET + ("SendMessageBatch" if batch else "SendMessage")
    body = _batch_body(url) if batch else orjson.dumps({"QueueUrl": url, "MessageBody": BODY})
    # Pre-sign a pool of requests (the signature's date stays valid for 15 min).
    pool = [sign_json(endpoint, "sqs", target, body) for _ in range(64)]
    return await drive(endpoint, seconds, conns, pool, lambda status, _: status == 200, 10 if batch else 1)


async def raw_receive_delete(endpoint: str, url: str, seconds: float, conns: int) -> Result:
    recv = orjson.dumps({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 60})
    res = Result()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        conn = await Conn.open(endpoint)
        try:
            while time.perf_counter() < deadline:
                head, b = sign_json(endpoint, "sqs", TARGET + "ReceiveMessage", recv)
                t = time.perf_counter()
                status, data = await conn.request(head, b)
                if status != 200:
                    res.errors += 1
                    continue
                msgs = orjson.loads(data).get("Messages", [])
                if not msgs:
                    break
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)]
                head, b = sign_json(endpoint, "sqs", TARGET + "DeleteMessageBatch",
                                    orjson.dumps({"QueueUrl": url, "Entries": entries}))
                status, data = await conn.request(head, b)
                res.latencies.append(time.perf_counter() - t)
                if status == 200:
                    res.ops += 1
                    res.items += len(orjson.loads(data).get("Successful", []))
                else:
                    res.errors += 1
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    res.seconds = time.perf_counter() - start
    return res


# ---- boto3 load --------------------------------------------------------------------
def boto_load(endpoint: str, url: str, seconds: float, threads: int, kind: str) -> Result:
    res = Result()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    entries = [{"Id": str(i), "MessageBody": BODY} for i in range(10)]

    def worker() -> None:
        c = _client(endpoint)
        local = Result()
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                if kind == "send":
                    c.send_message(QueueUrl=url, MessageBody=BODY)
                    n = 1
                elif kind == "batch":
                    n = len(c.send_message_batch(QueueUrl=url, Entries=entries).get("Successful", []))
                else:
                    msgs = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
                    msgs = msgs.get("Messages", [])
                    if not msgs:
                        break
                    out = c.delete_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
                    n = len(out.get("Successful", []))
            except Exception:  # noqa: BLE001 - count and go on
                local.errors += 1
                continue
            local.latencies.append(time.perf_counter() - t)
            local.ops += 1
            local.items += n
        with lock:
            res.ops += local.ops
            res.items += local.items
            res.errors += local.errors
            res.latencies += local.latencies

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    res.seconds = time.perf_counter() - start
    return res


def run_target(server: Server, args) -> dict[str, Result]:
    c = _client(server.endpoint)
    out: dict[str, Result] = {}
    q = lambda name: c.create_queue(QueueName=f"{name}-{int(time.time() * 1000)}")["QueueUrl"]
    # raw
    url = q("raw")
    out["raw SendMessage"] = asyncio.run(raw_send(server.endpoint, url, args.seconds, args.connections, False))
    out["raw SendMessageBatch"] = asyncio.run(raw_send(server.endpoint, url, args.seconds, args.connections, True))
    out["raw Receive+DeleteBatch"] = asyncio.run(raw_receive_delete(server.endpoint, url, args.seconds,
                                                                    args.connections))
    # boto3
    url = q("boto")
    out["boto3 SendMessage"] = boto_load(server.endpoint, url, args.seconds, args.threads, "send")
    out["boto3 SendMessageBatch"] = boto_load(server.endpoint, url, args.seconds, args.threads, "batch")
    out["boto3 Receive+DeleteBatch"] = boto_load(server.endpoint, url, args.seconds, args.threads, "recv")
    return out


def backlog_rss(server: Server, n: int, conns: int) -> tuple[float, float, float]:
    """Send ``n`` messages, then report (RSS before, RSS after, seconds taken)."""
    c = _client(server.endpoint)
    url = c.create_queue(QueueName="backlog")["QueueUrl"]
    before = rss_mb(server.pid)
    body = _batch_body(url)
    reqs = n // 10

    async def go() -> None:
        pool = [sign_json(server.endpoint, "sqs", TARGET + "SendMessageBatch", body) for _ in range(64)]
        counter = iter(range(reqs))

        async def worker() -> None:
            conn = await Conn.open(server.endpoint)
            for i in counter:
                await conn.request(*pool[i % 64])
            conn.close()

        await asyncio.gather(*(worker() for _ in range(conns)))

    t = time.perf_counter()
    asyncio.run(go())
    took = time.perf_counter() - t
    time.sleep(1)
    return before, rss_mb(server.pid), took


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--backend", default="sqlite")
    p.add_argument("--backlog", type=int, default=0, help="messages to leave in a queue for the RSS check")
    p.add_argument("--no-moto", action="store_true")
    p.add_argument("--json", type=Path, help="write raw figures here")
    args = p.parse_args()

    print(f"# bench/sqs.py — {datetime.date.today()} — {machine()}")
    print(f"# squall backend: {args.backend}; {args.seconds}s per workload; raw: {args.connections} connections;"
          f" boto3: {args.threads} threads\n")
    results: dict[str, dict[str, Result]] = {}
    squall = start_squall(args.backend)
    try:
        time.sleep(1)
        idle = rss_mb(squall.pid)
        results["squall"] = run_target(squall, args)
        backlog = backlog_rss(squall, args.backlog, args.connections) if args.backlog else None
    finally:
        squall.stop()
    if not args.no_moto:
        moto = start_moto()
        try:
            results["moto"] = run_target(moto, args)
        finally:
            moto.stop()

    rows = []
    for work, r in results["squall"].items():
        m = results.get("moto", {}).get(work)
        ratio = f"{r.items_per_s / m.items_per_s:.1f}x" if m and m.items_per_s else "-"
        rows.append((work,
                     f"{r.items_per_s:,.0f} msg/s  p50 {r.p50:.1f} ms  p99 {r.p99:.1f} ms  err {r.errors}",
                     f"{m.items_per_s:,.0f} msg/s  p50 {m.p50:.1f} ms  p99 {m.p99:.1f} ms  err {m.errors}"
                     if m else "-", ratio))
    print(table(rows, ("workload", "squall", "moto_server", "squall/moto")))
    print(f"\nsquall idle RSS: {idle:.1f} MB")
    if backlog:
        before, after, took = backlog
        print(f"squall RSS with a {args.backlog:,}-message backlog: {before:.1f} MB before → {after:.1f} MB after"
              f" (sent in {took:.1f}s, {args.backlog / took:,.0f} msg/s)")
    if args.json:
        args.json.write_text(json.dumps({t: {w: {"items_per_s": r.items_per_s, "p50_ms": r.p50, "p99_ms": r.p99,
                                                   "errors": r.errors} for w, r in rs.items()}
                                         for t, rs in results.items()}, indent=2))


if __name__ == "__main__":
    main()
