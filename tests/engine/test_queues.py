"""Leased queues: delays, visibility, receive counts, lease tokens, FIFO groups, stats."""

from __future__ import annotations

import pytest

from squall.engine import DuplicateItem, QueueStats


def test_enqueue_lease_ack(run, clock):
    async def body(e):
        item = await e.transact(lambda tx: tx.enqueue("q", b"hello"))
        assert len(item.id) == 36 and item.receive_count == 0 and item.visible_at == clock.t
        assert item.enqueued_at == clock.t and item.lease_token is None and item.seq > 0
        got = await e.transact(lambda tx: tx.lease("q", 10, 30))
        assert [(i.id, i.body, i.receive_count) for i in got] == [(item.id, b"hello", 1)]
        lease = got[0]
        assert lease.lease_token and lease.visible_at == clock.t + 30 and lease.first_received_at == clock.t
        assert await e.transact(lambda tx: tx.lease("q", 10, 30)) == []
        assert await e.transact(lambda tx: tx.ack("q", lease.id, "wrong")) is False
        assert await e.transact(lambda tx: tx.ack("q", lease.id, lease.lease_token)) is True
        assert await e.transact(lambda tx: tx.ack("q", lease.id, lease.lease_token)) is False
        assert await e.read(lambda tx: tx.get_item("q", lease.id)) is None

    run(body)


def test_visibility_timeout_redelivers_with_new_token(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.enqueue("q", b"x", id="m1"))
        first = (await e.transact(lambda tx: tx.lease("q", 1, 10)))[0]
        clock.advance(9.9)
        assert await e.transact(lambda tx: tx.lease("q", 1, 10)) == []
        clock.advance(0.2)
        second = (await e.transact(lambda tx: tx.lease("q", 1, 10)))[0]
        assert second.id == "m1" and second.receive_count == 2
        assert second.lease_token != first.lease_token
        assert second.first_received_at == first.first_received_at
        assert await e.transact(lambda tx: tx.ack("q", "m1", first.lease_token)) is False  # stale
        assert await e.transact(lambda tx: tx.set_visibility("q", "m1", first.lease_token, 0)) is False
        assert await e.transact(lambda tx: tx.ack("q", "m1")) is True  # no token: unconditional

    run(body)


def test_delay_and_stats(run, clock):
    async def body(e):
        await e.transact(lambda tx: [tx.enqueue("q", b"now") for _ in range(3)])
        await e.transact(lambda tx: tx.enqueue("q", b"later", delay=5))
        assert await e.read(lambda tx: tx.stats("q")) == QueueStats(visible=3, in_flight=0, delayed=1)
        assert await e.read(lambda tx: tx.next_due("q")) == clock.t
        got = await e.transact(lambda tx: tx.lease("q", 10, 30))
        assert [i.body for i in got] == [b"now"] * 3
        assert await e.read(lambda tx: tx.stats("q")) == QueueStats(visible=0, in_flight=3, delayed=1)
        assert await e.read(lambda tx: tx.next_due("q")) == clock.t + 5
        clock.advance(5)
        assert await e.read(lambda tx: tx.stats("q")) == QueueStats(visible=1, in_flight=3, delayed=0)
        got = await e.transact(lambda tx: tx.lease("q", 10, 30))
        assert [i.body for i in got] == [b"later"]
        assert await e.read(lambda tx: tx.stats("empty")) == QueueStats(0, 0, 0)
        assert await e.read(lambda tx: tx.next_due("empty")) is None

    run(body)


def test_lease_oldest_due_first_and_limit(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.enqueue("q", b"late", delay=2))
        await e.transact(lambda tx: tx.enqueue("q", b"early", delay=1))
        await e.transact(lambda tx: tx.enqueue("q", b"now"))
        clock.advance(3)
        got = await e.transact(lambda tx: tx.lease("q", 2, 30))
        assert [i.body for i in got] == [b"now", b"early"]
        assert [i.body for i in await e.transact(lambda tx: tx.lease("q", 5, 30))] == [b"late"]
        assert await e.transact(lambda tx: tx.lease("q", 0, 30)) == []

    run(body)


def test_set_visibility(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.enqueue("q", b"x", id="a"))
        item = (await e.transact(lambda tx: tx.lease("q", 1, 30)))[0]
        assert await e.transact(lambda tx: tx.set_visibility("q", "a", item.lease_token, 0)) is True
        again = (await e.transact(lambda tx: tx.lease("q", 1, 30)))[0]
        assert again.receive_count == 2
        assert await e.transact(lambda tx: tx.set_visibility("q", "a", again.lease_token, 100)) is True
        clock.advance(50)
        assert await e.transact(lambda tx: tx.lease("q", 1, 30)) == []
        assert (await e.read(lambda tx: tx.get_item("q", "a"))).visible_at == clock.t + 50
        assert await e.transact(lambda tx: tx.set_visibility("q", "missing", None, 0)) is False

    run(body)


def test_max_receive_skips_exhausted_items(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.enqueue("q", b"x"))
        for _ in range(2):
            assert len(await e.transact(lambda tx: tx.lease("q", 1, 1, max_receive=2))) == 1
            clock.advance(2)
        assert await e.transact(lambda tx: tx.lease("q", 1, 1, max_receive=2)) == []

    run(body)


def test_explicit_id_enqueued_at_and_duplicates(run, clock):
    async def body(e):
        item = await e.transact(lambda tx: tx.enqueue("q", b"x", id="abc", enqueued_at=123.0))
        assert item.id == "abc" and item.enqueued_at == 123.0
        with pytest.raises(DuplicateItem):
            await e.transact(lambda tx: tx.enqueue("q", b"y", id="abc"))
        assert (await e.read(lambda tx: tx.get_item("q", "abc"))).body == b"x"
        await e.transact(lambda tx: tx.enqueue("other", b"y", id="abc"))  # ids are per queue

        def catch_and_continue(tx):
            try:
                tx.enqueue("q", b"z", id="abc")
            except DuplicateItem:
                pass
            return tx.enqueue("q", b"w", id="def").id

        assert await e.transact(catch_and_continue) == "def"

    run(body)


def test_fifo_order_and_group_blocking(run, clock):
    async def body(e):
        def fill(tx):
            for n in range(3):
                tx.enqueue("f", f"a{n}".encode(), group="A")
            tx.enqueue("f", b"b0", group="B")
            tx.enqueue("f", b"a3", group="A")
            tx.enqueue("f", b"c0", group="C", delay=5)
            tx.enqueue("f", b"c1", group="C")

        await e.transact(fill)
        got = await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True))
        # contiguous heads of A come together; C's head is delayed, so C yields nothing
        assert [i.body for i in got] == [b"a0", b"a1", b"a2", b"b0", b"a3"]
        assert await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True)) == []
        a0 = got[0]
        await e.transact(lambda tx: tx.ack("f", a0.id, a0.lease_token))
        assert await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True)) == []  # A still in flight
        clock.advance(5)
        got = await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True))
        assert [i.body for i in got] == [b"c0", b"c1"]
        clock.advance(30)  # leases of A and B expire: redelivered in order
        got = await e.transact(lambda tx: tx.lease("f", 2, 30, fifo=True))
        assert [(i.body, i.receive_count) for i in got] == [(b"a1", 2), (b"a2", 2)]

    run(body)


def test_fifo_one_item_in_flight_blocks_group(run, clock):
    async def body(e):
        await e.transact(lambda tx: [tx.enqueue("f", str(n).encode(), group="g") for n in range(4)])
        first = await e.transact(lambda tx: tx.lease("f", 1, 30, fifo=True))
        assert [i.body for i in first] == [b"0"]
        assert await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True)) == []
        await e.transact(lambda tx: tx.ack("f", first[0].id, first[0].lease_token))
        nxt = await e.transact(lambda tx: tx.lease("f", 2, 30, fifo=True))
        assert [i.body for i in nxt] == [b"1", b"2"]
        await e.transact(lambda tx: tx.set_visibility("f", nxt[1].id, nxt[1].lease_token, 0))
        assert await e.transact(lambda tx: tx.lease("f", 10, 30, fifo=True)) == []  # "1" still in flight

    run(body)


def test_peek_remove_expire_purge(run, clock):
    async def body(e):
        await e.transact(lambda tx: [tx.enqueue("q", str(n).encode(), id=f"i{n}") for n in range(5)])
        clock.advance(10)
        await e.transact(lambda tx: tx.enqueue("q", b"new", id="i5"))
        items = await e.read(lambda tx: tx.peek_items("q", limit=3))
        assert [i.id for i in items] == ["i0", "i1", "i2"]
        rest = await e.read(lambda tx: tx.peek_items("q", after_seq=items[-1].seq))
        assert [i.id for i in rest] == ["i3", "i4", "i5"]
        assert await e.read(lambda tx: tx.stats("q")) == QueueStats(6, 0, 0)  # peek does not lease
        assert await e.transact(lambda tx: tx.remove_items("q", ["i0", "i1", "nope"])) == 2
        assert await e.transact(lambda tx: tx.expire_items("q", clock.t - 5, limit=2)) == 2
        assert [i.id for i in await e.read(lambda tx: tx.peek_items("q"))] == ["i4", "i5"]
        assert await e.transact(lambda tx: tx.expire_items("q", clock.t - 5)) == 1
        await e.transact(lambda tx: tx.enqueue("other", b"keep"))
        assert await e.transact(lambda tx: tx.purge("q")) == 1
        assert await e.read(lambda tx: tx.peek_items("q")) == []
        assert len(await e.read(lambda tx: tx.peek_items("other"))) == 1

    run(body)


def test_emit_goes_to_outbox_queue(run):
    async def body(e):
        await e.transact(lambda tx: tx.emit("s3/events", b"evt"))
        got = await e.transact(lambda tx: tx.lease("outbox/s3/events", 10, 30))
        assert [i.body for i in got] == [b"evt"]

    run(body)


def test_enqueue_many_is_a_loop_of_enqueue(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.enqueue_many("q", [("a", b"1", 0.0), ("b", b"2", 5.0)]))
        a = await e.read(lambda tx: tx.get_item("q", "a"))
        b = await e.read(lambda tx: tx.get_item("q", "b"))
        assert (a.body, a.visible_at, a.enqueued_at, a.group, a.receive_count) == (b"1", clock.t, clock.t, None, 0)
        assert (b.body, b.visible_at, b.enqueued_at) == (b"2", clock.t + 5, clock.t)
        assert a.seq < b.seq
        await e.transact(lambda tx: tx.enqueue_many("q", []))

        def dup_midway(tx):
            try:
                tx.enqueue_many("q", [("c", b"3", 0.0), ("a", b"x", 0.0), ("d", b"4", 0.0)])
            except DuplicateItem:
                return "dup"

        assert await e.transact(dup_midway) == "dup"
        ids = [i.id for i in await e.read(lambda tx: tx.peek_items("q"))]
        assert ids == ["a", "b", "c"]  # entries before the duplicate kept, none after it
        assert (await e.read(lambda tx: tx.get_item("q", "a"))).body == b"1"
        with pytest.raises(DuplicateItem):
            await e.transact(lambda tx: tx.enqueue_many("q", [("e", b"5", 0.0), ("b", b"x", 0.0)]))
        assert await e.read(lambda tx: tx.get_item("q", "e")) is None  # the failed transaction left nothing

    run(body)
