"""The function-log sink: put() only buffers; a flush writes everything in one transaction,
creating groups and streams; flushes happen on a timer, on a full buffer, on demand and on
shutdown; failures keep events for a retry. In process on both engines, then through the
wire: events a sink wrote are read back with boto3 from a server on the same storage."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest

from squall.services.logs import events, search, streams
from squall.services.logs.sink import LogSink, flush_on_shutdown, get_sink
from tests.logs.conftest import now_ms, op_ctx
from tests.support.postgres import create_database, drop_database
from tests.support.server import start_server

ACCOUNT, REGION = "000000000000", "us-east-1"


async def messages(engine, group: str, stream: str) -> list[str]:
    page = await events.get_log_events(op_ctx(engine), logGroupName=group, logStreamName=stream, startFromHead=True)
    return [e["message"] for e in page["events"]]


class CountingEngine:
    """Wraps an engine, counting transactions (and failing the next ``fail`` of them)."""

    def __init__(self, engine, fail: int = 0) -> None:
        self.engine, self.fail, self.calls = engine, fail, 0

    async def transact(self, fn):
        self.calls += 1
        if self.fail:
            self.fail -= 1
            raise RuntimeError("disk on fire")
        return await self.engine.transact(fn)


def test_flush_writes_everything_in_one_transaction(run_engine):
    async def body(engine):
        counting = CountingEngine(engine)
        sink = LogSink(counting, interval=60)  # no timer flush during the test
        ts = now_ms()
        for i in range(3000):
            sink.put(ACCOUNT, REGION, f"/aws/lambda/f{i % 2}", f"2026/01/01/[$LATEST]{i % 3}", [(ts + i, f"line {i}\n")])
        assert sink.buffered == 3000 and counting.calls == 0
        assert await sink.flush() == 3000
        assert counting.calls == 1 and sink.buffered == 0 and sink.written == 3000
        assert await sink.flush() == 0 and counting.calls == 1  # nothing buffered: no transaction
        got = await messages(engine, "/aws/lambda/f0", "2026/01/01/[$LATEST]0")
        assert got == [f"line {i}\n" for i in range(0, 3000, 6)]
        described = await streams.describe_log_streams(op_ctx(engine), logGroupName="/aws/lambda/f1")
        assert [s["logStreamName"] for s in described["logStreams"]] == [
            "2026/01/01/[$LATEST]0", "2026/01/01/[$LATEST]1", "2026/01/01/[$LATEST]2"]
        first = described["logStreams"][1]
        assert first["firstEventTimestamp"] == ts + 1 and first["lastEventTimestamp"] == ts + 2995
        assert first["storedBytes"] == sum(len(f"line {i}\n") for i in range(1, 3000, 6))
        found = await search.filter_log_events(op_ctx(engine), logGroupName="/aws/lambda/f1", limit=4)
        assert [e["message"] for e in found["events"]] == [f"line {i}\n" for i in (1, 3, 5, 7)]
        await sink.close()

    run_engine(body)


def test_appends_to_existing_streams_and_keeps_their_settings(run_engine):
    async def body(engine):
        ctx = op_ctx(engine)
        from squall.services.logs import groups

        await groups.create_log_group(ctx, logGroupName="/aws/lambda/fn", tags={"k": "v"})
        await groups.put_retention_policy(ctx, logGroupName="/aws/lambda/fn", retentionInDays=30)
        sink = LogSink(engine, interval=60)
        ts = now_ms()
        sink.put(ACCOUNT, REGION, "/aws/lambda/fn", "s", [(ts, "one"), (ts + 1, "two")])
        await sink.flush()
        sink.put(ACCOUNT, REGION, "/aws/lambda/fn", "s", [(ts + 2, "three")])
        await sink.flush()
        assert await messages(engine, "/aws/lambda/fn", "s") == ["one", "two", "three"]
        [group] = (await groups.describe_log_groups(ctx, logGroupNamePrefix="/aws/lambda/fn"))["logGroups"]
        assert group["retentionInDays"] == 30 and group["storedBytes"] == 11
        await sink.close()

    run_engine(body)


def test_timer_and_threshold_flushes(run_engine):
    async def body(engine):
        timed = LogSink(engine, interval=0.05)
        timed.put(ACCOUNT, REGION, "/g/timed", "s", [(now_ms(), "tick")])
        for _ in range(100):
            if timed.written:
                break
            await asyncio.sleep(0.02)
        assert await messages(engine, "/g/timed", "s") == ["tick"]

        full = LogSink(engine, interval=3600, max_batch=50)
        full.put(ACCOUNT, REGION, "/g/full", "s", [(now_ms(), f"m{i}") for i in range(49)])
        await asyncio.sleep(0.1)
        assert full.written == 0  # under the threshold, the hour-long timer has not fired
        full.put(ACCOUNT, REGION, "/g/full", "s", [(now_ms(), "m49")])
        for _ in range(100):
            if full.written:
                break
            await asyncio.sleep(0.02)
        assert full.written == 50
        await timed.close()
        await full.close()

    run_engine(body)


def test_put_outside_a_loop_then_close(run_engine):
    sink = None

    def produce(engine) -> LogSink:
        s = LogSink(engine, interval=60)
        s.put(ACCOUNT, REGION, "/g/sync", "s", [(now_ms(), "from a plain thread")])  # no running loop: buffers
        return s

    async def body(engine):
        nonlocal sink
        sink = await asyncio.to_thread(produce, engine)
        assert sink.buffered == 1
        await sink.close()  # the final flush
        assert await messages(engine, "/g/sync", "s") == ["from a plain thread"]

    run_engine(body)


def test_failed_flush_keeps_events_for_the_next_one(run_engine):
    async def body(engine):
        flaky = CountingEngine(engine, fail=1)
        sink = LogSink(flaky, interval=60)
        sink.put(ACCOUNT, REGION, "/g/retry", "s", [(now_ms(), "a")])
        with pytest.raises(RuntimeError):
            await sink.flush()
        sink.put(ACCOUNT, REGION, "/g/retry", "s", [(now_ms() + 1, "b")])
        assert sink.buffered == 2
        assert await sink.flush() == 2
        assert await messages(engine, "/g/retry", "s") == ["a", "b"]

        broken = CountingEngine(engine, fail=10)
        sink2 = LogSink(broken, interval=60)
        sink2.put(ACCOUNT, REGION, "/g/retry", "s", [(now_ms(), "lost")])
        for _ in range(3):
            with pytest.raises(RuntimeError):
                await sink2.flush()
        assert sink2.buffered == 0 and sink2.dropped == 1

    run_engine(body)


def test_overflow_drops_the_oldest(run_engine):
    async def body(engine):
        sink = LogSink(engine, interval=60, max_batch=10_000, max_buffered=10)
        for i in range(4):
            sink.put(ACCOUNT, REGION, "/g/over", "s", [(now_ms() + i, f"{i}-{j}") for j in range(4)])
        assert sink.buffered <= 10 and sink.dropped == 8
        await sink.close()
        assert await messages(engine, "/g/over", "s") == [f"{i}-{j}" for i in (2, 3) for j in range(4)]

    run_engine(body)


def test_get_sink_and_shutdown_flush(run_engine):
    async def body(engine):
        runtime = SimpleNamespace(engine=engine, state={}, stopping=asyncio.Event())
        keeper = asyncio.create_task(flush_on_shutdown(runtime))
        sink = get_sink(runtime)
        assert get_sink(runtime) is sink and runtime.state["logs"] is sink
        sink.interval = 3600  # only the shutdown can flush now
        await asyncio.sleep(0)
        sink.put(ACCOUNT, REGION, "/g/stop", "s", [(now_ms(), "last words")])
        # what the server does on shutdown: signal, then cancel the background tasks and wait
        runtime.stopping.set()
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        assert sink.buffered == 0
        assert await messages(engine, "/g/stop", "s") == ["last words"]

    run_engine(body)


def test_server_shutdown_flushes_the_sink(tmp_path: Path):
    """The real lifespan: startup, a sink write, shutdown — then the events are on disk."""
    from squall.app import SquallApp
    from squall.config import Settings
    from squall.engine import open_engine

    async def serve_and_stop() -> None:
        app = SquallApp(Settings(data_dir=tmp_path, backend="sqlite"))
        await app.startup()
        await asyncio.sleep(0.05)  # serving: the background tasks have started
        sink = get_sink(app.runtime)
        sink.interval = 3600
        sink.put(ACCOUNT, REGION, "/aws/lambda/bye", "s", [(now_ms(), "flushed at shutdown")])
        await app.shutdown()

    async def read_back() -> list[str]:
        engine = open_engine("sqlite", tmp_path)
        await engine.start()
        try:
            return await messages(engine, "/aws/lambda/bye", "s")
        finally:
            await engine.close()

    asyncio.run(serve_and_stop())
    assert asyncio.run(read_back()) == ["flushed at shutdown"]


def test_sink_events_are_visible_through_the_wire(backend, request, tmp_path: Path):
    """Write with a sink into a data dir / database, then read it with boto3 from a server on it."""
    from squall.engine import open_engine

    if backend == "postgres":
        url, name = create_database()
        request.addfinalizer(lambda: drop_database(name))
    else:
        url = "sqlite"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    ts = now_ms()

    async def write() -> None:
        engine = open_engine(url, data_dir)
        await engine.start()
        sink = LogSink(engine)
        sink.put(ACCOUNT, REGION, "/aws/lambda/wire", "2026/01/01/[$LATEST]a", [(ts, "START\n"), (ts + 2, "END\n")])
        sink.put(ACCOUNT, REGION, "/aws/lambda/wire", "2026/01/01/[$LATEST]b", [(ts + 1, "hello from b\n")])
        await sink.close()
        await engine.close()

    asyncio.run(write())
    server = start_server(data_dir, url)
    try:
        logs = boto3.client("logs", endpoint_url=server.endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test")
        page = logs.get_log_events(logGroupName="/aws/lambda/wire", logStreamName="2026/01/01/[$LATEST]a")
        assert [e["message"] for e in page["events"]] == ["START\n", "END\n"]
        found = logs.filter_log_events(logGroupName="/aws/lambda/wire")["events"]
        assert [(e["logStreamName"][-1], e["message"]) for e in found] == [
            ("a", "START\n"), ("b", "hello from b\n"), ("a", "END\n")]
    finally:
        server.stop()
