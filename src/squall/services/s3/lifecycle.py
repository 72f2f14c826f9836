"""Lifecycle rules applied by a background loop: expiration of current objects (by Days or
Date), of noncurrent versions (NoncurrentDays), of expired delete markers, and abort of
incomplete multipart uploads.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html — an
object expires at the first midnight UTC at least ``Days`` after it was written, or at
``Date``; in a versioned bucket expiring the current version adds a delete marker
(``s3:LifecycleExpiration:DeleteMarkerCreated``), otherwise the object is removed
(``s3:LifecycleExpiration:Delete``). Filters: Prefix, Tag, ObjectSizeGreaterThan/LessThan
and their ``And``. AWS evaluates rules about once a day; squall every
:data:`INTERVAL` seconds (``SQUALL_S3_LIFECYCLE_INTERVAL``), which only makes expiry prompter.
"""

from __future__ import annotations

import logging
import math
import os
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.s3 import buckets, events, store
from squall.services.s3.buckets import NS_BUCKETS, NS_OBJECTS, NS_UPLOADS, NS_VERSIONS, BucketRecord

log = logging.getLogger("squall.s3.lifecycle")

INTERVAL = float(os.environ.get("SQUALL_S3_LIFECYCLE_INTERVAL", "60"))
DAY = 86400.0
_BATCH = 500


def _expires_at(written: float, days: int) -> float:
    """The first midnight UTC at least ``days`` after ``written``."""
    return math.ceil((written + days * DAY) / DAY) * DAY


def _date(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


def _filter(rule: dict) -> tuple[str, dict[str, str], int | None, int | None]:
    flt = rule.get("Filter") or {}
    spec = flt.get("And") or flt
    prefix = spec.get("Prefix", rule.get("Prefix", "")) or ""
    tags = {t["Key"]: t.get("Value", "") for t in spec.get("Tags") or []}
    if flt.get("Tag"):
        tags[flt["Tag"]["Key"]] = flt["Tag"].get("Value", "")
    return prefix, tags, spec.get("ObjectSizeGreaterThan"), spec.get("ObjectSizeLessThan")


def _selected(doc: dict, tags: dict[str, str], larger: int | None, smaller: int | None) -> bool:
    if any((doc.get("tags") or {}).get(k) != v for k, v in tags.items()):
        return False
    if larger is not None and doc.get("size", 0) <= larger:
        return False
    return not (smaller is not None and doc.get("size", 0) >= smaller)


def _actor(bucket: BucketRecord) -> Any:
    return SimpleNamespace(access_key=None, account_id=bucket.account, request=None, request_id="lifecycle",
                           principal="s3.amazonaws.com")


def _expire_current(tx: Tx, blobs: Any, bucket: BucketRecord, rule: dict, now: float) -> int:
    exp = rule.get("Expiration") or {}
    if "Days" not in exp and "Date" not in exp:
        return 0
    prefix, tags, larger, smaller = _filter(rule)
    done = 0
    after = None
    while done < _BATCH:
        rows = tx.scan(NS_OBJECTS, prefix=f"{bucket.name}/{prefix}", after=after, limit=_BATCH)
        for rec_key, raw in rows:
            doc = orjson.loads(raw)
            due = _expires_at(doc["modified"], exp["Days"]) if "Days" in exp else _date(exp["Date"])
            if due > now or not _selected(doc, tags, larger, smaller):
                continue
            removed = store.delete(tx, blobs, bucket, doc["key"])
            if removed is not None:
                marker = removed.get("delete_marker")
                events.record(tx, _actor(bucket), bucket,
                              "s3:LifecycleExpiration:DeleteMarkerCreated" if marker
                              else "s3:LifecycleExpiration:Delete", doc["key"],
                              version_id=removed.get("version_id") if bucket.versioned else None)
                done += 1
        if len(rows) < _BATCH:
            break
        after = rows[-1][0]
    return done


def _expire_noncurrent(tx: Tx, blobs: Any, bucket: BucketRecord, rule: dict, now: float) -> int:
    days = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
    expired_markers = (rule.get("Expiration") or {}).get("ExpiredObjectDeleteMarker")
    if not bucket.versioned or (days is None and not expired_markers):
        return 0
    prefix, tags, larger, smaller = _filter(rule)
    done = 0
    versions = tx.scan(NS_VERSIONS, prefix=f"{bucket.name}/{prefix}", limit=20 * _BATCH)
    by_key: dict[str, list[dict]] = {}
    for _, raw in versions:
        doc = orjson.loads(raw)
        by_key.setdefault(doc["key"], []).append(doc)
    for key, docs in by_key.items():  # newest first within a key
        for i, doc in enumerate(docs):
            if i == 0:
                if expired_markers and doc.get("delete_marker") and len(docs) == 1:
                    store.delete_version(tx, blobs, bucket, key, doc["version_id"])
                    done += 1
                continue
            # a version became noncurrent when its successor was written
            if days is not None and _expires_at(docs[i - 1]["modified"], days) <= now \
                    and _selected(doc, tags, larger, smaller):
                store.delete_version(tx, blobs, bucket, key, doc["version_id"])
                events.record(tx, _actor(bucket), bucket, "s3:LifecycleExpiration:Delete", key,
                              version_id=doc["version_id"])
                done += 1
    return done


def _abort_uploads(tx: Tx, blobs: Any, bucket: BucketRecord, rule: dict, now: float) -> int:
    days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
    if days is None:
        return 0
    from squall.services.s3.multipart import drop_upload

    prefix = _filter(rule)[0]
    done = 0
    for _, raw in tx.scan(NS_UPLOADS, prefix=f"{bucket.name}/{prefix}", limit=_BATCH):
        up = orjson.loads(raw)
        if _expires_at(up["initiated"], days) <= now:
            drop_upload(tx, blobs, bucket.name, up["key"], up["upload_id"])
            done += 1
    return done


async def run_once(runtime: Any) -> int:
    """Apply every enabled rule of every bucket once; returns the number of changes."""
    engine, blobs = runtime.engine, runtime.blobs
    names = await engine.read(lambda tx: [k for k, v in tx.scan(NS_BUCKETS) if b"LifecycleRules" in v])
    total = 0
    for name in names:
        def work(tx: Tx, name: str = name) -> int:
            bucket = buckets.load(tx, name)
            if bucket is None:
                return 0
            n = 0
            for rule in bucket.config.get("LifecycleRules") or []:
                if rule.get("Status") != "Enabled":
                    continue
                n += _expire_current(tx, blobs, bucket, rule, tx.now)
                n += _expire_noncurrent(tx, blobs, bucket, rule, tx.now)
                n += _abort_uploads(tx, blobs, bucket, rule, tx.now)
            return n

        total += await engine.transact(work)
    return total
