"""Buckets: the catalog record and the bucket-level operations.

Bucket names are one global namespace (per partition), so the record key is
the bare name; the record remembers the owning account and the region. A
bucket's sub-resources (tagging, CORS, policy, lifecycle, notification, …)
live in ``Bucket.config`` under the operation's name for them, as the parsed
request members, so a Get… returns what the Put… stored.

Region rules: https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
Naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.gateway.http import Response
from squall.services.s3.errors import S3Error, no_such_bucket

NS_BUCKETS = "s3/buckets"
NS_OBJECTS = "s3/objects"
NS_VERSIONS = "s3/versions"
NS_UPLOADS = "s3/uploads"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_RE = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


@dataclass
class BucketRecord:
    name: str
    account: str
    region: str
    created: float
    versioning: str | None = None  # None (never enabled) | "Enabled" | "Suspended"
    config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_bytes(cls, raw: bytes) -> BucketRecord:
        return cls(**orjson.loads(raw))

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.__dict__)

    @property
    def versioned(self) -> bool:
        """Whether versions are being kept (or ever were: then NS_VERSIONS holds every version)."""
        return self.versioning is not None


def owner(account_id: str) -> dict[str, str]:
    """S3's canonical user for an account: a stable 64-hex id."""
    return {"DisplayName": "squall", "ID": hashlib.sha256(account_id.encode()).hexdigest()}


def check_name(name: str) -> None:
    ok = (
        bool(_NAME_RE.match(name))
        and ".." not in name
        and not _IP_RE.match(name)
        and not name.startswith(_BAD_PREFIXES)
        and not name.endswith(_BAD_SUFFIXES)
    )
    if not ok:
        raise S3Error("The specified bucket is not valid.", code="InvalidBucketName", status=400, BucketName=name)


def load(tx: Tx, name: str) -> BucketRecord | None:
    raw = tx.get(NS_BUCKETS, name)
    return BucketRecord.from_bytes(raw) if raw is not None else None


def save(tx: Tx, bucket: BucketRecord) -> None:
    tx.put(NS_BUCKETS, bucket.name, bucket.to_bytes())
    tx.after_commit(lambda: _CACHE.pop(bucket.name, None))


def remove(tx: Tx, name: str) -> None:
    tx.delete(NS_BUCKETS, name)
    tx.after_commit(lambda: _CACHE.pop(name, None))


# Hot reads (GetObject/HeadObject) look the bucket up here instead of in the database.
# This process's own changes drop entries on commit; another node's (PostgreSQL cluster)
# are seen within CACHE_TTL.
CACHE_TTL = 1.0
_CACHE: dict[str, tuple[float, BucketRecord]] = {}


async def cached(ctx: Any, name: str) -> BucketRecord:
    """The bucket (as :func:`require` checks it), from a short-lived per-process cache."""
    hit = _CACHE.get(name)
    now = time.monotonic()
    if hit is None or hit[0] < now:
        bucket = await ctx.engine.peek(lambda tx: load(tx, name) if name else None)
        if bucket is None:
            _CACHE.pop(name, None)
            raise no_such_bucket(name)
        if len(_CACHE) > 10000:
            _CACHE.clear()
        hit = _CACHE[name] = (now + CACHE_TTL, bucket)
    if hit[1].account != ctx.account_id:
        raise S3Error("Access Denied", code="AccessDenied", status=403)
    return hit[1]


def require(tx: Tx, ctx: Any, name: str) -> BucketRecord:
    """The bucket, visible to the caller's account, or S3's error."""
    bucket = load(tx, name) if name else None
    if bucket is None:
        raise no_such_bucket(name)
    if bucket.account != ctx.account_id:
        raise S3Error("Access Denied", code="AccessDenied", status=403)
    return bucket


async def get_bucket(ctx: Any, name: str) -> BucketRecord:
    return await ctx.engine.read(lambda tx: require(tx, ctx, name))


async def update_config(ctx: Any, name: str, key: str, value: Any) -> None:
    """Store (or with ``None`` remove) one sub-resource of a bucket."""

    def work(tx: Tx) -> None:
        bucket = require(tx, ctx, name)
        if value is None:
            bucket.config.pop(key, None)
        else:
            bucket.config[key] = value
        save(tx, bucket)

    await ctx.engine.transact(work)


def is_empty(tx: Tx, name: str) -> bool:
    prefix = name + "/"
    return not (tx.scan(NS_OBJECTS, prefix=prefix, limit=1) or tx.scan(NS_VERSIONS, prefix=prefix, limit=1))


# ---- operations -------------------------------------------------------------------
async def create_bucket(ctx: Any, Bucket: str, CreateBucketConfiguration: dict | None = None,
                        ObjectLockEnabledForBucket: bool | None = None, ObjectOwnership: str | None = None,
                        **_: Any) -> dict[str, Any]:
    name = Bucket
    check_name(name)
    if ObjectOwnership is not None and ObjectOwnership not in (
            "BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"):
        raise S3Error(f"Invalid x-amz-object-ownership header: {ObjectOwnership}", code="InvalidArgument",
                      ArgumentName="x-amz-object-ownership")
    constraint = (CreateBucketConfiguration or {}).get("LocationConstraint")
    region = ctx.region
    if constraint:
        if region == "us-east-1" and constraint == "us-east-1":
            raise S3Error("The specified location-constraint is not valid", code="InvalidLocationConstraint",
                          status=400, LocationConstraint=constraint)
        if constraint != region:
            raise S3Error(f"The {constraint} location constraint is incompatible for the region specific "
                          "endpoint this request was sent to.", code="IllegalLocationConstraintException",
                          status=400)
    elif region != "us-east-1":
        raise S3Error("The unspecified location constraint is incompatible for the region specific endpoint "
                      "this request was sent to.", code="IllegalLocationConstraintException", status=400)

    def work(tx: Tx) -> None:
        found = load(tx, name)
        if found is not None:
            if found.account != ctx.account_id:
                raise S3Error("The requested bucket name is not available. The bucket namespace is shared by "
                              "all users of the system. Please select a different name and try again.",
                              code="BucketAlreadyExists", status=409, BucketName=name)
            if found.region == "us-east-1" and region == "us-east-1":
                return  # us-east-1 answers 200 for a bucket you already own (legacy behaviour)
            raise S3Error("Your previous request to create the named bucket succeeded and you already own it.",
                          code="BucketAlreadyOwnedByYou", status=409, BucketName=name)
        bucket = BucketRecord(name=name, account=ctx.account_id, region=region, created=tx.now)
        if ObjectOwnership is not None:
            bucket.config["OwnershipControls"] = {"Rules": [{"ObjectOwnership": ObjectOwnership}]}
        if ObjectLockEnabledForBucket:  # object lock needs (and keeps) versioning on
            bucket.versioning = "Enabled"
            bucket.config["ObjectLock"] = {"ObjectLockEnabled": "Enabled"}
        save(tx, bucket)

    await ctx.engine.transact(work)
    return {"Location": f"/{name}", "BucketArn": f"arn:aws:s3:::{name}"}


async def delete_bucket(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    # imported here, not at the top: multipart builds on this module
    from squall.services.s3.multipart import drop_bucket_uploads

    blob_store = ctx.runtime.blobs

    def work(tx: Tx) -> None:
        require(tx, ctx, Bucket)
        if not is_empty(tx, Bucket):
            raise S3Error("The bucket you tried to delete is not empty", code="BucketNotEmpty", status=409,
                          BucketName=Bucket)
        remove(tx, Bucket)
        # Open multipart uploads do not keep a bucket alive; their parts' files go with them.
        drop_bucket_uploads(tx, blob_store, Bucket)

    await ctx.engine.transact(work)
    return {}


async def head_bucket(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    bucket = await get_bucket(ctx, Bucket)
    return {"BucketRegion": bucket.region, "AccessPointAlias": False, "BucketArn": f"arn:aws:s3:::{Bucket}"}


async def get_bucket_location(ctx: Any, Bucket: str, **_: Any) -> Response:
    bucket = await get_bucket(ctx, Bucket)
    # The document is the bare <LocationConstraint> element (botocore parses its text, not a
    # structure); us-east-1 buckets answer an empty one.
    region = "" if bucket.region == "us-east-1" else bucket.region
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint '
            f'xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{region}</LocationConstraint>')
    return Response(200, {"content-type": "application/xml", "x-amz-request-id": ctx.request_id}, body.encode())


async def list_buckets(ctx: Any, MaxBuckets: int | None = None, ContinuationToken: str | None = None,
                       Prefix: str | None = None, BucketRegion: str | None = None, **_: Any) -> dict[str, Any]:
    def work(tx: Tx) -> list[BucketRecord]:
        return [b for b in (BucketRecord.from_bytes(raw) for _, raw in tx.scan(NS_BUCKETS, prefix=Prefix or None))
                if b.account == ctx.account_id]

    found = await ctx.engine.read(work)
    if BucketRegion:
        found = [b for b in found if b.region == BucketRegion]
    if ContinuationToken:
        found = [b for b in found if b.name > ContinuationToken]
    out: dict[str, Any] = {"Owner": owner(ctx.account_id)}
    if MaxBuckets is not None and len(found) > MaxBuckets:
        found = found[:MaxBuckets]
        out["ContinuationToken"] = found[-1].name
    out["Buckets"] = [{"Name": b.name, "CreationDate": datetime.fromtimestamp(b.created, UTC),
                       "BucketRegion": b.region, "BucketArn": f"arn:aws:s3:::{b.name}"} for b in found]
    if Prefix:
        out["Prefix"] = Prefix
    return out

