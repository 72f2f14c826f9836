"""Concurrent leasers and appenders: no double leases, FIFO groups stay blocked,
log seqs strictly increase; on PostgreSQL across two engines ("nodes") sharing
one database, including cross-node wake-ups via LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from squall.engine import EngineLocked, open_engine, queue_channel


def _nodes(backend_spec, make_engine):
    """Two engines on one store where the backend allows it (PostgreSQL), else one shared."""
    if backend_spec[0].startswith("postgres"):
        return [make_engine(), make_engine()]
    e = make_engine()
    return [e, e]


def test_concurrent_leasers_never_share_an_item(backend_spec, make_engine):
    async def body():
        nodes = _nodes(backend_spec, make_engine)
        for n in set(nodes):
            await n.start()
        try:
            await nodes[0].transact(lambda tx: [tx.enqueue("q", str(i).encode()) for i in range(400)])
            seen: list[str] = []

            async def consumer(e):
                while True:
                    got = await e.transact(lambda tx: tx.lease("q", 7, 60))
                    if not got:
                        return
                    seen.extend(i.id for i in got)

            await asyncio.gather(*(consumer(nodes[k % 2]) for k in range(8)))
            assert len(seen) == 400 and len(set(seen)) == 400
        finally:
            for n in set(nodes):
                await n.close()

    asyncio.run(body())


def test_fifo_groups_blocked_under_concurrent_leasers(backend_spec, make_engine):
    async def body():
        nodes = _nodes(backend_spec, make_engine)
        for n in set(nodes):
            await n.start()
        try:
            await nodes[0].transact(lambda tx: [tx.enqueue("f", f"{g}:{i}".encode(), group=f"g{g}")
                                                for i in range(10) for g in range(4)])
            order: dict[str, list[int]] = {}
            in_flight: Counter[str] = Counter()

            async def consumer(e):
                idle = 0
                while idle < 3:
                    got = await e.transact(lambda tx: tx.lease("f", 3, 60, fifo=True))
                    if not got:
                        idle += 1
                        await asyncio.sleep(0.005)
                        continue
                    idle = 0
                    groups = {i.group for i in got}
                    for g in groups:
                        assert in_flight[g] == 0, f"group {g} leased while in flight"
                        in_flight[g] += 1
                    for i in got:
                        g, n = i.body.decode().split(":")
                        order.setdefault(g, []).append(int(n))
                    await asyncio.sleep(0.001)
                    for g in groups:
                        in_flight[g] -= 1
                    await e.transact(lambda tx, got=got: [tx.ack("f", i.id, i.lease_token) for i in got])

            await asyncio.gather(*(consumer(nodes[k % 2]) for k in range(6)))
            assert order == {str(g): list(range(10)) for g in range(4)}
        finally:
            for n in set(nodes):
                await n.close()

    asyncio.run(body())


def test_log_seqs_strictly_increase_under_concurrency(backend_spec, make_engine):
    async def body():
        nodes = _nodes(backend_spec, make_engine)
        for n in set(nodes):
            await n.start()
        try:
            seqs = await asyncio.gather(*(nodes[k % 2].transact(lambda tx, k=k: tx.append("L", "p", str(k).encode()))
                                          for k in range(200)))
            assert len(set(seqs)) == 200
            recs = await nodes[0].read(lambda tx: tx.read_log("L", "p", limit=1000))
            assert [r.seq for r in recs] == sorted(seqs)
        finally:
            for n in set(nodes):
                await n.close()

    asyncio.run(body())


def test_cross_node_wakeup(backend_spec, make_engine):
    if not backend_spec[0].startswith("postgres"):
        pytest.skip("one process per SQLite store: wake-ups are in-process (tested elsewhere)")

    async def body():
        a, b = make_engine(), make_engine()
        await a.start()
        await b.start()
        try:
            waiter = asyncio.ensure_future(b.wait(queue_channel("x"), 10))
            await asyncio.sleep(0.05)
            await a.transact(lambda tx: tx.enqueue("x", b"hi"))
            assert await asyncio.wait_for(waiter, 3) is True
        finally:
            await a.close()
            await b.close()

    asyncio.run(body())


def test_sqlite_data_dir_is_locked(tmp_path):
    async def body():
        a = open_engine("sqlite", tmp_path)
        await a.start()
        try:
            with pytest.raises(EngineLocked):
                await open_engine("sqlite", tmp_path).start()
        finally:
            await a.close()
        b = open_engine("sqlite", tmp_path)  # released on close
        await b.start()
        await b.close()

    asyncio.run(body())
