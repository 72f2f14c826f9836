"""An object's sub-resources: tagging (Get/Put/DeleteObjectTagging, with ObjectTagging events),
canned ACLs (Get/PutObjectAcl, stored) and GetObjectAttributes."""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.s3 import buckets, events, store
from squall.services.s3.errors import S3Error
from squall.services.s3.objects import check_tags, http_date, lookup


# ---- tagging ------------------------------------------------------------------------------
async def get_object_tagging(ctx: Any, Bucket: str, Key: str, VersionId: str | None = None,
                             **_: Any) -> dict[str, Any]:
    _, doc = await ctx.engine.read(lambda tx: lookup(tx, ctx, Bucket, Key, VersionId))
    out: dict[str, Any] = {"TagSet": [{"Key": k, "Value": v} for k, v in (doc.get("tags") or {}).items()]}
    if doc.get("version_id") and doc["version_id"] != "null":
        out["VersionId"] = doc["version_id"]
    return out


async def _retag(ctx: Any, Bucket: str, Key: str, VersionId: str | None, tags: dict[str, str] | None,
                 event: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict:
        bucket, doc = lookup(tx, ctx, Bucket, Key, VersionId)
        if tags:
            doc["tags"] = tags
        else:
            doc.pop("tags", None)
        store.update_current(tx, bucket, Key, doc)
        events.record(tx, ctx, bucket, event, Key, version_id=doc["version_id"] if bucket.versioned else None,
                      etag=doc["etag"])
        return doc

    doc = await ctx.engine.transact(work)
    return {"VersionId": doc["version_id"]} if doc["version_id"] != "null" else {}


async def put_object_tagging(ctx: Any, Bucket: str, Key: str, Tagging: dict[str, Any],
                             VersionId: str | None = None, **_: Any) -> dict[str, Any]:
    tags: dict[str, str] = {}
    for tag in Tagging.get("TagSet") or []:
        if tag.get("Key") in tags:
            raise S3Error("Cannot provide multiple Tags with the same key", code="InvalidTag")
        tags[tag.get("Key", "")] = tag.get("Value", "")
    check_tags(tags)
    return await _retag(ctx, Bucket, Key, VersionId, tags, "s3:ObjectTagging:Put")


async def delete_object_tagging(ctx: Any, Bucket: str, Key: str, VersionId: str | None = None,
                                **_: Any) -> dict[str, Any]:
    return await _retag(ctx, Bucket, Key, VersionId, None, "s3:ObjectTagging:Delete")


# ---- GetObjectAttributes ---------------------------------------------------------------------
async def get_object_attributes(ctx: Any, Bucket: str, Key: str, ObjectAttributes: list[str],
                                VersionId: str | None = None, MaxParts: int | None = None,
                                PartNumberMarker: int | None = None, **_: Any) -> dict[str, Any]:
    _, doc = await ctx.engine.read(lambda tx: lookup(tx, ctx, Bucket, Key, VersionId))
    wanted = set(ObjectAttributes or [])
    out: dict[str, Any] = {"LastModified": http_date(doc["modified"])}
    if doc.get("version_id") and doc["version_id"] != "null":
        out["VersionId"] = doc["version_id"]
    if "ETag" in wanted:
        out["ETag"] = doc["etag"].strip('"')
    if "ObjectSize" in wanted:
        out["ObjectSize"] = doc["size"]
    if "StorageClass" in wanted:
        out["StorageClass"] = doc.get("storage_class") or "STANDARD"
    if "Checksum" in wanted and doc.get("checksums"):
        out["Checksum"] = {"Checksum" + a: v for a, v in doc["checksums"].items()}
        out["Checksum"]["ChecksumType"] = doc.get("checksum_type") or "FULL_OBJECT"
    if "ObjectParts" in wanted and doc.get("parts"):
        parts = doc["parts"]
        first = (PartNumberMarker or 0) + 1
        limit = MaxParts or 1000
        chosen = list(range(first, min(len(parts), first + limit - 1) + 1))
        out["ObjectParts"] = {
            "TotalPartsCount": len(parts), "PartNumberMarker": PartNumberMarker or 0,
            "NextPartNumberMarker": chosen[-1] if chosen else 0, "MaxParts": limit,
            "IsTruncated": bool(chosen) and chosen[-1] < len(parts),
            "Parts": [{"PartNumber": n, "Size": parts[n - 1]} for n in chosen],
        }
    return out


# ---- ACLs (canned only: the owner has FULL_CONTROL; stored for GetObjectAcl) -----------
def _acl(ctx: Any, canned: str | None) -> dict[str, Any]:
    owner = buckets.owner(ctx.account_id)
    grants = [{"Grantee": {**owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    if canned in ("public-read", "public-read-write"):
        grants.append({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                       "Permission": "READ"})
    return {"Owner": owner, "Grants": grants}


async def get_object_acl(ctx: Any, Bucket: str, Key: str, VersionId: str | None = None, **_: Any) -> dict:
    _, doc = await ctx.engine.read(lambda tx: lookup(tx, ctx, Bucket, Key, VersionId))
    return _acl(ctx, doc.get("acl"))


async def put_object_acl(ctx: Any, Bucket: str, Key: str, ACL: str | None = None, VersionId: str | None = None,
                         **_: Any) -> dict:
    def work(tx: Tx) -> None:
        bucket, doc = lookup(tx, ctx, Bucket, Key, VersionId)
        doc["acl"] = ACL or "private"
        store.update_current(tx, bucket, Key, doc)

    await ctx.engine.transact(work)
    return {}
