"""Bucket sub-resources: tagging, CORS, policy, lifecycle, versioning, encryption, ownership
controls, public access block, ACL, logging, website, object lock, accelerate, request payment.

Each is stored in ``BucketRecord.config`` under its name as the parsed request
members, so a Get returns what the Put stored; an unset one answers S3's 404
for it (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
"""

from __future__ import annotations

from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.s3 import buckets, store
from squall.services.s3.errors import S3Error, malformed_xml, not_configured

_CORS_METHODS = {"GET", "PUT", "HEAD", "POST", "DELETE"}


async def _get(ctx: Any, bucket: str, key: str, code: str, message: str) -> Any:
    record = await buckets.get_bucket(ctx, bucket)
    value = record.config.get(key)
    if value is None:
        raise not_configured(code, message, bucket)
    return value


# ---- tagging --------------------------------------------------------------------------
async def put_bucket_tagging(ctx: Any, Bucket: str, Tagging: dict, **_: Any) -> dict:
    tags = Tagging.get("TagSet") or []
    keys = [t.get("Key", "") for t in tags]
    if len(set(keys)) != len(keys):
        raise S3Error("Cannot provide multiple Tags with the same key", code="InvalidTag")
    if len(tags) > 50:
        raise S3Error("Bucket tag count cannot be greater than 50", code="BadRequest")
    for t in tags:
        if not 1 <= len(t.get("Key", "")) <= 128 or len(t.get("Value", "")) > 256:
            raise S3Error("The TagKey you have provided is invalid", code="InvalidTag")
        if t["Key"].lower().startswith("aws:"):
            raise S3Error("System tags cannot be added/updated by requester", code="InvalidTag")
    await buckets.update_config(ctx, Bucket, "Tagging", tags)
    return {}


async def get_bucket_tagging(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"TagSet": await _get(ctx, Bucket, "Tagging", "NoSuchTagSet", "The TagSet does not exist")}


async def delete_bucket_tagging(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "Tagging", None)
    return {}


# ---- CORS -------------------------------------------------------------------------------
async def put_bucket_cors(ctx: Any, Bucket: str, CORSConfiguration: dict, **_: Any) -> dict:
    rules = CORSConfiguration.get("CORSRules") or []
    if not rules or len(rules) > 100:
        raise malformed_xml()
    for rule in rules:
        if not rule.get("AllowedMethods") or not rule.get("AllowedOrigins"):
            raise malformed_xml()
        for method in rule["AllowedMethods"]:
            if method not in _CORS_METHODS:
                raise S3Error(f"Found unsupported HTTP method in CORS config. Unsupported method is {method}",
                              code="InvalidRequest")
    await buckets.update_config(ctx, Bucket, "CORSRules", rules)
    return {}


async def get_bucket_cors(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"CORSRules": await _get(ctx, Bucket, "CORSRules", "NoSuchCORSConfiguration",
                                    "The CORS configuration does not exist")}


async def delete_bucket_cors(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "CORSRules", None)
    return {}


# ---- policy (stored; enforced once IAM lands) ---------------------------------------------
async def put_bucket_policy(ctx: Any, Bucket: str, Policy: str, **_: Any) -> dict:
    try:
        doc = orjson.loads(Policy)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or not Policy.lstrip().startswith("{"):
        raise S3Error("Policies must be valid JSON and the first byte must be '{'", code="MalformedPolicy")
    if not doc.get("Statement"):
        raise S3Error("Missing required field Statement", code="MalformedPolicy")
    await buckets.update_config(ctx, Bucket, "Policy", Policy)
    return {}


async def get_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"Policy": await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")}


async def delete_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "Policy", None)
    return {}


async def get_bucket_policy_status(ctx: Any, Bucket: str, **_: Any) -> dict:
    policy = await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")
    public = any(s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"}) and not s.get("Condition")
                 for s in orjson.loads(policy).get("Statement", []) if isinstance(s, dict))
    return {"PolicyStatus": {"IsPublic": public}}


# ---- lifecycle (the expiration loop reads these rules) -------------------------------------
def _check_lifecycle(rules: list[dict]) -> None:
    if not rules or len(rules) > 1000:
        raise malformed_xml()
    ids = [r.get("ID") for r in rules if r.get("ID")]
    if len(set(ids)) != len(ids):
        raise S3Error("Rule ID must be unique. Found same ID for more than one rule", code="InvalidArgument")
    actions = ("Expiration", "Transitions", "Transition", "NoncurrentVersionExpiration",
               "NoncurrentVersionTransitions", "AbortIncompleteMultipartUpload")
    for rule in rules:
        if rule.get("Status") not in ("Enabled", "Disabled"):
            raise malformed_xml()
        if not any(rule.get(a) for a in actions):
            raise S3Error("At least one action needs to be specified in a rule", code="InvalidRequest")
        exp = rule.get("Expiration") or {}
        if "Days" in exp and exp["Days"] <= 0:
            raise S3Error("'Days' for Expiration action must be a positive integer", code="InvalidArgument")
        if "Filter" in rule and "Prefix" in rule:
            raise malformed_xml()


async def put_bucket_lifecycle_configuration(ctx: Any, Bucket: str, LifecycleConfiguration: dict | None = None,
                                             **_: Any) -> dict:
    rules = (LifecycleConfiguration or {}).get("Rules") or []
    _check_lifecycle(rules)
    await buckets.update_config(ctx, Bucket, "LifecycleRules", rules)
    return {"TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"}


async def put_bucket_lifecycle(ctx: Any, Bucket: str, LifecycleConfiguration: dict | None = None,
                               **_: Any) -> dict:
    await put_bucket_lifecycle_configuration(ctx, Bucket, LifecycleConfiguration)
    return {}


async def get_bucket_lifecycle_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    rules = await _get(ctx, Bucket, "LifecycleRules", "NoSuchLifecycleConfiguration",
                       "The lifecycle configuration does not exist")
    return {"Rules": rules, "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K"}


async def get_bucket_lifecycle(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"Rules": (await get_bucket_lifecycle_configuration(ctx, Bucket))["Rules"]}


async def delete_bucket_lifecycle(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "LifecycleRules", None)
    return {}


# ---- versioning ------------------------------------------------------------------------------
async def put_bucket_versioning(ctx: Any, Bucket: str, VersioningConfiguration: dict, **_: Any) -> dict:
    status = VersioningConfiguration.get("Status")
    if status not in ("Enabled", "Suspended"):
        raise malformed_xml()

    def work(tx: Tx) -> None:
        bucket = buckets.require(tx, ctx, Bucket)
        if bucket.versioning is None:
            store.adopt_versions(tx, Bucket)  # existing objects become their "null" versions
        bucket.versioning = status
        if VersioningConfiguration.get("MFADelete"):
            bucket.config["MFADelete"] = VersioningConfiguration["MFADelete"]
        buckets.save(tx, bucket)

    await ctx.engine.transact(work)
    return {}


async def get_bucket_versioning(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    out: dict[str, Any] = {}
    if bucket.versioning:
        out["Status"] = bucket.versioning
        out["MFADelete"] = bucket.config.get("MFADelete", "Disabled")
    return out


# ---- encryption (SSE-S3 is the default of every bucket since 2023) ---------------------------
_DEFAULT_SSE = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                           "BucketKeyEnabled": False}]}


async def put_bucket_encryption(ctx: Any, Bucket: str, ServerSideEncryptionConfiguration: dict, **_: Any) -> dict:
    if not ServerSideEncryptionConfiguration.get("Rules"):
        raise malformed_xml()
    await buckets.update_config(ctx, Bucket, "Encryption", ServerSideEncryptionConfiguration)
    return {}


async def get_bucket_encryption(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    return {"ServerSideEncryptionConfiguration": bucket.config.get("Encryption") or _DEFAULT_SSE}


async def delete_bucket_encryption(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "Encryption", None)
    return {}


# ---- ownership controls, public access block ---------------------------------------------------
async def put_bucket_ownership_controls(ctx: Any, Bucket: str, OwnershipControls: dict, **_: Any) -> dict:
    rules = OwnershipControls.get("Rules") or []
    if len(rules) != 1 or rules[0].get("ObjectOwnership") not in (
            "BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"):
        raise malformed_xml()
    await buckets.update_config(ctx, Bucket, "OwnershipControls", OwnershipControls)
    return {}


async def get_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    # buckets created since April 2023 default to BucketOwnerEnforced
    return {"OwnershipControls": bucket.config.get("OwnershipControls")
            or {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}


async def delete_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "OwnershipControls", None)
    return {}


async def put_public_access_block(ctx: Any, Bucket: str, PublicAccessBlockConfiguration: dict, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "PublicAccessBlock", PublicAccessBlockConfiguration)
    return {}


async def get_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    # new buckets block all public access by default
    return {"PublicAccessBlockConfiguration": bucket.config.get("PublicAccessBlock") or {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}}


async def delete_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "PublicAccessBlock", {
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    return {}


# ---- ACL (canned), logging, website, object lock, accelerate, request payment -------------------
async def get_bucket_acl(ctx: Any, Bucket: str, **_: Any) -> dict:
    from squall.services.s3.objects import _acl

    bucket = await buckets.get_bucket(ctx, Bucket)
    return _acl(ctx, bucket.config.get("ACL"))


async def put_bucket_acl(ctx: Any, Bucket: str, ACL: str | None = None, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "ACL", ACL or "private")
    return {}


async def put_bucket_logging(ctx: Any, Bucket: str, BucketLoggingStatus: dict, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "Logging", BucketLoggingStatus.get("LoggingEnabled"))
    return {}


async def get_bucket_logging(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    logging = bucket.config.get("Logging")
    return {"LoggingEnabled": logging} if logging else {}


async def put_bucket_website(ctx: Any, Bucket: str, WebsiteConfiguration: dict, **_: Any) -> dict:
    if not (WebsiteConfiguration.get("IndexDocument") or WebsiteConfiguration.get("RedirectAllRequestsTo")):
        raise S3Error("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
                      code="InvalidArgument")
    await buckets.update_config(ctx, Bucket, "Website", WebsiteConfiguration)
    return {}


async def get_bucket_website(ctx: Any, Bucket: str, **_: Any) -> dict:
    return dict(await _get(ctx, Bucket, "Website", "NoSuchWebsiteConfiguration",
                           "The specified bucket does not have a website configuration"))


async def delete_bucket_website(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.update_config(ctx, Bucket, "Website", None)
    return {}


async def put_object_lock_configuration(ctx: Any, Bucket: str, ObjectLockConfiguration: dict | None = None,
                                        **_: Any) -> dict:
    bucket = await buckets.get_bucket(ctx, Bucket)
    if bucket.versioning != "Enabled":
        raise S3Error("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                      code="InvalidBucketState", status=409)
    await buckets.update_config(ctx, Bucket, "ObjectLock", ObjectLockConfiguration or {})
    return {}


async def get_object_lock_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"ObjectLockConfiguration": await _get(ctx, Bucket, "ObjectLock", "ObjectLockConfigurationNotFoundError",
                                                  "Object Lock configuration does not exist for this bucket")}


async def get_bucket_accelerate_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.get_bucket(ctx, Bucket)
    return {}


async def get_bucket_request_payment(ctx: Any, Bucket: str, **_: Any) -> dict:
    await buckets.get_bucket(ctx, Bucket)
    return {"Payer": "BucketOwner"}
