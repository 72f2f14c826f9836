"""Paging through a bucket in S3's order: ListObjectsV2, ListObjects and ListObjectVersions.

Keys are UTF-8 and listed in binary order, which is exactly the engine's record
order (:meth:`Tx.scan`). With a delimiter, every key whose remainder after the
prefix contains the delimiter rolls up into one CommonPrefix, which counts
toward max-keys like a key; after emitting common prefix ``P`` the scan jumps
past every key starting with ``P`` instead of walking them.

* https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html —
  ContinuationToken wins over StartAfter; KeyCount counts keys + prefixes;
* https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html —
  NextMarker is returned only with a delimiter (clients use the last key otherwise);
* https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html —
  KeyMarker/VersionIdMarker, versions newest first within a key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import quote

import orjson

from squall.engine.api import Tx
from squall.services.s3.buckets import NS_OBJECTS, NS_VERSIONS
from squall.services.s3.errors import S3Error

_BATCH = 1000
_SEP = "\x01"
_MAX_CHAR = "\U0010ffff"  # sorts after every character a key can hold


@dataclass
class ListPage:
    entries: list[tuple[str, dict]] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_marker: str | None = None
    next_token: str | None = None


@dataclass
class VersionPage:
    entries: list[tuple[str, dict, bool]] = field(default_factory=list)  # (key, doc, is_latest)
    common_prefixes: list[str] = field(default_factory=list)
    is_truncated: bool = False
    next_key_marker: str | None = None
    next_version_id_marker: str | None = None


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode()


def decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise S3Error("The continuation token provided is incorrect", code="InvalidArgument",
                      ArgumentName="continuation-token") from None


def url_encode_key(key: str) -> str:
    """``encoding-type=url``: percent-encode everything but unreserved characters and ``/``."""
    return quote(key, safe="/")


def _walk(tx: Tx, ns: str, bucket: str, prefix: str, after: str | None, delimiter: str | None,
          start: str | None = None):
    """Yield ``(key, raw record key, value)`` or ``(common_prefix, None, None)`` in order,
    after ``after`` (or from ``start`` on, inclusive)."""
    base = f"{bucket}/"
    cursor = base + after if after is not None else None
    first = base + start if start is not None else None
    seen_prefix: str | None = None
    while True:
        rows = tx.scan(ns, prefix=base + prefix, after=cursor, start=first, limit=_BATCH)
        first = None
        if not rows:
            return
        jumped = False
        for rec_key, raw in rows:
            cursor = rec_key
            key = rec_key[len(base):]
            if ns == NS_VERSIONS:
                key = key.rsplit(_SEP, 1)[0]
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = key[: cut + len(delimiter)]
                    if common != seen_prefix:
                        seen_prefix = common
                        yield common, None, None
                    cursor = base + common + _MAX_CHAR  # skip the rest under this prefix
                    jumped = True
                    break
            yield key, rec_key, raw
        if not jumped and len(rows) < _BATCH:
            return


def list_objects(tx: Tx, bucket: str, *, prefix: str = "", delimiter: str | None = None, max_keys: int = 1000,
                 start_after: str | None = None, continuation_token: str | None = None,
                 marker: str | None = None) -> ListPage:
    page = ListPage()
    after = decode_token(continuation_token) if continuation_token else (start_after or marker or None)
    if max_keys <= 0:
        return page
    if after is not None and after < prefix:
        after = None
    last: str | None = None
    for key, rec_key, raw in _walk(tx, NS_OBJECTS, bucket, prefix, after, delimiter):
        if rec_key is None and after is not None and key <= after:
            continue  # the marker itself is this common prefix: it was on the previous page
        if len(page.entries) + len(page.common_prefixes) >= max_keys:
            page.is_truncated = True
            break
        if rec_key is None:
            page.common_prefixes.append(key)
        else:
            page.entries.append((key, orjson.loads(raw)))
        last = key
    if page.is_truncated and last is not None:
        page.next_marker = last
        # resuming after a common prefix must skip everything under it
        page.next_token = encode_token(last + _MAX_CHAR if last in page.common_prefixes[-1:] else last)
    return page


def _versioned(tx: Tx, bucket: str) -> bool:
    return bool(tx.scan(NS_VERSIONS, prefix=bucket + "/", limit=1))


def list_versions(tx: Tx, bucket: str, *, prefix: str = "", delimiter: str | None = None, max_keys: int = 1000,
                  key_marker: str | None = None, version_id_marker: str | None = None) -> VersionPage:
    page = VersionPage()
    if max_keys <= 0:
        return page
    versioned = _versioned(tx, bucket)
    ns = NS_VERSIONS if versioned else NS_OBJECTS
    # KeyMarker without VersionIdMarker: start after every version of that key
    after = None
    skipping = False
    if key_marker:
        if version_id_marker and versioned:
            after = key_marker  # versions of key_marker after the marker version come first
            skipping = True
        else:
            after = key_marker + (_SEP + _MAX_CHAR if versioned else "")
    if after is not None and after < prefix:
        after, skipping = None, False
    count = 0
    last_key: str | None = None
    prev_key: str | None = None
    last_vid: str | None = None
    walk = (_walk(tx, ns, bucket, prefix, None, delimiter, start=key_marker) if skipping
            else _walk(tx, ns, bucket, prefix, after, delimiter))
    for key, rec_key, raw in walk:
        if rec_key is None:
            if count >= max_keys:
                page.is_truncated = True
                break
            page.common_prefixes.append(key)
            last_key, last_vid = key, None
            count += 1
            continue
        doc = orjson.loads(raw)
        if skipping:
            if key < key_marker:
                continue
            if key == key_marker:
                if doc.get("version_id") == version_id_marker:
                    skipping = False
                prev_key = key
                continue
            skipping = False
        is_latest = key != prev_key
        prev_key = key
        if count >= max_keys:
            page.is_truncated = True
            break
        page.entries.append((key, doc, is_latest))
        last_key, last_vid = key, doc.get("version_id", "null")
        count += 1
    if page.is_truncated:
        page.next_key_marker = last_key
        page.next_version_id_marker = last_vid
    return page
