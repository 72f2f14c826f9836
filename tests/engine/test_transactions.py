"""Transactions: isolation of failures, after-commit hooks, wake-ups, durability, close."""

from __future__ import annotations

import asyncio
import time

import pytest

from squall.engine import EngineError, queue_channel


class Boom(Exception):
    pass


def test_exception_rolls_back_only_that_transaction(run):
    async def body(e):
        def bad(tx):
            tx.put("ns", "bad", b"x")
            tx.enqueue("q", b"bad")
            tx.after_commit(lambda: hits.append("bad"))
            raise Boom("nope")

        hits: list[str] = []

        def good(n):
            def fn(tx):
                tx.put("ns", f"good{n}", b"x")
                tx.after_commit(lambda: hits.append(f"good{n}"))
                return n
            return fn

        results = await asyncio.gather(e.transact(good(1)), e.transact(bad),
                                       e.transact(good(2)), return_exceptions=True)
        assert results[0] == 1 and isinstance(results[1], Boom) and results[2] == 2
        assert await e.read(lambda tx: tx.get("ns", "bad")) is None
        assert [k for k, _ in await e.read(lambda tx: tx.scan("ns"))] == ["good1", "good2"]
        assert await e.read(lambda tx: tx.peek_items("q")) == []
        assert sorted(hits) == ["good1", "good2"]
        with pytest.raises(Boom):
            await e.transact(bad)
        # a failure first in a group-commit batch, and failures on either side of a success
        results = await asyncio.gather(e.transact(bad), e.transact(good(3)), e.transact(bad),
                                       e.transact(good(4)), e.transact(bad), return_exceptions=True)
        assert [type(r) if isinstance(r, Exception) else r for r in results] == [Boom, 3, Boom, 4, Boom]
        assert [k for k, _ in await e.read(lambda tx: tx.scan("ns"))] == ["good1", "good2", "good3", "good4"]
        assert await e.read(lambda tx: tx.peek_items("q")) == []
        assert sorted(hits) == ["good1", "good2", "good3", "good4"]

    run(body)


def test_reads_see_acknowledged_writes_while_writers_run(run):
    async def body(e):
        async def writer(n):
            await e.transact(lambda tx: tx.put("w", f"{n:04}", b"x"))
            return await e.read(lambda tx: tx.get("w", f"{n:04}"))

        async def scanner():
            for _ in range(20):
                rows = await e.read(lambda tx: tx.scan("w"))
                keys = [k for k, _ in rows]
                assert keys == sorted(keys)
                await asyncio.sleep(0)

        got = await asyncio.gather(*(writer(n) for n in range(200)), scanner())
        assert got[:200] == [b"x"] * 200

        def failing_read(tx):
            tx.get("w", "0000")
            raise Boom()

        with pytest.raises(Boom):
            await e.read(failing_read)
        assert await e.read(lambda tx: tx.get("w", "0001")) == b"x"

    run(body)


def test_tx_now_uses_engine_clock(run, clock):
    async def body(e):
        assert e.now() == clock.t
        assert await e.transact(lambda tx: tx.now) == clock.t
        clock.advance(5)
        assert await e.read(lambda tx: tx.now) == clock.t == e.now()

    run(body)


def test_wait_wakes_on_enqueue_and_notify(run):
    async def body(e):
        waiter = asyncio.ensure_future(e.wait(queue_channel("q"), 10))
        await asyncio.sleep(0.01)
        t0 = time.monotonic()
        await e.transact(lambda tx: tx.enqueue("q", b"x"))
        assert await waiter is True
        assert time.monotonic() - t0 < 1.0
        other = asyncio.ensure_future(e.wait("custom", 10))
        await asyncio.sleep(0.01)
        await e.transact(lambda tx: tx.notify("custom"))
        assert await other is True
        assert await e.wait("silent", 0.05) is False

        def rolled_back(tx):
            tx.notify("never")
            raise Boom()

        never = asyncio.ensure_future(e.wait("never", 0.2))
        await asyncio.sleep(0.01)
        with pytest.raises(Boom):
            await e.transact(rolled_back)
        assert await never is False

    run(body, fake_clock=False)


def test_durable_across_close_and_reopen(make_engine, backend_spec):
    if backend_spec[0] == "memory":
        pytest.skip("memory is not durable by design")

    async def first():
        e = make_engine()
        await e.start()
        await e.transact(lambda tx: tx.put("ns", "k", b"v"))
        await e.transact(lambda tx: tx.enqueue("q", b"item", id="i1"))
        await e.transact(lambda tx: tx.append("L", "p", b"rec"))
        await e.transact(lambda tx: tx.set_timer("t", 5.0, b"p"))
        await e.close()

    async def second():
        e = make_engine()
        await e.start()
        try:
            assert await e.read(lambda tx: tx.get("ns", "k")) == b"v"
            assert (await e.read(lambda tx: tx.get_item("q", "i1"))).body == b"item"
            assert [r.data for r in await e.read(lambda tx: tx.read_log("L", "p"))] == [b"rec"]
            assert await e.read(lambda tx: tx.next_timer_due()) == 5.0
        finally:
            await e.close()

    asyncio.run(first())
    asyncio.run(second())


def test_close_finishes_queued_transactions_and_is_idempotent(make_engine):
    async def body():
        e = make_engine()
        await e.start()
        pending = [asyncio.ensure_future(e.transact(lambda tx, n=n: tx.put("ns", f"{n:04}", b"x") or n))
                   for n in range(200)]
        await asyncio.sleep(0)
        await e.close()
        assert [await p for p in pending] == list(range(200))
        await e.close()
        with pytest.raises(EngineError):
            await e.transact(lambda tx: None)

    asyncio.run(body())


def test_concurrent_transactions_all_commit(run):
    async def body(e):
        def add(n):
            def fn(tx):
                tx.enqueue("q", b"x" * 200)
                return tx.append("L", "p", str(n).encode())
            return fn

        seqs = await asyncio.gather(*(e.transact(add(n)) for n in range(300)))
        assert len(set(seqs)) == 300
        assert (await e.read(lambda tx: tx.stats("q"))).visible == 300

    run(body)


def test_peek_sees_acknowledged_writes_and_works_while_the_reader_is_busy(run):
    async def body(e):
        await e.transact(lambda tx: tx.put("ns", "k", b"v1"))
        assert await e.peek(lambda tx: tx.get("ns", "k")) == b"v1"
        await e.transact(lambda tx: tx.put("ns", "k", b"v2"))
        scans = [e.read(lambda tx: tx.scan("ns")) for _ in range(20)]
        peeks = [e.peek(lambda tx: tx.get("ns", "k")) for _ in range(20)]
        results = await asyncio.gather(*scans, *peeks)
        assert results[20:] == [b"v2"] * 20

    run(body)
