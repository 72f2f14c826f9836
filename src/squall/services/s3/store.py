"""Where object versions and their bytes are kept, and how a write or delete changes them.

Records (engine namespaces):

* ``s3/objects``  ``{bucket}/{key}`` → the current version's document, for live
  objects only (what ListObjects shows; delete markers are never here);
* ``s3/versions`` ``{bucket}/{key}\\x01{order}`` → every version, delete markers
  included, newest first within a key — only for buckets that have ever had
  versioning; when versioning is first turned on, the existing objects are
  adopted as their ``null`` versions (:func:`adopt_versions`);
* ``s3/data``     ``{data id}`` → the bytes of small objects (up to
  :data:`INLINE_MAX`), committed with the metadata in the same transaction;
  larger objects are blob files (:mod:`squall.storage.blobs`) claimed in it;
  a completed multipart upload keeps its parts' blob files as segments (no copy).

A document is a dict: ``key, size, etag, modified, version_id, data`` (``{"inline": id}``,
``{"blob": id}`` or ``{"segments": [{"blob": id, "size": n}, …]}``), the system headers, ``metadata``, ``tags``, ``checksums``,
``checksum_type``, ``parts`` (multipart part sizes) and ``delete_marker`` (versions only).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import orjson

from squall.arn import ordered_uuid
from squall.engine.api import Tx
from squall.services.s3.buckets import NS_OBJECTS, NS_VERSIONS, BucketRecord
from squall.storage import blobs

NS_DATA = "s3/data"
INLINE_MAX = 128 * 1024
_SEP = "\x01"
_last_stamp = 0


def object_key(bucket: str, key: str) -> str:
    return f"{bucket}/{key}"


def _order() -> str:
    """A fixed-width string that sorts newer versions first (µs clock, never repeating)."""
    global _last_stamp
    _last_stamp = max(_last_stamp + 1, time.time_ns() // 1000)
    return f"{(1 << 62) - _last_stamp:019d}"


def new_data_id() -> str:
    return ordered_uuid().replace("-", "")


def new_version_id() -> str:
    return secrets.token_urlsafe(24)


def current(tx: Tx, bucket: str, key: str) -> dict | None:
    raw = tx.get(NS_OBJECTS, object_key(bucket, key))
    return orjson.loads(raw) if raw is not None else None


def versions_of(tx: Tx, bucket: str, key: str) -> list[tuple[str, dict]]:
    """(record key, doc) for every version of ``key``, newest first."""
    return [(k, orjson.loads(v)) for k, v in tx.scan(NS_VERSIONS, prefix=object_key(bucket, key) + _SEP)]


def latest(tx: Tx, bucket: BucketRecord, key: str) -> dict | None:
    """The newest version, which may be a delete marker (versioned buckets), or the current object."""
    if bucket.versioned:
        found = tx.scan(NS_VERSIONS, prefix=object_key(bucket.name, key) + _SEP, limit=1)
        return orjson.loads(found[0][1]) if found else None
    return current(tx, bucket.name, key)


def find_version(tx: Tx, bucket: BucketRecord, key: str, version_id: str) -> tuple[str | None, dict | None]:
    if not bucket.versioned:
        doc = current(tx, bucket.name, key) if version_id == "null" else None
        return None, doc
    for rec_key, doc in versions_of(tx, bucket.name, key):
        if doc.get("version_id") == version_id:
            return rec_key, doc
    return None, None


# ---- bytes -----------------------------------------------------------------------
def read_inline(tx: Tx, doc: dict) -> bytes:
    return tx.get(NS_DATA, doc["data"]["inline"]) or b""


def claim_data(tx: Tx, data: dict, inline: bytes | None = None) -> None:
    if "inline" in data:
        tx.put(NS_DATA, data["inline"], inline or b"")
    elif "segments" in data:  # a completed multipart upload: its parts' blobs, in order
        for seg in data["segments"]:
            blobs.claim(tx, seg["blob"], "s3")
    else:
        blobs.claim(tx, data["blob"], "s3")


def segments(doc: dict) -> list[tuple[str, int]]:
    """(blob id, size) of the blob files that hold ``doc``'s bytes, in order."""
    data = doc["data"]
    if "segments" in data:
        return [(seg["blob"], seg["size"]) for seg in data["segments"]]
    return [(data["blob"], doc["size"])]


def release_data(tx: Tx, store: blobs.BlobStore, doc: dict) -> None:
    data = doc.get("data")
    if not data:
        return
    if "inline" in data:
        tx.delete(NS_DATA, data["inline"])
    elif "segments" in data:
        for seg in data["segments"]:
            blobs.release(tx, store, seg["blob"])
    else:
        blobs.release(tx, store, data["blob"])


# ---- changes ---------------------------------------------------------------------
def write(tx: Tx, store: blobs.BlobStore, bucket: BucketRecord, key: str, doc: dict) -> None:
    """Make ``doc`` the newest version of ``key`` (its data already claimed in ``tx``)."""
    ok = object_key(bucket.name, key)
    if not bucket.versioned:
        doc["version_id"] = "null"
        old = current(tx, bucket.name, key)
        if old is not None and old.get("data") != doc.get("data"):
            release_data(tx, store, old)
        tx.put(NS_OBJECTS, ok, orjson.dumps(doc))
        return
    if bucket.versioning == "Enabled":
        doc["version_id"] = new_version_id()
    else:  # Suspended: the new version is "null" and replaces an existing "null" one
        doc["version_id"] = "null"
        _drop_null_version(tx, store, bucket, key, keep_data=doc.get("data"))
    tx.put(NS_VERSIONS, f"{ok}{_SEP}{_order()}", orjson.dumps(doc))
    tx.put(NS_OBJECTS, ok, orjson.dumps(doc))


def _drop_null_version(tx: Tx, store: blobs.BlobStore, bucket: BucketRecord, key: str,
                       keep_data: dict | None = None) -> None:
    for rec_key, doc in versions_of(tx, bucket.name, key):
        if doc.get("version_id") == "null":
            tx.delete(NS_VERSIONS, rec_key)
            if doc.get("data") != keep_data:
                release_data(tx, store, doc)


def delete(tx: Tx, store: blobs.BlobStore, bucket: BucketRecord, key: str) -> dict | None:
    """DeleteObject without a version id: the removed doc (unversioned), the new delete
    marker (versioned), or None when there was nothing to delete (unversioned)."""
    ok = object_key(bucket.name, key)
    if not bucket.versioned:
        old = current(tx, bucket.name, key)
        if old is None:
            return None
        tx.delete(NS_OBJECTS, ok)
        release_data(tx, store, old)
        return old
    marker = {"key": key, "delete_marker": True, "modified": tx.now, "size": 0}
    if bucket.versioning == "Enabled":
        marker["version_id"] = new_version_id()
    else:
        marker["version_id"] = "null"
        _drop_null_version(tx, store, bucket, key)
    tx.put(NS_VERSIONS, f"{ok}{_SEP}{_order()}", orjson.dumps(marker))
    tx.delete(NS_OBJECTS, ok)
    return marker


def delete_version(tx: Tx, store: blobs.BlobStore, bucket: BucketRecord, key: str,
                   version_id: str) -> dict | None:
    """Remove one version for good; the newest remaining one becomes current."""
    if not bucket.versioned:
        return delete(tx, store, bucket, key) if version_id == "null" else None
    rec_key, doc = find_version(tx, bucket, key, version_id)
    if rec_key is None or doc is None:
        return None
    tx.delete(NS_VERSIONS, rec_key)
    if not doc.get("delete_marker"):
        release_data(tx, store, doc)
    ok = object_key(bucket.name, key)
    rest = tx.scan(NS_VERSIONS, prefix=ok + _SEP, limit=1)
    newest = orjson.loads(rest[0][1]) if rest else None
    if newest is None or newest.get("delete_marker"):
        tx.delete(NS_OBJECTS, ok)
    else:
        tx.put(NS_OBJECTS, ok, orjson.dumps(newest))
    return doc


def update_current(tx: Tx, bucket: BucketRecord, key: str, doc: dict, version_id: str | None = None) -> None:
    """Rewrite a version's document in place (tags), keeping its version id and data."""
    ok = object_key(bucket.name, key)
    raw = orjson.dumps(doc)
    if bucket.versioned:
        for rec_key, old in versions_of(tx, bucket.name, key):
            if old.get("version_id") == doc.get("version_id"):
                tx.put(NS_VERSIONS, rec_key, raw)
                break
    cur = current(tx, bucket.name, key)
    if cur is not None and cur.get("version_id") == doc.get("version_id"):
        tx.put(NS_OBJECTS, ok, raw)


def adopt_versions(tx: Tx, bucket: str) -> None:
    """Versioning turned on for the first time: every existing object becomes its own
    ``null`` version, so the versions namespace holds every version from now on."""
    after = None
    while True:
        batch = tx.scan(NS_OBJECTS, prefix=bucket + "/", after=after, limit=1000)
        for rec_key, raw in batch:
            tx.put(NS_VERSIONS, f"{rec_key}{_SEP}{_order()}", raw)
        if len(batch) < 1000:
            return
        after = batch[-1][0]


def any_in(tx: Tx, bucket: str) -> Any:
    return tx.scan(NS_OBJECTS, prefix=bucket + "/", limit=1) or tx.scan(NS_VERSIONS, prefix=bucket + "/", limit=1)
