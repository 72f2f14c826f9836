"""The pure listing logic of ListObjectsV2 / ListObjects / ListObjectVersions over a real
engine (in-memory SQLite, and PostgreSQL when reachable): order, prefixes, delimiters, markers, tokens, paging, IsTruncated,
versions and the number of records a listing reads.

Expected results come from a brute-force model of S3's rules (:func:`model`) and from the
AWS-recorded LocalStack snapshots (``test_s3_list_operations.snapshot.json``) where noted.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import orjson
import pytest

from squall.engine import open_engine
from squall.errors import ServiceError
from squall.services.s3 import listing
from squall.services.s3.buckets import NS_OBJECTS, NS_VERSIONS
from squall.services.s3.listing import (
    decode_token,
    encode_token,
    list_objects,
    list_versions,
    url_encode_key,
)
from tests.support.postgres import create_database, drop_database

BUCKET = "bkt"
KEYS = [
    "a", "a/", "a//", "a//b", "a///c", "a/b", "a/b/c", "a/b/d", "a/c", "a../x", "../up", "./x", "b", "b/",
    "bb/b/", "c/x/y", "c/z", "é", "é/x", "z", "日本", "日本/語", "\U0001F600", "\U0001F600/x", "\uff21",
    "\uff21/\uff22", "sp ace", "q?x", "100%", "a+b", "k" * 1024, "é" * 512, "a\U0010ffff", "a\U0010ffff/x",
    "a\U0010ffff\U0010ffffq", "x\ud7ffa", "x\ud7ff/b", "x\ue000", "trail/", "trail//", "trail/x/",
]
# a neighbouring bucket whose records share the string prefix "bkt": must never leak in
OTHER = {"bkt-2": ["a", "a/b"], "bk": ["t/a"]}


def utf8(key: str) -> bytes:
    return key.encode("utf-8")


def model(keys: list[str], prefix: str = "", delimiter: str | None = None,
          after: str | None = None) -> list[tuple[str, str]]:
    """Every item of the unpaged listing per S3's documented rules: ``("K", key)`` or
    ``("P", common prefix)``, in UTF-8 binary order."""
    out, seen = [], set()
    for k in sorted(keys, key=utf8):
        if not k.startswith(prefix) or (after is not None and utf8(k) <= utf8(after)):
            continue
        if delimiter and (at := k.find(delimiter, len(prefix))) >= 0:
            p = k[: at + len(delimiter)]
            if p not in seen and (after is None or utf8(p) > utf8(after)):
                seen.add(p)
                out.append(("P", p))
        else:
            out.append(("K", k))
    return out


def items(page: listing.ListPage) -> list[tuple[str, str]]:
    """A page's keys and common prefixes merged back into listing order."""
    merged = [("K", k) for k, _ in page.entries] + [("P", p) for p in page.common_prefixes]
    return sorted(merged, key=lambda t: utf8(t[1]))


def doc(key: str, **extra: Any) -> bytes:
    return orjson.dumps({"key": key, "size": len(key), "etag": '"e"', "modified": 1.0,
                         "storage_class": "STANDARD", "version_id": "null", **extra})


class CountingTx:
    """A transaction proxy that counts the records the listing read."""

    def __init__(self, tx: Any) -> None:
        self._tx, self.rows, self.scans = tx, 0, 0

    def scan(self, ns: str, **kw: Any) -> list[tuple[str, bytes]]:
        rows = self._tx.scan(ns, **kw)
        self.rows += len(rows)
        self.scans += 1
        return rows

    def get(self, ns: str, key: str) -> bytes | None:
        self.rows += 1
        return self._tx.get(ns, key)


class Store:
    """A started in-memory engine driven synchronously through one event loop."""

    def __init__(self, runner: asyncio.Runner, engine: Any) -> None:
        self.runner, self.engine = runner, engine
        self._stamp = 0

    def write(self, fn: Callable[[Any], Any]) -> Any:
        return self.runner.run(self.engine.transact(fn))

    def read(self, fn: Callable[[Any], Any]) -> Any:
        return self.runner.run(self.engine.read(fn))

    def put_objects(self, bucket: str, keys: list[str]) -> None:
        def work(tx: Any) -> None:
            for k in keys:
                tx.put(NS_OBJECTS, f"{bucket}/{k}", doc(k))
        self.write(work)

    def put_version(self, bucket: str, key: str, vid: str, *, delete_marker: bool = False) -> None:
        """A new newest version of ``key`` (records sort newest first, like store._order)."""
        self._stamp += 1
        order = f"{(1 << 62) - self._stamp:019d}"
        raw = doc(key, version_id=vid, delete_marker=delete_marker, modified=float(self._stamp))
        self.write(lambda tx: tx.put(NS_VERSIONS, f"{bucket}/{key}\x01{order}", raw))

    def drop_version(self, bucket: str, key: str, vid: str) -> None:
        def work(tx: Any) -> None:
            for rec, raw in tx.scan(NS_VERSIONS, prefix=f"{bucket}/{key}\x01"):
                if orjson.loads(raw)["version_id"] == vid:
                    tx.delete(NS_VERSIONS, rec)
        self.write(work)

    def ls(self, bucket: str = BUCKET, **kw: Any) -> listing.ListPage:
        return self.read(lambda tx: list_objects(tx, bucket, **kw))

    def lv(self, bucket: str, **kw: Any) -> listing.VersionPage:
        return self.read(lambda tx: list_versions(tx, bucket, **kw))

    def counted(self, fn: Callable[[Any], Any]) -> tuple[Any, CountingTx]:
        def work(tx: Any) -> tuple[Any, CountingTx]:
            counting = CountingTx(tx)
            return fn(counting), counting
        return self.read(work)


@pytest.fixture(scope="module", params=["memory", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One engine per backend for the module (PostgreSQL: a private database; skipped without
    a server), holding ``KEYS`` in ``BUCKET``; each test adds its own buckets."""
    backend, db = request.param, None
    if backend == "postgres":
        backend, db = create_database()
    try:
        with asyncio.Runner() as runner:
            engine = open_engine(backend, Path(tmp_path_factory.mktemp("listing")))
            runner.run(engine.start())
            try:
                s = Store(runner, engine)
                s.put_objects(BUCKET, KEYS)
                for bucket, keys in OTHER.items():
                    s.put_objects(bucket, keys)
                yield s
            finally:
                runner.run(engine.close())
    finally:
        if db is not None:
            drop_database(db)


# ---- order, prefixes, delimiters, markers (against the model) --------------------------------
PREFIXES = ["", "a", "a/", "a//", "a/b", "a/b/", "c/", "é", "日", "trail/", "x", "nothing-here", "zzzz"]
DELIMITERS = [None, "/", "//", "b/", "é", "\U0010ffff", "\ud7ff", "x"]
AFTERS = [None, "", "a", "a/", "a/b", "a/b/c", "a//", "b", "é/x", "\U0001F600", "trail/", "zzzz", "\U0010ffff"]


def test_order_is_utf8_binary(store: Store) -> None:
    assert [k for k, _ in store.ls().entries] == sorted(KEYS, key=utf8)
    got = [k for k, _ in store.ls(prefix="").entries if k in {"a", "b", "é", "z", "日本", "\U0001F600", "\uff21"}]
    # code point order, not UTF-16 (where U+FF21 would sort after U+1F600's surrogates)
    assert got == ["a", "b", "z", "é", "日本", "\uff21", "\U0001F600"]


def test_unpaged_listings_match_the_model(store: Store) -> None:
    for prefix, delimiter, after in itertools.product(PREFIXES, DELIMITERS, AFTERS):
        want = model(KEYS, prefix, delimiter, after or None)
        for kw in ({"start_after": after}, {"marker": after}):
            page = store.ls(prefix=prefix, delimiter=delimiter, **kw)
            assert items(page) == want, (prefix, delimiter, kw)
            assert not page.is_truncated and page.next_marker is None and page.next_token is None


@pytest.mark.parametrize("max_keys", [1, 2, 3, 5, 8])
def test_truncation_and_key_count_match_the_model(store: Store, max_keys: int) -> None:
    for prefix, delimiter, after in itertools.product(PREFIXES[:7], DELIMITERS[:4], AFTERS[:8]):
        want = model(KEYS, prefix, delimiter, after or None)
        page = store.ls(prefix=prefix, delimiter=delimiter, start_after=after, max_keys=max_keys)
        case = (prefix, delimiter, after, max_keys)
        assert items(page) == want[:max_keys], case
        assert page.key_count == min(max_keys, len(want)), case
        assert page.is_truncated is (len(want) > max_keys), case
        if page.is_truncated:
            assert page.next_marker == want[max_keys - 1][1], case
            assert decode_token(page.next_token) == want[max_keys - 1][1], case
        else:
            assert page.next_marker is None and page.next_token is None, case


def test_delimiter_rules(store: Store) -> None:
    page = store.ls(delimiter="/")
    assert "a/" in page.common_prefixes and "a" in dict(page.entries)
    assert len(page.common_prefixes) == len(set(page.common_prefixes))
    # a prefix that is itself a common prefix lists its own key; "a//" rolls up after it
    page = store.ls(prefix="a/", delimiter="/")
    assert page.common_prefixes == ["a//", "a/b/"]
    assert [k for k, _ in page.entries] == ["a/", "a/b", "a/c"]
    # the delimiter is searched for after the prefix only: "a//b" under "a/" has no "//" left
    page = store.ls(prefix="a/", delimiter="//")
    assert page.common_prefixes == ["a///"] and "a//b" in dict(page.entries)
    # a longer delimiter
    page = store.ls(prefix="bb", delimiter="b/")
    assert page.common_prefixes == ["bb/b/"] and page.entries == []
    # trailing slashes
    page = store.ls(prefix="trail/", delimiter="/")
    assert [k for k, _ in page.entries] == ["trail/"] and page.common_prefixes == ["trail//", "trail/x/"]
    # delimiters whose successor needs care: U+10FFFF has none, U+D7FF's is U+E000
    page = store.ls(prefix="a", delimiter="\U0010ffff")
    assert page.common_prefixes == ["a\U0010ffff"]
    page = store.ls(prefix="x", delimiter="\ud7ff")
    assert page.common_prefixes == ["x\ud7ff"] and [k for k, _ in page.entries] == ["x\ue000"]
    # prefix without delimiter, and a prefix with nothing under it
    assert [k for k, _ in store.ls(prefix="c/").entries] == ["c/x/y", "c/z"]
    assert items(store.ls(prefix="nope/", delimiter="/")) == []


def test_markers_and_common_prefixes(store: Store) -> None:
    # a marker inside a rolled-up prefix skips the rest of it (the prefix is not > marker)
    page = store.ls(prefix="a/", delimiter="/", marker="a/b/c")
    assert page.common_prefixes == [] and [k for k, _ in page.entries] == ["a/c"]
    # a marker equal to a common prefix does not list it again
    page = store.ls(prefix="a/", delimiter="/", marker="a/b/")
    assert items(page) == [("K", "a/c")]
    # a marker before the prefix starts at the prefix; one past it lists nothing
    assert items(store.ls(prefix="c/", marker="a")) == [("K", "c/x/y"), ("K", "c/z")]
    assert items(store.ls(prefix="c/", marker="d")) == []
    # start-after works the same way for v2
    assert items(store.ls(prefix="a/", delimiter="/", start_after="a/b/c")) == [("K", "a/c")]


def test_max_keys_zero_and_cap(store: Store) -> None:
    page = store.ls(max_keys=0)
    assert items(page) == [] and page.is_truncated is False and page.next_token is None
    assert store.lv(BUCKET, max_keys=0) == listing.VersionPage()
    store.put_objects("many", [f"k{i:05}" for i in range(1005)])
    page = store.ls("many", max_keys=5000)
    assert len(page.entries) == 1000 and page.is_truncated and page.next_marker == "k00999"
    page = store.ls("many", continuation_token=page.next_token)
    assert len(page.entries) == 5 and not page.is_truncated
    page = store.lv("many", max_keys=5000)
    assert len(page.entries) == 1000 and page.is_truncated


def test_is_truncated_only_when_more_follows(store: Store) -> None:
    # versitygw#816: marker past the first prefix, the rest rolls up into one prefix -> complete
    store.put_objects("t816", ["asdf", "boo/bar", "boo/baz/xyzzy", "cquux/thud", "cquux/bla"])
    page = store.ls("t816", delimiter="/", marker="boo/", max_keys=1)
    assert items(page) == [("P", "cquux/")] and page.is_truncated is False
    page = store.ls("t816", delimiter="/", max_keys=2)
    assert items(page) == [("K", "asdf"), ("P", "boo/")] and page.is_truncated is True
    assert items(store.ls("t816", delimiter="/", max_keys=3))[-1] == ("P", "cquux/")
    assert store.ls("t816", delimiter="/", max_keys=3).is_truncated is False


# ---- tokens ------------------------------------------------------------------------------------
def test_token_round_trip_and_garbage() -> None:
    for key in KEYS + ["", "/", "a" * 1024]:
        token = encode_token(key)
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert decode_token(token) == key
    good = encode_token("photos/2024/")
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    for garbage in ["", "!!not-a-token!!", "abc", "abcd", "AAAA", "a b", good[:-1], tampered, good + "A",
                    "Zm9vYmFy", "////", "%2F"]:
        with pytest.raises(ServiceError) as exc:
            decode_token(garbage)
        assert exc.value.code == "InvalidArgument" and exc.value.status == 400
        assert exc.value.message == "The continuation token provided is incorrect"


def test_token_wins_over_start_after(store: Store) -> None:
    first = store.ls(max_keys=3)
    page = store.ls(continuation_token=first.next_token, start_after="z", max_keys=3)
    assert items(page) == model(KEYS)[3:6]
    with pytest.raises(ServiceError):
        store.ls(continuation_token="", start_after="a")
    with pytest.raises(ServiceError):
        store.ls(continuation_token="!!not-a-token!!")


# ---- paging: the concatenation of pages is the unpaged listing ------------------------------
def page_v2(store: Store, max_keys: int, **kw: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    token = None
    for _ in range(len(KEYS) + 2):
        page = store.ls(max_keys=max_keys, continuation_token=token, **kw)
        assert page.key_count <= max_keys
        out += items(page)
        if not page.is_truncated:
            assert page.next_token is None
            return out
        assert page.key_count == max_keys
        token = page.next_token
    raise AssertionError("paging did not end")


def page_v1(store: Store, max_keys: int, **kw: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    marker = None
    for _ in range(len(KEYS) + 2):
        page = store.ls(max_keys=max_keys, marker=marker, **kw)
        out += items(page)
        if not page.is_truncated:
            return out
        # what botocore's paginator does: NextMarker (sent only with a delimiter) || Contents[-1].Key
        marker = page.next_marker if kw.get("delimiter") else page.entries[-1][0]
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("max_keys", range(1, 8))
@pytest.mark.parametrize("delimiter", [None, "/", "//"])
@pytest.mark.parametrize("prefix", ["", "a/", "a"])
def test_paging_equals_unpaged(store: Store, max_keys: int, delimiter: str | None, prefix: str) -> None:
    whole = items(store.ls(prefix=prefix, delimiter=delimiter))
    assert whole == model(KEYS, prefix, delimiter)
    assert page_v2(store, max_keys, prefix=prefix, delimiter=delimiter) == whole
    assert page_v1(store, max_keys, prefix=prefix, delimiter=delimiter) == whole
    # starting from a start-after, too
    tail = model(KEYS, prefix, delimiter, "a/b")
    assert page_v2(store, max_keys, prefix=prefix, delimiter=delimiter, start_after="a/b") == tail


def test_localstack_aws_snapshots_v1_v2(store: Store) -> None:
    """test_list_objects_marker_common_prefixes / ..._v2_continuation_common_prefixes (AWS-recorded)."""
    store.put_objects("snap", ["folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1",
                               "folder/file2"])
    kw: dict[str, Any] = {"prefix": "folder/", "delimiter": "/", "max_keys": 1}
    p1 = store.ls("snap", **kw)
    assert items(p1) == [("P", "folder/aSubfolder/")] and p1.is_truncated and p1.next_marker == "folder/aSubfolder/"
    p2 = store.ls("snap", marker=p1.next_marker, **kw)
    assert items(p2) == [("K", "folder/file1")] and p2.is_truncated and p2.next_marker == "folder/file1"
    p3 = store.ls("snap", marker=p2.next_marker, **kw)
    assert items(p3) == [("K", "folder/file2")] and not p3.is_truncated
    p = store.ls("snap", marker="folder/aSubfolder/subFile1", **kw)
    assert items(p) == [("K", "folder/file1")] and p.is_truncated and p.next_marker == "folder/file1"
    t2 = store.ls("snap", continuation_token=p1.next_token, **kw)
    assert items(t2) == [("K", "folder/file1")] and t2.is_truncated
    t3 = store.ls("snap", continuation_token=t2.next_token, **kw)
    assert items(t3) == [("K", "folder/file2")] and not t3.is_truncated and t3.next_token is None


# ---- reading no more than needed ----------------------------------------------------------------
def test_reads_only_what_it_needs(store: Store) -> None:
    keys = ["a", "c", "d"] + [f"big/{i:05}" for i in range(5000)]
    store.put_objects("dense", keys)
    page, tx = store.counted(lambda tx: list_objects(tx, "dense", max_keys=3))
    assert items(page) == [("K", "a"), ("K", "big/00000"), ("K", "big/00001")] and page.is_truncated
    assert tx.rows <= 4  # max-keys + 1
    page, tx = store.counted(lambda tx: list_objects(tx, "dense", delimiter="/"))
    assert items(page) == [("K", "a"), ("P", "big/"), ("K", "c"), ("K", "d")] and not page.is_truncated
    assert tx.rows < 50, tx.rows  # the 5,000 keys under big/ are jumped over, not read
    page, tx = store.counted(lambda tx: list_objects(tx, "dense", delimiter="/", max_keys=2))
    assert items(page) == [("K", "a"), ("P", "big/")] and page.is_truncated
    assert tx.rows < 20, tx.rows
    page, tx = store.counted(lambda tx: list_versions(tx, "dense", delimiter="/"))
    assert [k for k, _, _ in page.entries] == ["a", "c", "d"] and page.common_prefixes == ["big/"]
    assert tx.rows < 50, tx.rows


def test_many_dense_prefixes_read_few_records_each(store: Store) -> None:
    store.put_objects("dirs", [f"p{i:03}/k{j:02}" for i in range(200) for j in range(50)])
    page, tx = store.counted(lambda tx: list_objects(tx, "dirs", delimiter="/"))
    assert page.common_prefixes == [f"p{i:03}/" for i in range(200)] and not page.is_truncated
    assert tx.rows <= 200 * listing._SMALL + 50, tx.rows  # not 10,000
    pages = page_v2_raw(store, "dirs", 7, delimiter="/")
    assert pages == [("P", f"p{i:03}/") for i in range(200)]


def page_v2_raw(store: Store, bucket: str, max_keys: int, **kw: Any) -> list[tuple[str, str]]:
    out, token = [], None
    while True:
        page = store.ls(bucket, max_keys=max_keys, continuation_token=token, **kw)
        out += items(page)
        if not page.is_truncated:
            return out
        token = page.next_token


# ---- ListObjectVersions ---------------------------------------------------------------------------
def vitems(page: listing.VersionPage) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker) in listing order (prefixes excluded)."""
    return [(k, d["version_id"], latest, bool(d.get("delete_marker"))) for k, d, latest in page.entries]


def test_versions_localstack_aws_snapshot_markers(store: Store) -> None:
    """test_list_objects_versions_markers, recorded against AWS."""
    b = "vsnap"
    for key, vid in [("test_0", "v1"), ("test_1", "v2"), ("test_2", "v3"), ("test_2", "v4")]:
        store.put_version(b, key, vid)
    for key, vid in [("test_0", "v5"), ("test_1", "v6"), ("test_2", "v7")]:
        store.put_version(b, key, vid, delete_marker=True)
    for key, vid in [("test_0", "v8"), ("test_1", "v9")]:
        store.put_version(b, key, vid)
    every = [("test_0", "v8", True, False), ("test_0", "v5", False, True), ("test_0", "v1", False, False),
             ("test_1", "v9", True, False), ("test_1", "v6", False, True), ("test_1", "v2", False, False),
             ("test_2", "v7", True, True), ("test_2", "v4", False, False), ("test_2", "v3", False, False)]
    page = store.lv(b)
    assert vitems(page) == every and not page.is_truncated and page.next_key_marker is None
    page = store.lv(b, max_keys=5)
    assert vitems(page) == every[:5] and page.is_truncated
    assert (page.next_key_marker, page.next_version_id_marker) == ("test_1", "v6")
    page = store.lv(b, max_keys=1, key_marker="test_1")
    assert vitems(page) == [("test_2", "v7", True, True)] and page.is_truncated
    assert (page.next_key_marker, page.next_version_id_marker) == ("test_2", "v7")
    page = store.lv(b, max_keys=1, key_marker="test_2")
    assert vitems(page) == [] and not page.is_truncated
    page = store.lv(b, max_keys=1, key_marker="test_1", version_id_marker="v6")
    assert vitems(page) == [("test_1", "v2", False, False)] and page.is_truncated
    assert (page.next_key_marker, page.next_version_id_marker) == ("test_1", "v2")
    page = store.lv(b, max_keys=1, key_marker="test_2", version_id_marker="v4")
    assert vitems(page) == [("test_2", "v3", False, False)] and not page.is_truncated
    page = store.lv(b, max_keys=1, key_marker="")
    assert vitems(page) == [("test_0", "v8", True, False)] and page.is_truncated
    # paging with every page size gives the whole listing back
    for n in range(1, 8):
        assert page_versions(store, b, n) == every


def test_versions_localstack_aws_snapshot_common_prefixes(store: Store) -> None:
    b = "vsnap-cp"
    for i, key in enumerate(["folder/aSubfolder/subFile1", "folder/aSubfolder/subFile2", "folder/file1",
                             "folder/file2"]):
        store.put_version(b, key, f"v{i + 1}")
    kw: dict[str, Any] = {"prefix": "folder/", "delimiter": "/", "max_keys": 1}
    p1 = store.lv(b, **kw)
    assert p1.common_prefixes == ["folder/aSubfolder/"] and p1.entries == [] and p1.is_truncated
    assert (p1.next_key_marker, p1.next_version_id_marker) == ("folder/aSubfolder/", None)
    p2 = store.lv(b, key_marker=p1.next_key_marker, **kw)
    assert vitems(p2) == [("folder/file1", "v3", True, False)] and p2.is_truncated
    assert (p2.next_key_marker, p2.next_version_id_marker) == ("folder/file1", "v3")
    p3 = store.lv(b, key_marker=p2.next_key_marker, **kw)
    assert vitems(p3) == [("folder/file2", "v4", True, False)] and not p3.is_truncated
    p = store.lv(b, key_marker="folder/aSubfolder/subFile1", **kw)
    assert vitems(p) == [("folder/file1", "v3", True, False)] and p.is_truncated


def test_versions_marker_deleted_between_pages(store: Store) -> None:
    """test_list_objects_versions_with_prefix_only_and_pagination (AWS-recorded): the client
    deletes the versions of page 1, then asks for page 2 with a marker that no longer exists."""
    b = "vdel"
    for i in range(5, 0, -1):
        store.put_version(b, "prefixed_key", f"v{i}")  # v1 ends up newest
    store.put_version(b, "non_prefixed_key", "n1")
    page = store.lv(b, prefix="prefix", max_keys=3)
    assert [v for _, v, _, _ in vitems(page)] == ["v1", "v2", "v3"] and page.is_truncated
    assert (page.next_key_marker, page.next_version_id_marker) == ("prefixed_key", "v3")
    page = store.lv(b, prefix="prefix", max_keys=4, key_marker="prefixed_key")
    assert vitems(page) == [] and not page.is_truncated
    page = store.lv(b, prefix="prefix", max_keys=5, key_marker="prefixed_key", version_id_marker="v3")
    assert vitems(page) == [("prefixed_key", "v4", False, False), ("prefixed_key", "v5", False, False)]
    for vid in ("v1", "v2", "v3"):
        store.drop_version(b, "prefixed_key", vid)
    page = store.lv(b, prefix="prefix", max_keys=5, key_marker="prefixed_key", version_id_marker="v3")
    assert vitems(page) == [("prefixed_key", "v4", True, False), ("prefixed_key", "v5", False, False)]
    assert not page.is_truncated


def page_versions(store: Store, bucket: str, max_keys: int, **kw: Any) -> list[Any]:
    out: list[Any] = []
    key_marker = vid_marker = None
    for _ in range(1000):
        page = store.lv(bucket, max_keys=max_keys, key_marker=key_marker, version_id_marker=vid_marker, **kw)
        assert len(page.entries) + len(page.common_prefixes) <= max_keys
        merged = [(k, d["version_id"], latest, bool(d.get("delete_marker"))) for k, d, latest in page.entries]
        merged += [(p, None, None, None) for p in page.common_prefixes]
        out += sorted(merged, key=lambda t: utf8(t[0]))  # sorted() is stable: versions keep their order
        if not page.is_truncated:
            return out
        key_marker, vid_marker = page.next_key_marker, page.next_version_id_marker
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("max_keys", range(1, 8))
@pytest.mark.parametrize("delimiter", [None, "/"])
def test_versions_paging_equals_unpaged(store: Store, max_keys: int, delimiter: str | None) -> None:
    b = "vpage"
    if not store.lv(b).entries:
        for n, key in enumerate(["a", "a/b", "a/c/d", "b", "é", "日本/x", "\U0001F600", "z/", "z//"]):
            for v in range(n % 3 + 1):
                store.put_version(b, key, f"{key}#{v}", delete_marker=(v == 1))
    whole = page_versions(store, b, 1000, delimiter=delimiter)
    assert page_versions(store, b, max_keys, delimiter=delimiter) == whole
    latest = [t for t in whole if t[2]]
    assert len(latest) == len({t[0] for t in whole if t[1] is not None})  # one latest per key
    if delimiter:
        assert [t[0] for t in whole if t[1] is None] == ["a/", "z/", "日本/"]


def test_versions_of_a_never_versioned_bucket_are_null(store: Store) -> None:
    page = store.lv(BUCKET)
    assert [(k, d["version_id"], latest) for k, d, latest in page.entries] == [
        (k, "null", True) for k in sorted(KEYS, key=utf8)]
    page = store.lv(BUCKET, prefix="a/", delimiter="/")
    assert [k for k, _, _ in page.entries] == ["a/", "a/b", "a/c"] and page.common_prefixes == ["a//", "a/b/"]
    page = store.lv(BUCKET, max_keys=2)
    assert page.is_truncated and page.next_version_id_marker == "null"
    page = store.lv(BUCKET, max_keys=2, key_marker=page.next_key_marker, version_id_marker="null")
    assert [k for k, _, _ in page.entries] == sorted(KEYS, key=utf8)[2:4]
    # paging through the null versions of the whole bucket
    expected = [(k, "null", True, False) for k in sorted(KEYS, key=utf8)]
    for n in (1, 3, 7):
        assert page_versions(store, BUCKET, n) == expected


def test_versioned_bucket_lists_only_its_versions(store: Store) -> None:
    """A versioned bucket lists from s3/versions: objects not there are not versions."""
    store.put_objects("mixed", ["only-current"])
    store.put_version("mixed", "kept", "k1")
    assert [k for k, _, _ in store.lv("mixed").entries] == ["kept"]


# ---- encoding-type=url -----------------------------------------------------------------------------
def test_url_encode_key() -> None:
    assert url_encode_key("a b.txt") == "a+b.txt"  # measured on S3 (brekkylab/backlot#178)
    assert url_encode_key("a+b.txt") == "a%2Bb.txt"
    assert url_encode_key("100%.csv") == "100%25.csv"
    assert url_encode_key("한글/x.txt") == "%ED%95%9C%EA%B8%80/x.txt"
    assert url_encode_key("test_file(3).png") == "test_file%283%29.png"  # the AWS reference's example
    assert url_encode_key("date=2026-03-01/") == "date%3D2026-03-01/"  # AWS-recorded LocalStack snapshot
    assert url_encode_key("a//b/") == "a//b/"
    for key in KEYS + ["\x01\x0a\x7f", "~*'!"]:
        encoded = url_encode_key(key)
        assert encoded.isascii() and " " not in encoded and unquote_plus(encoded) == key
