"""Bucket sub-resources: tagging, CORS, versioning, encryption, logging, website, object lock,
accelerate, request payment — and the storage helpers every sub-resource module uses
(:mod:`.bucket_access` holds policy, ownership, Block Public Access and ACLs;
:mod:`.bucket_lifecycle` the lifecycle rules).

Each lives in ``BucketRecord.config`` as the parsed request members, so a Get answers what
the Put stored; an unset one answers S3's 404 for it. Keys:

====================  ==============================================================
``Tagging``           the TagSet (list of ``{"Key", "Value"}``)
``CORSRules``         the CORSRules list (:mod:`.cors` reads it)
``Policy``            the policy document, as the JSON text sent
``LifecycleRules``    the Rules list (:mod:`.lifecycle` applies them); a legacy
                      PutBucketLifecycle rule keeps its top-level ``Prefix``
``LifecycleTransitionDefault``  TransitionDefaultMinimumObjectSize
``MFADelete``         as sent with PutBucketVersioning (the status is ``BucketRecord.versioning``)
``Encryption``        the ServerSideEncryptionConfiguration (absent: SSE-S3, AWS's default)
``OwnershipControls`` the OwnershipControls; absent means the default (BucketOwnerEnforced),
                      ``None`` means deleted — read it with :func:`object_ownership`
``PublicAccessBlock`` the PublicAccessBlockConfiguration; absent means the default (all
                      four blocks on), ``None`` means deleted — :func:`public_access_block`
``ACL``               a canned ACL name, or ``{"Grants": [...]}`` for explicit grants
``Logging``           LoggingEnabled
``Website``           the WebsiteConfiguration
``ObjectLock``        the ObjectLockConfiguration
====================  ==============================================================

Defaults since April 2023 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-faq.html):
a new bucket has ownership controls ``BucketOwnerEnforced`` (ACLs disabled), all of Block
Public Access on, and SSE-S3 default encryption. Error codes and messages are S3's as
recorded against AWS (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from typing import Any

from squall.engine.api import Tx
from squall.services.s3 import buckets
from squall.services.s3.buckets import BucketRecord
from squall.services.s3.errors import (
    S3Error,
    invalid_argument,
    invalid_request,
    malformed_xml,
    not_configured,
)

_MISSING = object()


# ---- shared helpers ---------------------------------------------------------------------
def _access_denied() -> S3Error:
    return S3Error("Access Denied", code="AccessDenied", status=403)


def _check_expected_owner(ctx: Any, bucket: BucketRecord) -> None:
    """``x-amz-expected-bucket-owner``: a 12-digit account that must own the bucket."""
    request = getattr(ctx, "request", None)
    expected = request.headers.get("x-amz-expected-bucket-owner") if request is not None else None
    if expected is None:
        return
    if not re.fullmatch(r"\d{12}", expected):
        raise S3Error(f"The value of the expected bucket owner parameter must be an AWS Account ID... "
                      f"[{expected}]", code="InvalidBucketOwnerAWSAccountID")
    if expected != bucket.account:
        raise _access_denied()


def require_bucket(tx: Tx, ctx: Any, name: str) -> BucketRecord:
    """:func:`buckets.require`, and the ``x-amz-expected-bucket-owner`` check."""
    bucket = buckets.require(tx, ctx, name)
    _check_expected_owner(ctx, bucket)
    return bucket


async def _read(ctx: Any, name: str) -> BucketRecord:
    return await ctx.engine.read(lambda tx: require_bucket(tx, ctx, name))


async def _update(ctx: Any, name: str, change: Callable[[Tx, BucketRecord], Any]) -> Any:
    """Load the bucket, let ``change`` validate and edit it (it may raise), save it."""

    def work(tx: Tx) -> Any:
        bucket = require_bucket(tx, ctx, name)
        result = change(tx, bucket)
        buckets.save(tx, bucket)
        return result

    return await ctx.engine.transact(work)


async def _store(ctx: Any, name: str, key: str, value: Any = _MISSING,
                 check: Callable[[BucketRecord], Any] | None = None) -> None:
    """Set ``config[key]`` to what ``check(bucket)`` returns (or ``value``); ``_MISSING`` removes it."""

    def change(tx: Tx, bucket: BucketRecord) -> None:
        new = check(bucket) if check is not None else value
        if new is _MISSING:
            bucket.config.pop(key, None)
        else:
            bucket.config[key] = new

    await _update(ctx, name, change)


async def _get(ctx: Any, name: str, key: str, code: str, message: str) -> Any:
    bucket = await _read(ctx, name)
    value = bucket.config.get(key)
    if value is None:
        raise not_configured(code, message, name)
    return value


def _generated_id() -> str:
    """An id in the form S3 generates for unnamed rules and configurations (base64 of a UUID)."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed_xml()
    return value


def _struct(value: Any) -> dict:
    if not isinstance(value, dict):
        raise malformed_xml()
    return value


# ---- tagging (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html) --
_TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")


def check_tag_set(tags: list[dict], *, limit: int = 50) -> None:
    """S3's tag rules: at most 50, keys unique, 1–128 / 0–256 characters of letters, digits,
    spaces and ``_ . : / = + - @``, no ``aws:`` prefix."""
    if len(tags) > limit:
        raise S3Error("Bucket tag count cannot be greater than 50", code="BadRequest")
    seen: set[str] = set()
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str) or not isinstance(tag.get("Value"), str):
            raise malformed_xml()
        key, value = tag["Key"], tag["Value"]
        if key in seen:
            raise S3Error("Cannot provide multiple Tags with the same key", code="InvalidTag", TagKey=key)
        if key.lower().startswith("aws:"):
            raise S3Error("System tags cannot be added/updated by requester", code="InvalidTag", TagKey=key)
        if not key or not _TAG_TEXT.match(key):
            raise S3Error("The TagKey you have provided is invalid", code="InvalidTag", TagKey=key)
        if not _TAG_TEXT.match(value):
            raise S3Error("The TagValue you have provided is invalid", code="InvalidTag", TagKey=key,
                          TagValue=value)
        if len(key) > 128:
            raise S3Error("The TagKey you have provided is too long, max 128", code="InvalidTag", TagKey=key)
        if len(value) > 256:
            raise S3Error("The TagValue you have provided is too long, max 256", code="InvalidTag", TagKey=key)
        seen.add(key)


async def put_bucket_tagging(ctx: Any, Bucket: str, Tagging: dict | None = None, **_: Any) -> dict:
    def check(bucket: BucketRecord) -> Any:
        if not isinstance(Tagging, dict):
            raise malformed_xml()
        tags = _as_list(Tagging.get("TagSet"))
        check_tag_set(tags)
        # an empty TagSet removes the tags, as DeleteBucketTagging does
        return [{"Key": t["Key"], "Value": t["Value"]} for t in tags] or _MISSING

    await _store(ctx, Bucket, "Tagging", check=check)
    return {}


async def get_bucket_tagging(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"TagSet": await _get(ctx, Bucket, "Tagging", "NoSuchTagSet", "The TagSet does not exist")}


async def delete_bucket_tagging(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "Tagging")
    return {}


# ---- CORS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html) -----
_CORS_METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
_CORS_MEMBERS = {"ID", "AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ExposeHeaders", "MaxAgeSeconds"}


def _check_cors(config: Any) -> list[dict]:
    rules = _as_list(_struct(config).get("CORSRules"))
    if not rules or len(rules) > 100:
        raise malformed_xml()
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) - _CORS_MEMBERS:
            raise malformed_xml()
        methods, origins = _as_list(rule.get("AllowedMethods")), _as_list(rule.get("AllowedOrigins"))
        if not methods or not origins:
            raise malformed_xml()
        for method in methods:
            if method not in _CORS_METHODS:
                raise invalid_request(f"Found unsupported HTTP method in CORS config. Unsupported method is {method}")
        for origin in origins:
            if origin.count("*") > 1:
                raise invalid_request(f'AllowedOrigin "{origin}" can not have more than one wildcard.')
        for header in _as_list(rule.get("AllowedHeaders")):
            if header.count("*") > 1:
                raise invalid_request(f'AllowedHeader "{header}" can not have more than one wildcard.')
        for header in _as_list(rule.get("ExposeHeaders")):
            if "*" in header:
                raise invalid_request("We currently do not support wildcard for ExposeHeader.")
        if len(rule.get("ID") or "") > 255:
            raise invalid_argument("ID length should not exceed allowed limit of 255", "ID", rule["ID"])
    return rules


async def put_bucket_cors(ctx: Any, Bucket: str, CORSConfiguration: dict | None = None, **_: Any) -> dict:
    await _store(ctx, Bucket, "CORSRules", check=lambda bucket: _check_cors(CORSConfiguration))
    return {}


async def get_bucket_cors(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"CORSRules": await _get(ctx, Bucket, "CORSRules", "NoSuchCORSConfiguration",
                                    "The CORS configuration does not exist")}


async def delete_bucket_cors(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "CORSRules")
    return {}


# ---- versioning (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html) -------
async def put_bucket_versioning(ctx: Any, Bucket: str, VersioningConfiguration: dict | None = None,
                                **_: Any) -> dict:
    def change(tx: Tx, bucket: BucketRecord) -> None:
        config = VersioningConfiguration if isinstance(VersioningConfiguration, dict) else {}
        status, mfa = config.get("Status"), config.get("MFADelete")
        if status is None and mfa is None:
            raise S3Error("The Versioning element must be specified",
                          code="IllegalVersioningConfigurationException")
        if (status is not None and status not in ("Enabled", "Suspended")) or \
                (mfa is not None and mfa not in ("Enabled", "Disabled")):
            raise malformed_xml()
        if status is not None:
            if status != "Enabled" and bucket.config.get("ObjectLock"):
                raise S3Error("An Object Lock configuration is present on this bucket, so the versioning state "
                              "cannot be changed.", code="InvalidBucketState", status=409)
            if bucket.versioning is None:
                from squall.services.s3.objects import adopt_versions

                adopt_versions(tx, Bucket)  # the objects there become their "null" versions
            bucket.versioning = status
        if mfa is not None:
            bucket.config["MFADelete"] = mfa

    await _update(ctx, Bucket, change)
    return {}


async def get_bucket_versioning(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    out: dict[str, Any] = {}
    if bucket.versioning:  # a bucket never versioned answers an empty configuration
        out["Status"] = bucket.versioning
    if bucket.config.get("MFADelete"):
        out["MFADelete"] = bucket.config["MFADelete"]
    return out


# ---- default encryption (SSE-S3 for every bucket since January 2023) --------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html
_DEFAULT_SSE = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                           "BucketKeyEnabled": False}]}
_SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def _check_encryption(config: Any) -> dict:
    rules = _as_list(_struct(config).get("Rules"))
    if len(rules) != 1:
        raise malformed_xml()
    rule = dict(_struct(rules[0]))
    default = rule.get("ApplyServerSideEncryptionByDefault")
    if default is None:
        if rule.get("BlockedEncryptionTypes") is None:
            raise malformed_xml()
    else:
        default = _struct(default)
        algorithm = default.get("SSEAlgorithm")
        if algorithm not in _SSE_ALGORITHMS:
            raise malformed_xml()
        if default.get("KMSMasterKeyID") and algorithm == "AES256":
            raise invalid_argument("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms "
                                   "or aws:kms:dsse", "ApplyServerSideEncryptionByDefault")
    rule.setdefault("BucketKeyEnabled", False)
    return {"Rules": [rule]}


async def put_bucket_encryption(ctx: Any, Bucket: str, ServerSideEncryptionConfiguration: dict | None = None,
                                **_: Any) -> dict:
    await _store(ctx, Bucket, "Encryption", check=lambda b: _check_encryption(ServerSideEncryptionConfiguration))
    return {}


async def get_bucket_encryption(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    return {"ServerSideEncryptionConfiguration": bucket.config.get("Encryption") or _DEFAULT_SSE}


async def delete_bucket_encryption(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "Encryption")  # back to the SSE-S3 default
    return {}


# ---- logging (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html) ----------
async def put_bucket_logging(ctx: Any, Bucket: str, BucketLoggingStatus: dict | None = None, **_: Any) -> dict:
    def check(tx: Tx, bucket: BucketRecord) -> None:
        status = _struct(BucketLoggingStatus if BucketLoggingStatus is not None else {})
        enabled = status.get("LoggingEnabled")
        if enabled is None:  # an empty BucketLoggingStatus turns logging off
            bucket.config.pop("Logging", None)
            return
        enabled = _struct(enabled)
        target_name = enabled.get("TargetBucket")
        if not isinstance(target_name, str) or "TargetPrefix" not in enabled:
            raise malformed_xml()
        target = buckets.load(tx, target_name) if target_name else None
        if target is None:
            raise S3Error("The target bucket for logging does not exist", code="InvalidTargetBucketForLogging",
                          TargetBucket=target_name)
        if target.account != bucket.account:
            raise S3Error("The owner for the bucket to be logged and the target bucket must be the same.",
                          code="InvalidTargetBucketForLogging", TargetBucket=target_name)
        if target.region != bucket.region:
            raise S3Error("Cross S3 location logging not allowed. ", code="CrossLocationLoggingProhibitted",
                          status=403, TargetBucketLocation=target.region)
        bucket.config["Logging"] = enabled

    await _update(ctx, Bucket, check)
    return {}


async def get_bucket_logging(ctx: Any, Bucket: str, **_: Any) -> dict:
    logging = (await _read(ctx, Bucket)).config.get("Logging")
    return {"LoggingEnabled": logging} if logging else {}


# ---- website (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html) ------
def _check_protocol(value: Any) -> None:
    if value is not None and value not in ("http", "https"):
        raise invalid_request("Invalid protocol, protocol can be http or https. If not defined the protocol will "
                              "be selected automatically.")


def _check_website(config: Any) -> dict:
    config = _struct(config)
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        if len([k for k, v in config.items() if v is not None]) > 1:
            raise invalid_argument("RedirectAllRequestsTo cannot be provided in conjunction with other Routing "
                                   "Rules.", "RedirectAllRequestsTo", "not null")
        if not _struct(redirect_all).get("HostName"):
            raise malformed_xml()
        _check_protocol(redirect_all.get("Protocol"))
        return config
    index = config.get("IndexDocument")
    if not index:
        raise invalid_argument("A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
                               "IndexDocument", "null")
    suffix = _struct(index).get("Suffix")
    if not suffix or "/" in suffix:
        raise invalid_argument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix or None)
    if "ErrorDocument" in config and not _struct(config["ErrorDocument"]).get("Key"):
        raise malformed_xml()
    if "RoutingRules" in config:
        routing = _as_list(config["RoutingRules"])
        if not routing or len(routing) > 50:
            raise malformed_xml()
        for rule in routing:
            redirect = _struct(_struct(rule).get("Redirect") or {})
            if "ReplaceKeyPrefixWith" in redirect and "ReplaceKeyWith" in redirect:
                raise invalid_request("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
            if "Condition" in rule and not rule["Condition"]:
                raise invalid_request("Condition cannot be empty. To redirect all requests without a condition, the "
                                      "condition element shouldn't be present.")
            _check_protocol(redirect.get("Protocol"))
    return config


async def put_bucket_website(ctx: Any, Bucket: str, WebsiteConfiguration: dict | None = None, **_: Any) -> dict:
    await _store(ctx, Bucket, "Website", check=lambda b: _check_website(WebsiteConfiguration))
    return {}


async def get_bucket_website(ctx: Any, Bucket: str, **_: Any) -> dict:
    return dict(await _get(ctx, Bucket, "Website", "NoSuchWebsiteConfiguration",
                           "The specified bucket does not have a website configuration"))


async def delete_bucket_website(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "Website")
    return {}


# ---- object lock (stored; retention is not enforced yet) ----------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
def _check_object_lock(config: Any) -> dict:
    config = _struct(config if config is not None else {})
    if config.get("ObjectLockEnabled") != "Enabled":
        raise malformed_xml()
    if "Rule" in config:
        retention = _struct(_struct(config["Rule"]).get("DefaultRetention"))
        if retention.get("Mode") not in ("GOVERNANCE", "COMPLIANCE"):
            raise malformed_xml()
        period = [k for k in ("Days", "Years") if retention.get(k) is not None]
        if len(period) != 1:
            raise malformed_xml()
        value = retention[period[0]]
        if not isinstance(value, int) or value <= 0:
            raise invalid_argument("Default retention period must be a positive integer value", period[0],
                                   str(value))
    return config


async def put_object_lock_configuration(ctx: Any, Bucket: str, ObjectLockConfiguration: dict | None = None,
                                        **_: Any) -> dict:
    def check(bucket: BucketRecord) -> dict:
        config = _check_object_lock(ObjectLockConfiguration)
        if bucket.versioning != "Enabled":
            raise S3Error("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                          code="InvalidBucketState", status=409)
        return config

    await _store(ctx, Bucket, "ObjectLock", check=check)
    return {}


async def get_object_lock_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"ObjectLockConfiguration": await _get(ctx, Bucket, "ObjectLock", "ObjectLockConfigurationNotFoundError",
                                                  "Object Lock configuration does not exist for this bucket")}


# ---- transfer acceleration, requester pays (fixed answers) ---------------------------------------
async def get_bucket_accelerate_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    status = bucket.config.get("Accelerate")
    return {"Status": status} if status else {}


async def get_bucket_request_payment(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _read(ctx, Bucket)
    return {"Payer": "BucketOwner"}
