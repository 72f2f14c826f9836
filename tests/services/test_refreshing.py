"""The request path's refreshing cache: one load per miss, stale answers while one refresh runs,
local drops win over loads in flight, failures are not cached."""

from __future__ import annotations

import asyncio

import pytest

from squall.services.refreshing import Refreshing


def run(coro):
    return asyncio.run(coro)


def test_concurrent_misses_share_one_load():
    async def body():
        cache: Refreshing[str, int] = Refreshing(ttl=60)
        calls = 0

        async def load():
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            return 7

        values = await asyncio.gather(*(cache.get("k", load) for _ in range(20)))
        assert values == [7] * 20 and calls == 1
        assert await cache.get("k", load) == 7 and calls == 1

    run(body())


def test_expired_entry_answers_at_once_while_one_refresh_runs():
    async def body():
        cache: Refreshing[str, int] = Refreshing(ttl=0)
        value, calls = 1, 0
        release = asyncio.Event()

        async def load():
            nonlocal calls
            calls += 1
            if calls > 1:
                await release.wait()
            return value

        assert await cache.get("k", load) == 1
        value = 2
        assert [await cache.get("k", load) for _ in range(5)] == [1] * 5  # stale, not waiting
        await asyncio.sleep(0)  # let the refresh start
        assert calls == 2  # one refresh for all five
        release.set()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert cache.peek("k") == 2

    run(body())


def test_drop_during_a_load_discards_its_result():
    async def body():
        cache: Refreshing[str, str] = Refreshing(ttl=60)
        gate = asyncio.Event()

        async def slow():
            await gate.wait()
            return "old"

        pending = asyncio.ensure_future(cache.get("k", slow))
        await asyncio.sleep(0)
        cache.drop("k")  # a local change committed while the load ran
        gate.set()
        assert await pending == "old"  # the asker still gets an answer
        assert cache.peek("k") is None  # but it is not kept

        async def fresh():
            return "new"

        assert await cache.get("k", fresh) == "new"

    run(body())


def test_failures_and_unkept_values_are_not_cached():
    async def body():
        cache: Refreshing[str, int] = Refreshing(ttl=60)

        async def boom():
            raise KeyError("gone")

        with pytest.raises(KeyError):
            await cache.get("k", boom)
        assert cache.peek("k") is None

        async def three():
            return 3

        assert await cache.get("k", three, keep=lambda v: v > 5) == 3
        assert cache.peek("k") is None
        cache2: Refreshing[tuple[str, str], int] = Refreshing(ttl=60)
        await cache2.get(("f", "1"), three)
        await cache2.get(("g", "1"), three)
        cache2.drop_where(lambda key: key[0] == "f")
        assert cache2.peek(("f", "1")) is None and cache2.peek(("g", "1")) == 3

    run(body())
