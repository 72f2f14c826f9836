"""Paging through a bucket in S3's order: ListObjectsV2, ListObjects (v1) and ListObjectVersions.

This is the pure listing logic over the engine records (the wire side is :mod:`.listing_ops`):

* ``s3/objects``  ``{bucket}/{key}`` → the current, live version of each key;
* ``s3/versions`` ``{bucket}/{key}\\x01{order}`` → every version (``order`` sorts newest
  first), only for buckets that have ever had versioning. A bucket with nothing there
  lists its ``s3/objects`` records as ``null`` versions. (Layout limit: a key holding
  U+0001 may list out of place among the versions of the key before it.)

Rules (AWS API reference; AWS-validated behaviour cross-checked against LocalStack's
snapshot tests, which are recorded against real S3):

* Order: keys are listed in UTF-8 binary order, which is the engine's record order and
  Python's code point order for ``str`` — https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  ("returns objects in lexicographical order based on their key names").
* Delimiter: a key whose remainder *after the prefix* contains the delimiter is rolled up
  into one CommonPrefix ``prefix + remainder[:end of first delimiter]``; each rolled-up
  prefix "counts as only one return against the MaxKeys value" and is listed once. The
  search starts after the prefix, so a prefix that itself ends in the delimiter lists its
  own key (``prefix="a/"`` lists key ``a/`` under Contents). Delimiters may be longer than
  one character.
* StartAfter / Marker / KeyMarker are exclusive, and "CommonPrefixes is filtered out from
  results if it is not lexicographically greater than the StartAfter value" (v2) / "the
  key-marker" (v1, versions) — so a marker inside a rolled-up prefix skips the rest of it
  (``marker="a/b/c"``, delimiter ``/`` continues after ``a/b/``).
* ContinuationToken wins over StartAfter (a request carrying both resumes from the token:
  LocalStack's AWS-recorded snapshot ``list-objects-start-after-token``). Tokens are
  opaque; ours encodes the last item returned (key or common prefix), so resuming is
  "start after it" with the same prefix filter. A token that does not decode is
  ``InvalidArgument`` "The continuation token provided is incorrect" (also for ``""``).
* Scan bounds never contain NUL (PostgreSQL text cannot hold one): "after" bounds, not "+ \\x00".
* MaxKeys: at most 1,000 per page; ``max-keys=0`` answers an empty page with IsTruncated
  false (as AWS does: https://github.com/versity/versitygw/issues/248).
* IsTruncated is true only when another item (key or *new* common prefix) really follows;
  it is decided by looking one item ahead, so a page that ends exactly at the end of the
  listing is not truncated.
* v1 NextMarker: "returned only if you have delimiter request parameter specified. If the
  response does not include the NextMarker and it is truncated, you can use the value of
  the last Key" — https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html.
  :attr:`ListPage.next_marker` is always the last item (key *or* common prefix) of a
  truncated page; the wire layer sends it only with a delimiter.
* ListObjectVersions — https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html:
  keys in order, versions newest first within a key; versions, delete markers and common
  prefixes all count toward max-keys. ``key-marker`` alone starts after *every* version of
  that key; with ``version-id-marker`` it starts after that version of that key. The
  reference calls NextKeyMarker/NextVersionIdMarker "the first key/version not returned",
  but S3 answers with the *last* key and version id returned (or the last common prefix
  and no version id) and treats the markers as exclusive — that is what paginators rely
  on and what S3 really does (LocalStack snapshot ``test_list_objects_versions_markers``).
  IsLatest is the version's real status, also on later pages.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import orjson

from squall.engine.api import Tx
from squall.engine.sqltx import prefix_end
from squall.services.s3.buckets import NS_OBJECTS, NS_VERSIONS
from squall.services.s3.errors import S3Error

MAX_KEYS = 1000  # S3's cap on one page
_BATCH = 1000  # largest scan batch
_SMALL = 8  # first batch after jumping past a rolled-up prefix (then x4 per batch)
_SEP = "\x01"  # between key and order in s3/versions record keys


@dataclass
class ListPage:
    """One page of ListObjectsV2 / ListObjects."""

    entries: list[tuple[str, dict]] = field(default_factory=list)  # (key, metadata doc), in order
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_marker: str | None = None  # last key or common prefix of a truncated page (v1 NextMarker)
    next_token: str | None = None  # v2 NextContinuationToken of a truncated page

    @property
    def key_count(self) -> int:
        """v2 KeyCount: keys plus common prefixes."""
        return len(self.entries) + len(self.common_prefixes)


@dataclass
class VersionPage:
    """One page of ListObjectVersions."""

    entries: list[tuple[str, dict, bool]] = field(default_factory=list)  # (key, version doc, is_latest)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_key_marker: str | None = None  # last key (or common prefix) of a truncated page
    next_version_id_marker: str | None = None  # its version id (None after a common prefix)


# ---- tokens and encoding -------------------------------------------------------------
def encode_token(key: str) -> str:
    """An opaque continuation token for "resume after ``key``": base64url (no padding) of
    the UTF-8 key followed by a CRC-32 of it, so garbage is rejected, not misread."""
    raw = key.encode("utf-8")
    return base64.urlsafe_b64encode(raw + zlib.crc32(raw).to_bytes(4, "big")).rstrip(b"=").decode("ascii")


def decode_token(token: str) -> str:
    """The key :func:`encode_token` made ``token`` from; ``InvalidArgument`` for anything else."""
    try:
        data = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        raw, check = data[:-4], data[-4:]
        if len(data) < 4 or zlib.crc32(raw).to_bytes(4, "big") != check:
            raise ValueError("checksum")
        return raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):  # UnicodeDecodeError is a ValueError
        raise S3Error("The continuation token provided is incorrect", code="InvalidArgument", status=400,
                      ArgumentName="continuation-token") from None


def url_encode_key(key: str) -> str:
    """A key (or prefix, delimiter, marker) as S3 sends it with ``encoding-type=url``.

    S3 uses form encoding with ``/`` kept: a space becomes ``+``, a literal ``+`` becomes
    ``%2B``, ``%`` → ``%25``, ``=`` → ``%3D``, ``(`` → ``%28``, non-ASCII → percent-encoded
    UTF-8, ``/`` unchanged. Sources: the EncodingType reference ("test_file(3).png will
    appear as test_file%283%29.png", https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html);
    a measurement against S3 (``a b.txt`` → ``a+b.txt``, ``a+b.txt`` → ``a%2Bb.txt``,
    ``한글/x.txt`` → ``%ED%95%9C%EA%B8%80/x.txt``: https://github.com/brekkylab/backlot/issues/178);
    LocalStack's AWS snapshot (``date=2026-03-01/`` → ``date%3D2026-03-01/``); and botocore,
    which decodes these elements with ``unquote_plus`` (``handlers.decode_list_object*``).
    Unverified against S3: ``*`` and ``~`` (this encodes ``*``, keeps ``~``); any decoder
    handles both spellings.
    """
    return quote_plus(key, safe="/")


# ---- scanning ------------------------------------------------------------------------
class _Scan:
    """The records of ``ns`` starting with ``scan_prefix`` in key order, from ``start``
    (inclusive) or after ``after`` on, read in batches. :meth:`skip_to` jumps forward (past a rolled-up
    common prefix) without reading what lies in between.

    Batch sizes: never more than ``cap`` (the caller's "items still wanted + 1", so a plain
    listing reads max-keys + 1 records), at most :data:`_BATCH`; after a jump beyond the
    buffered batch the next read starts at :data:`_SMALL` and grows x4 per batch, so a listing
    of many dense common prefixes reads a handful of records per prefix, not a thousand.
    """

    def __init__(self, tx: Tx, ns: str, scan_prefix: str, *, start: str | None = None, after: str | None = None,
                 first: int) -> None:
        self._tx, self._ns, self._prefix = tx, ns, scan_prefix
        # bounds of the next read (never built with "\x00": PostgreSQL text cannot hold NUL)
        self._start: str | None = start  # inclusive
        self._after: str | None = after  # exclusive
        self._rows: list[tuple[str, bytes]] = []
        self._keys: list[str] | None = None  # record keys of _rows, built on the first jump into them
        self._i = 0
        self._done = False  # the last read came back short: nothing lies beyond _rows
        self._size = first
        self.cap = _BATCH
        self.rows_read = 0

    def next(self) -> tuple[str, bytes] | None:
        if self._i >= len(self._rows) and (self._done or not self._fill()):
            return None
        row = self._rows[self._i]
        self._i += 1
        return row

    def _fill(self) -> bool:
        limit = max(1, min(self._size, self.cap, _BATCH))
        rows = self._tx.scan(self._ns, prefix=self._prefix, start=self._start, after=self._after, limit=limit)
        self.rows_read += len(rows)
        self._rows, self._keys, self._i = rows, None, 0
        self._done = len(rows) < limit
        if rows:
            self._start, self._after = None, rows[-1][0]
        self._size = min(self._size * 4, _BATCH)
        return bool(rows)

    def skip_to(self, start: str | None) -> None:
        """Continue with the first record ``>= start`` (``None``: there is nothing more)."""
        if start is None:
            self._rows, self._keys, self._i, self._done = [], None, 0, True
            return
        if self._rows and self._rows[-1][0] >= start:  # lands inside the buffered batch
            if self._keys is None:
                self._keys = [k for k, _ in self._rows]
            self._i = max(self._i, bisect_left(self._keys, start, self._i))
            return
        self._rows, self._keys, self._i = [], None, 0
        if not self._done:  # read on from the jump target, in small batches again
            self._start, self._after, self._size = start, None, _SMALL


def _items(scan: _Scan, base: str, prefix: str, delimiter: str | None, after: str | None,
           versions: bool) -> Iterator[tuple[str, str | None, bytes | None]]:
    """``(key, record key, value)`` for each record, or ``(common prefix, None, None)``
    once per rolled-up prefix that sorts after ``after`` (the others are skipped silently).
    ``base`` is ``"{bucket}/"``; ``versions``: record keys end in ``\\x01{order}``."""
    cut = len(base)
    while (row := scan.next()) is not None:
        rec_key, raw = row
        key = rec_key[cut:].rsplit(_SEP, 1)[0] if versions else rec_key[cut:]
        if delimiter:
            at = key.find(delimiter, len(prefix))
            if at >= 0:
                common = key[: at + len(delimiter)]
                scan.skip_to(prefix_end(base + common))  # every record of every key under it
                if after is None or common > after:
                    yield common, None, None
                continue
        yield key, rec_key, raw


# ---- ListObjectsV2 / ListObjects -------------------------------------------------------
def list_objects(tx: Tx, bucket: str, *, prefix: str = "", delimiter: str | None = None, max_keys: int = 1000,
                 start_after: str | None = None, continuation_token: str | None = None,
                 marker: str | None = None) -> ListPage:
    """One page of the bucket's live objects (v2 with ``start_after``/``continuation_token``,
    v1 with ``marker``). ``continuation_token`` (when not None) wins over ``start_after``;
    an undecodable one raises ``InvalidArgument``. ``max_keys`` is capped at 1,000."""
    after = decode_token(continuation_token) if continuation_token is not None else (start_after or marker or None)
    page = ListPage()
    max_keys = min(max_keys, MAX_KEYS)
    if max_keys <= 0:
        return page
    base = f"{bucket}/"
    delimiter = delimiter or None
    scan = _Scan(tx, NS_OBJECTS, base + prefix, after=base + after if after else None,
                 first=_SMALL if delimiter else _BATCH)
    scan.cap = max_keys + 1
    last = ""
    for count, (key, _rec, raw) in enumerate(_items(scan, base, prefix, delimiter, after, versions=False)):
        if count == max_keys:  # one more item exists
            page.is_truncated = True
            break
        if raw is None:
            page.common_prefixes.append(key)
        else:
            page.entries.append((key, orjson.loads(raw)))
        last = key
        scan.cap = max_keys - count  # what is still wanted, plus one to look ahead
    if page.is_truncated:
        page.next_marker = last
        page.next_token = encode_token(last)
    return page


# ---- ListObjectVersions ------------------------------------------------------------------
def _version_id(raw: bytes) -> str:
    return orjson.loads(raw).get("version_id") or "null"


def _find_version(tx: Tx, bucket: str, key: str, version_id: str, versioned: bool) -> str | None:
    """The record key of ``version_id`` of ``key``, if it exists."""
    if not versioned:
        rec_key = f"{bucket}/{key}"
        raw = tx.get(NS_OBJECTS, rec_key)
        return rec_key if raw is not None and _version_id(raw) == version_id else None
    rec_prefix, after, needle = f"{bucket}/{key}{_SEP}", None, version_id.encode()
    while True:  # one key's versions, newest first, in batches
        rows = tx.scan(NS_VERSIONS, prefix=rec_prefix, after=after, limit=_BATCH)
        for rec_key, raw in rows:
            if needle in raw and _version_id(raw) == version_id:
                return rec_key
        if len(rows) < _BATCH:
            return None
        after = rows[-1][0]


def list_versions(tx: Tx, bucket: str, *, prefix: str = "", delimiter: str | None = None, max_keys: int = 1000,
                  key_marker: str | None = None, version_id_marker: str | None = None) -> VersionPage:
    """One page of every version (and delete marker) in the bucket, keys in order and
    versions newest first within a key.

    ``key_marker`` alone starts after every version of that key; with ``version_id_marker``
    after that version of that key. A version-id marker that no longer exists (the client
    deleted it between pages, as "delete every version page by page" loops do) cannot be
    placed — squall's version ids carry no order — so the listing then restarts at the
    key's newest remaining version: versions newer than the lost marker may be listed
    again, none is skipped. (The wire layer rejects a version-id marker without a key
    marker.) ``max_keys`` is capped at 1,000."""
    page = VersionPage()
    max_keys = min(max_keys, MAX_KEYS)
    if max_keys <= 0:
        return page
    base = f"{bucket}/"
    delimiter = delimiter or None
    versioned = bool(tx.scan(NS_VERSIONS, prefix=base, limit=1))
    ns = NS_VERSIONS if versioned else NS_OBJECTS
    start = after = None
    prev_key: str | None = None  # a key whose newest version lies before where the scan starts
    if key_marker:
        # after every version of key_marker: versions are "{key}\x01{order}", objects "{key}"
        if versioned:
            start = prefix_end(base + key_marker + _SEP)
        else:
            after = base + key_marker
        if version_id_marker:
            rec_key = _find_version(tx, bucket, key_marker, version_id_marker, versioned)
            if rec_key is not None:
                start, after, prev_key = None, rec_key, key_marker
            else:  # gone (or never was): list every remaining version of key_marker
                start, after = base + key_marker, None
    scan = _Scan(tx, ns, base + prefix, start=start, after=after, first=_SMALL if delimiter else _BATCH)
    scan.cap = max_keys + 1
    last_key, last_vid = "", None
    items = _items(scan, base, prefix, delimiter, key_marker or None, versions=versioned)
    for count, (key, _rec, raw) in enumerate(items):
        if count == max_keys:
            page.is_truncated = True
            break
        if raw is None:
            page.common_prefixes.append(key)
            last_key, last_vid = key, None
        else:
            doc = orjson.loads(raw)
            latest = not versioned or key != prev_key
            prev_key = key
            page.entries.append((key, doc, latest))
            last_key, last_vid = key, doc.get("version_id") or "null"
        scan.cap = max_keys - count
    if page.is_truncated:
        page.next_key_marker = last_key
        page.next_version_id_marker = last_vid
    return page
