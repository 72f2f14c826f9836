"""Retention: expired events are hidden from reads at once, and the sweep deletes them and
corrects the stream's first event time and stored bytes (in process, on both engines)."""

from __future__ import annotations

from types import SimpleNamespace

from squall.services.logs import events, groups, retention, search, streams
from tests.logs.conftest import now_ms, op_ctx, put

DAY = 86_400_000


def test_sweep_deletes_expired_events(run_engine):
    async def body(engine):
        now = 1_790_000_000_000
        engine.clock = lambda: now / 1000
        ctx = op_ctx(engine)
        await groups.create_log_group(ctx, logGroupName="/g")
        await groups.create_log_group(ctx, logGroupName="/keep")
        for group in ("/g", "/keep"):
            await streams.create_log_stream(ctx, logGroupName=group, logStreamName="s")
            await events.put_log_events(ctx, logGroupName=group, logStreamName="s", logEvents=[
                {"timestamp": now - 3 * DAY, "message": "old-1"}, {"timestamp": now - 3 * DAY + 1, "message": "old-2"}])
            await events.put_log_events(ctx, logGroupName=group, logStreamName="s",
                                        logEvents=[{"timestamp": now - 1000, "message": "new"}])
        await groups.put_retention_policy(ctx, logGroupName="/g", retentionInDays=1)

        got = await events.get_log_events(ctx, logGroupName="/g", logStreamName="s", startFromHead=True)
        assert [e["message"] for e in got["events"]] == ["new"]  # hidden before the sweep runs
        found = await search.filter_log_events(ctx, logGroupName="/g")
        assert [e["message"] for e in found["events"]] == ["new"]

        runtime = SimpleNamespace(engine=engine)
        assert await retention.sweep(runtime) == 2
        assert await retention.sweep(runtime) == 0
        [stream] = (await streams.describe_log_streams(ctx, logGroupName="/g"))["logStreams"]
        assert stream["firstEventTimestamp"] == now - 1000 and stream["storedBytes"] == 3
        [kept] = (await streams.describe_log_streams(ctx, logGroupName="/keep"))["logStreams"]
        assert kept["firstEventTimestamp"] == now - 3 * DAY and kept["storedBytes"] == 13

        await groups.delete_retention_policy(ctx, logGroupName="/g")
        assert await engine.read(retention._groups) == []

    run_engine(body)


def test_sweep_works_in_bounded_chunks(run_engine, monkeypatch):
    monkeypatch.setattr(retention, "CHUNK", 3)

    async def body(engine):
        now = 1_790_000_000_000
        engine.clock = lambda: now / 1000
        ctx = op_ctx(engine)
        await groups.create_log_group(ctx, logGroupName="/g")
        for name in ("a", "b"):
            await streams.create_log_stream(ctx, logGroupName="/g", logStreamName=name)
            await events.put_log_events(ctx, logGroupName="/g", logStreamName=name, logEvents=[
                {"timestamp": now - 2 * DAY + i, "message": f"{name}{i}"} for i in range(4)])
        await groups.put_retention_policy(ctx, logGroupName="/g", retentionInDays=1)
        key = "000000000000:us-east-1:/g"
        assert await engine.transact(lambda tx: retention.trim_group(tx, key, budget=3)) == (3, False)
        assert await retention.sweep(SimpleNamespace(engine=engine)) == 5
        described = (await streams.describe_log_streams(ctx, logGroupName="/g"))["logStreams"]
        assert [("firstEventTimestamp" in s, s["storedBytes"]) for s in described] == [(False, 0), (False, 0)]

    run_engine(body)


def test_retention_hides_old_events_on_the_wire(logs, make_group):
    group = make_group(streams=("s",))
    now = now_ms()
    put(logs, group, "s", "two days old", ts=now - 2 * DAY)
    put(logs, group, "s", "recent", ts=now)
    assert len(logs.get_log_events(logGroupName=group, logStreamName="s")["events"]) == 2
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName="s")["events"]] == ["recent"]
    assert [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]] == ["recent"]
