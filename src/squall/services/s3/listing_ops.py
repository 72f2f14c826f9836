"""ListObjectsV2, ListObjects and ListObjectVersions: the wire side of :mod:`.listing`.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html ·
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html ·
https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from squall.services.s3 import buckets, listing
from squall.services.s3.errors import invalid_argument

MAX_KEYS = 1000


def _max_keys(value: int | None) -> int:
    if value is None:
        return MAX_KEYS
    if value < 0:
        raise invalid_argument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys",
                               str(value))
    return min(value, MAX_KEYS)


def _encoding(value: str | None) -> bool:
    if value is None:
        return False
    if value.lower() != "url":
        raise invalid_argument("Invalid Encoding Method specified in Request", "encoding-type", value)
    return True


def _entry(key: str, doc: dict, url: bool, owner: dict | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Key": listing.url_encode_key(key) if url else key,
        "LastModified": datetime.fromtimestamp(int(doc["modified"]), UTC),
        "ETag": doc["etag"],
        "Size": doc["size"],
        "StorageClass": doc.get("storage_class") or "STANDARD",
    }
    if doc.get("checksums"):
        out["ChecksumAlgorithm"] = list(doc["checksums"])
        out["ChecksumType"] = doc.get("checksum_type") or "FULL_OBJECT"
    if owner is not None:
        out["Owner"] = owner
    return out


def _enc(value: str | None, url: bool) -> str | None:
    return listing.url_encode_key(value) if url and value else value


def _page(bucket: str, prefix: str | None, delimiter: str | None, max_keys: int, url: bool, page: Any,
          **members: Any) -> dict[str, Any]:
    """The members all three listings answer, plus ``members``; empty lists left out."""
    out: dict[str, Any] = {
        "Name": bucket, "Prefix": _enc(prefix or "", url), "MaxKeys": max_keys, "IsTruncated": page.is_truncated,
        **members,
        "CommonPrefixes": [{"Prefix": _enc(p, url)} for p in page.common_prefixes],
    }
    if delimiter:
        out["Delimiter"] = _enc(delimiter, url)
    if url:
        out["EncodingType"] = "url"
    return {k: v for k, v in out.items() if v != []}


async def list_objects_v2(ctx: Any, Bucket: str, Prefix: str | None = None, Delimiter: str | None = None,
                          MaxKeys: int | None = None, ContinuationToken: str | None = None,
                          StartAfter: str | None = None, EncodingType: str | None = None,
                          FetchOwner: bool | None = None, **_: Any) -> dict[str, Any]:
    url = _encoding(EncodingType)
    max_keys = _max_keys(MaxKeys)

    def work(tx):
        buckets.require(tx, ctx, Bucket)
        return listing.list_objects(tx, Bucket, prefix=Prefix or "", delimiter=Delimiter or None,
                                    max_keys=max_keys, start_after=StartAfter,
                                    continuation_token=ContinuationToken)

    page = await ctx.engine.read(work)
    owner = buckets.owner(ctx.account_id) if FetchOwner else None
    extra: dict[str, Any] = {"KeyCount": len(page.entries) + len(page.common_prefixes),
                             "Contents": [_entry(k, d, url, owner) for k, d in page.entries]}
    if ContinuationToken:
        extra["ContinuationToken"] = ContinuationToken
    if StartAfter:
        extra["StartAfter"] = _enc(StartAfter, url)
    if page.is_truncated and page.next_token:
        extra["NextContinuationToken"] = page.next_token
    return _page(Bucket, Prefix, Delimiter, max_keys, url, page, **extra)


async def list_objects(ctx: Any, Bucket: str, Prefix: str | None = None, Delimiter: str | None = None,
                       MaxKeys: int | None = None, Marker: str | None = None, EncodingType: str | None = None,
                       **_: Any) -> dict[str, Any]:
    url = _encoding(EncodingType)
    max_keys = _max_keys(MaxKeys)

    def work(tx):
        buckets.require(tx, ctx, Bucket)
        return listing.list_objects(tx, Bucket, prefix=Prefix or "", delimiter=Delimiter or None,
                                    max_keys=max_keys, marker=Marker)

    page = await ctx.engine.read(work)
    owner = buckets.owner(ctx.account_id)
    extra: dict[str, Any] = {"Marker": _enc(Marker or "", url),
                             "Contents": [_entry(k, d, url, owner) for k, d in page.entries]}
    if page.is_truncated and page.next_marker and Delimiter:
        extra["NextMarker"] = _enc(page.next_marker, url)
    return _page(Bucket, Prefix, Delimiter, max_keys, url, page, **extra)


async def list_object_versions(ctx: Any, Bucket: str, Prefix: str | None = None, Delimiter: str | None = None,
                               MaxKeys: int | None = None, KeyMarker: str | None = None,
                               VersionIdMarker: str | None = None, EncodingType: str | None = None,
                               **_: Any) -> dict[str, Any]:
    url = _encoding(EncodingType)
    max_keys = _max_keys(MaxKeys)
    if VersionIdMarker and not KeyMarker:
        raise invalid_argument("A version-id marker cannot be specified without a key marker.",
                               "version-id-marker", VersionIdMarker)

    def work(tx):
        buckets.require(tx, ctx, Bucket)
        return listing.list_versions(tx, Bucket, prefix=Prefix or "", delimiter=Delimiter or None,
                                     max_keys=max_keys, key_marker=KeyMarker, version_id_marker=VersionIdMarker)

    page = await ctx.engine.read(work)
    owner = buckets.owner(ctx.account_id)
    versions, markers = [], []
    for key, doc, latest in page.entries:
        common = {"Key": listing.url_encode_key(key) if url else key, "VersionId": doc.get("version_id", "null"),
                  "IsLatest": latest, "LastModified": datetime.fromtimestamp(int(doc["modified"]), UTC),
                  "Owner": owner}
        if doc.get("delete_marker"):
            markers.append(common)
        else:
            entry = _entry(key, doc, url, owner)
            entry.update(common)
            versions.append(entry)
    extra: dict[str, Any] = {"KeyMarker": _enc(KeyMarker or "", url), "VersionIdMarker": VersionIdMarker or "",
                             "Versions": versions, "DeleteMarkers": markers}
    if page.is_truncated:
        extra["NextKeyMarker"] = _enc(page.next_key_marker, url)
        if page.next_version_id_marker:
            extra["NextVersionIdMarker"] = page.next_version_id_marker
    return _page(Bucket, Prefix, Delimiter, max_keys, url, page, **extra)
