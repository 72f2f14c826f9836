"""Records: ordered key/value per namespace, bytewise key order, range scans."""

from __future__ import annotations


def test_get_put_insert_delete(run):
    async def body(e):
        assert await e.read(lambda tx: tx.get("ns", "a")) is None
        await e.transact(lambda tx: tx.put("ns", "a", b"1"))
        assert await e.read(lambda tx: tx.get("ns", "a")) == b"1"
        assert await e.read(lambda tx: tx.get("other", "a")) is None
        await e.transact(lambda tx: tx.put("ns", "a", b"2"))
        assert await e.transact(lambda tx: tx.insert("ns", "a", b"3")) is False
        assert await e.read(lambda tx: tx.get("ns", "a")) == b"2"
        assert await e.transact(lambda tx: tx.insert("ns", "b", b"3")) is True
        assert await e.transact(lambda tx: tx.delete("ns", "a")) is True
        assert await e.transact(lambda tx: tx.delete("ns", "a")) is False
        assert await e.read(lambda tx: tx.get("ns", "b")) == b"3"

    run(body)


KEYS = ["a", "a/1", "a/2", "a/3", "ab", "b", "b/x", "é", "z", "\U0001f600"]


def _fill(tx):
    for k in reversed(KEYS):
        tx.put("s", k, k.encode())
    tx.put("t", "a/9", b"other namespace")


def test_scan_order_is_bytewise(run):
    async def body(e):
        await e.transact(_fill)
        rows = await e.read(lambda tx: tx.scan("s"))
        assert [k for k, _ in rows] == sorted(KEYS, key=lambda k: k.encode())
        assert rows[0] == ("a", b"a")
        rev = await e.read(lambda tx: tx.scan("s", reverse=True))
        assert [k for k, _ in rev] == [k for k, _ in reversed(rows)]
        # "Z" < "a" bytewise (a locale collation would say otherwise)
        await e.transact(lambda tx: tx.put("c", "Z", b"") or tx.put("c", "a", b"") or tx.put("c", "_", b""))
        assert [k for k, _ in await e.read(lambda tx: tx.scan("c"))] == ["Z", "_", "a"]

    run(body)


def test_scan_bounds(run):
    async def body(e):
        await e.transact(_fill)
        keys = lambda rows: [k for k, _ in rows]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a/"))) == ["a/1", "a/2", "a/3"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a"))) == ["a", "a/1", "a/2", "a/3", "ab"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a/", after="a/1"))) == ["a/2", "a/3"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a/", limit=2))) == ["a/1", "a/2"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a/", reverse=True, limit=2))) == ["a/3", "a/2"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="a/", reverse=True, after="a/3"))) == []
        assert keys(await e.read(lambda tx: tx.scan("s", start="ab", end="b/x"))) == ["ab", "b"]
        assert keys(await e.read(lambda tx: tx.scan("s", start="b", reverse=True))) == [
            "\U0001f600", "é", "z", "b/x", "b"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="\U0001f600"))) == ["\U0001f600"]
        assert keys(await e.read(lambda tx: tx.scan("s", prefix="nope"))) == []
        assert keys(await e.read(lambda tx: tx.scan("s", limit=0))) == []

    run(body)


def test_delete_prefix(run):
    async def body(e):
        await e.transact(_fill)
        assert await e.transact(lambda tx: tx.delete_prefix("s", "a/")) == 3
        assert [k for k, _ in await e.read(lambda tx: tx.scan("s", prefix="a"))] == ["a", "ab"]
        assert await e.read(lambda tx: tx.get("t", "a/9")) == b"other namespace"
        assert await e.transact(lambda tx: tx.delete_prefix("s")) == len(KEYS) - 3
        assert await e.read(lambda tx: tx.scan("s")) == []

    run(body)


def test_put_many_small_and_large_batches_upsert_and_keep_bytes(run):
    """put_many writes every row, replaces existing keys, and returns values byte for byte:
    text, binary (not UTF-8), NUL bytes and lone-surrogate encodings, in batches below and
    above the size where SQLite switches to one JSON statement."""
    text = [(f"k{i:04d}", f"line {i} é \U0001f600".encode()) for i in range(100)]
    odd = [("bin", bytes(range(256))), ("nul", b"a\x00b"), ("sur", "x\udc80".encode("utf-8", "surrogatepass"))]

    async def body(e):
        await e.transact(lambda tx: tx.put("m", "k0001", b"old"))
        await e.transact(lambda tx: tx.put_many("m", text[:3]))  # small batch
        await e.transact(lambda tx: tx.put_many("m", text))  # large batch, upserting the first three
        await e.transact(lambda tx: tx.put_many("m", text[50:] + odd))  # large batch with odd values
        rows = await e.read(lambda tx: tx.scan("m", prefix="", limit=1000))
        assert dict(rows) == dict(text + odd)
        assert len(rows) == len(text) + len(odd)

    run(body)
