"""Engine micro-benchmark: durable transactions/s and lease+ack cycles/s per backend.

* ``enqueue``: many concurrent ``transact()`` calls, each enqueuing 10 items of
  200 B — what SendMessageBatch costs the engine; group commit shows here.
* ``lease+ack``: one consumer doing lease(10) then ack(10) in two
  transactions, sequentially — the latency of a receive/delete round.
* ``lease+ack (8 consumers)``: the same with 8 concurrent consumers.
* ``read under load``: latency of a one-record ``read()`` (one every ms) while
  64 writers run 10-item enqueues — SQLite serves reads on a separate
  connection, so they do not queue behind the writer's fsync.
* ``--million``: also time lease+ack and stats with 1,000,000 items queued.

Usage: ``python bench/engine.py [--seconds 3] [--pg postgresql://127.0.0.1:5432/test] [--million]``.
PostgreSQL runs in a scratch database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from squall.engine import Engine, open_engine

BODY = b"x" * 200


async def bench_enqueue(e: Engine, seconds: float, concurrency: int = 256) -> float:
    def fn(tx):
        for _ in range(10):
            tx.enqueue("bench", BODY)

    done = 0
    stop = time.perf_counter() + seconds

    async def client():
        nonlocal done
        while time.perf_counter() < stop:
            await e.transact(fn)
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done / (time.perf_counter() - t0)


async def bench_lease_ack(e: Engine, seconds: float, consumers: int = 1) -> float:
    cycles = 0
    stop = time.perf_counter() + seconds

    async def consumer():
        nonlocal cycles
        while time.perf_counter() < stop:
            items = await e.transact(lambda tx: tx.lease("bench", 10, 30))
            if not items:
                return
            await e.transact(lambda tx, items=items: [tx.ack("bench", i.id, i.lease_token) for i in items])
            cycles += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(consumer() for _ in range(consumers)))
    return cycles / (time.perf_counter() - t0)


async def bench_read_under_load(e: Engine, seconds: float, writers: int = 64) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, writes/s) for point reads while ``writers`` clients enqueue."""
    stop = time.perf_counter() + seconds
    writes, lat = 0, []

    def fn(tx):
        for _ in range(10):
            tx.enqueue("load", BODY)

    async def writer():
        nonlocal writes
        while time.perf_counter() < stop:
            await e.transact(fn)
            writes += 1

    async def reader():
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            await e.read(lambda tx: tx.get("ns", "key"))
            lat.append(time.perf_counter() - t0)
            await asyncio.sleep(0.001)

    await asyncio.gather(reader(), *(writer() for _ in range(writers)))
    lat.sort()
    return lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000, writes / seconds


async def bench_million(e: Engine) -> None:
    def fill(tx):
        for _ in range(10_000):
            tx.enqueue("big", BODY)

    t0 = time.perf_counter()
    for _ in range(100):
        await e.transact(fill)
    print(f"  filled 1,000,000 items in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    n = 200
    for _ in range(n):
        items = await e.transact(lambda tx: tx.lease("big", 10, 30))
        await e.transact(lambda tx, items=items: [tx.ack("big", i.id, i.lease_token) for i in items])
    print(f"  lease(10)+ack with 1M queued: {(time.perf_counter() - t0) / n * 1000:.2f} ms/cycle")
    t0 = time.perf_counter()
    stats = await e.read(lambda tx: tx.stats("big"))
    print(f"  stats() with 1M queued: {(time.perf_counter() - t0) * 1000:.0f} ms {stats}")
    print(f"  max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


async def run(backend: str, label: str, seconds: float, million: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        e = open_engine(backend, Path(d))
        await e.start()
        try:
            tps = await bench_enqueue(e, seconds)
            print(f"{label:10} enqueue(10 x 200 B) transact/s: {tps:10,.0f}"
                  + (f"   ({tps / e.batches * seconds:.0f} per commit)" if hasattr(e, "batches") and e.batches else ""))
            one = await bench_lease_ack(e, seconds)
            print(f"{label:10} lease(10)+ack cycles/s, 1 consumer: {one:8,.0f}   ({1000 / one:.2f} ms/cycle)")
            many = await bench_lease_ack(e, seconds, consumers=8)
            print(f"{label:10} lease(10)+ack cycles/s, 8 consumers: {many:7,.0f}")
            p50, p99, wps = await bench_read_under_load(e, seconds)
            print(f"{label:10} read() under 64 writers: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({wps:,.0f} writes/s)")
            if million:
                await bench_million(e)
        finally:
            await e.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--pg", default="postgresql://127.0.0.1:5432/test", help="admin URL ('' to skip)")
    ap.add_argument("--million", action="store_true")
    args = ap.parse_args()
    asyncio.run(run("sqlite", "sqlite", args.seconds, args.million))
    if args.pg:
        import psycopg

        name = "squall_bench_" + uuid.uuid4().hex[:8]
        try:
            admin = psycopg.connect(args.pg, autocommit=True, connect_timeout=3)
        except Exception as exc:  # noqa: BLE001
            print(f"postgres   skipped: {exc}")
            return
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            asyncio.run(run(args.pg.rsplit("/", 1)[0] + "/" + name, "postgres", args.seconds, args.million))
        finally:
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
