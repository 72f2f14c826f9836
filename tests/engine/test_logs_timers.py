"""Partitioned logs (seqs, trims, checkpoints) and durable timers (claims with leases)."""

from __future__ import annotations


def test_log_append_read_bounds(run, clock):
    async def body(e):
        seqs = await e.transact(lambda tx: [tx.append("L", "p1", f"r{n}".encode()) for n in range(5)])
        assert seqs == sorted(seqs) and len(set(seqs)) == 5 and seqs[0] > 0
        assert await e.transact(lambda tx: tx.append("L", "p2", b"x")) > 0
        recs = await e.read(lambda tx: tx.read_log("L", "p1", after_seq=seqs[1], limit=2))
        assert [(r.seq, r.data, r.at, r.partition) for r in recs] == [
            (seqs[2], b"r2", clock.t, "p1"), (seqs[3], b"r3", clock.t, "p1")]
        assert await e.read(lambda tx: tx.log_bounds("L", "p1")) == (seqs[0], seqs[-1])
        assert await e.read(lambda tx: tx.log_bounds("L", "none")) == (0, 0)
        assert await e.read(lambda tx: tx.log_partitions("L")) == ["p1", "p2"]

    run(body)


def test_log_trim_keeps_seqs_increasing(run, clock):
    async def body(e):
        old = await e.transact(lambda tx: [tx.append("L", "p", b"old") for _ in range(3)])
        clock.advance(100)
        new = await e.transact(lambda tx: [tx.append("L", "p", b"new") for _ in range(2)])
        assert await e.transact(lambda tx: tx.trim_log("L", before=clock.t - 50)) == 3
        assert await e.read(lambda tx: tx.log_bounds("L", "p")) == (new[0], new[1])
        assert await e.transact(lambda tx: tx.trim_log("L", upto_seq=new[0], partition="p")) == 1
        assert await e.transact(lambda tx: tx.trim_log("L", upto_seq=new[1], partition="other")) == 0
        assert await e.transact(lambda tx: tx.trim_log("L", upto_seq=new[1])) == 1
        after = await e.transact(lambda tx: tx.append("L", "p", b"after"))
        assert after > new[1] > old[-1]
        assert await e.read(lambda tx: tx.log_bounds("L", "p")) == (after, after)

    run(body)


def test_checkpoints_and_drop(run):
    async def body(e):
        await e.transact(lambda tx: tx.append("L", "p", b"x"))
        assert await e.read(lambda tx: tx.get_checkpoint("L", "c", "p")) == 0
        await e.transact(lambda tx: tx.set_checkpoint("L", "c", "p", 7))
        await e.transact(lambda tx: tx.set_checkpoint("L", "c", "p", 9))
        assert await e.read(lambda tx: tx.get_checkpoint("L", "c", "p")) == 9
        assert await e.read(lambda tx: tx.get_checkpoint("L", "d", "p")) == 0
        await e.transact(lambda tx: tx.append("M", "p", b"y"))
        await e.transact(lambda tx: tx.drop_log("L"))
        assert await e.read(lambda tx: tx.log_partitions("L")) == []
        assert await e.read(lambda tx: tx.get_checkpoint("L", "c", "p")) == 0
        assert await e.read(lambda tx: tx.read_log("L", "p")) == []
        assert len(await e.read(lambda tx: tx.read_log("M", "p"))) == 1

    run(body)


def test_timers_claim_lease_complete(run, clock):
    async def body(e):
        await e.transact(lambda tx: tx.set_timer("sched/a", clock.t + 10, b"A"))
        await e.transact(lambda tx: tx.set_timer("sched/b", clock.t + 5, b"B"))
        await e.transact(lambda tx: tx.set_timer("other/c", clock.t + 1, b"C"))
        assert await e.read(lambda tx: tx.next_timer_due()) == clock.t + 1
        assert await e.read(lambda tx: tx.next_timer_due("sched/")) == clock.t + 5
        assert await e.transact(lambda tx: tx.claim_timers(10, 30, prefix="sched/")) == []
        clock.advance(10)
        got = await e.transact(lambda tx: tx.claim_timers(10, 30, prefix="sched/"))
        assert [(t.name, t.payload) for t in got] == [("sched/b", b"B"), ("sched/a", b"A")]
        assert all(t.lease_token for t in got)
        assert await e.transact(lambda tx: tx.claim_timers(10, 30, prefix="sched/")) == []
        b, a = got
        assert await e.transact(lambda tx: tx.complete_timer("sched/b", "wrong")) is False
        assert await e.transact(lambda tx: tx.complete_timer("sched/b", b.lease_token)) is True
        clock.advance(31)  # a was not completed: it fires again after its lease
        again = await e.transact(lambda tx: tx.claim_timers(10, 30, prefix="sched/"))
        assert [t.name for t in again] == ["sched/a"] and again[0].lease_token != a.lease_token
        assert await e.transact(lambda tx: tx.complete_timer("sched/a", a.lease_token)) is False
        # replaced since claimed: completing with the old token leaves the new timer
        await e.transact(lambda tx: tx.set_timer("sched/a", clock.t + 100, b"A2"))
        assert await e.transact(lambda tx: tx.complete_timer("sched/a", again[0].lease_token)) is False
        assert await e.read(lambda tx: tx.next_timer_due("sched/")) == clock.t + 100
        assert await e.transact(lambda tx: tx.cancel_timer("sched/a")) is True
        assert await e.transact(lambda tx: tx.cancel_timer("sched/a")) is False
        assert await e.read(lambda tx: tx.next_timer_due("sched/")) is None
        assert [t.name for t in await e.transact(lambda tx: tx.claim_timers(10, 5))] == ["other/c"]

    run(body)
