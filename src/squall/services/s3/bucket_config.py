"""Bucket sub-resources: tagging, CORS, policy, lifecycle, versioning, encryption, ownership
controls, public access block, ACL, logging, website, object lock, accelerate, request payment.

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
from datetime import UTC, datetime
from typing import Any

import orjson

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


# ---- policy (stored and described; enforced once IAM lands) -----------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
def _malformed_policy(message: str) -> S3Error:
    return S3Error(message, code="MalformedPolicy")


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_policy(text: Any, bucket: str) -> None:
    doc = None
    if isinstance(text, str) and text.lstrip().startswith("{"):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            doc = None
    if not isinstance(doc, dict):
        raise _malformed_policy("Policies must be valid JSON and the first byte must be '{'")
    statements = doc.get("Statement")
    if not statements:
        raise _malformed_policy("Missing required field Statement")
    for stmt in _strings(statements):
        if not isinstance(stmt, dict):
            raise _malformed_policy("Statement is not well-formed")
        effect = stmt.get("Effect")
        if effect is None:
            raise _malformed_policy("Missing required field Effect")
        if effect not in ("Allow", "Deny"):
            raise _malformed_policy(f"Invalid effect: {effect}")
        if "Principal" not in stmt and "NotPrincipal" not in stmt:
            raise _malformed_policy("Missing required field Principal")
        actions = stmt.get("Action", stmt.get("NotAction"))
        if not actions:
            raise _malformed_policy("Missing required field Action")
        for action in _strings(actions):
            if not isinstance(action, str) or not (action == "*" or action.lower().startswith("s3:")):
                raise _malformed_policy("Policy has invalid action")
        resources = stmt.get("Resource", stmt.get("NotResource"))
        if not resources:
            raise _malformed_policy("Missing required field Resource")
        arn = f"arn:aws:s3:::{bucket}"
        for resource in _strings(resources):
            if not isinstance(resource, str) or not (resource == "*" or resource == arn
                                                     or resource.startswith(arn + "/")):
                raise _malformed_policy("Policy has invalid resource")


def policy_is_public(text: str) -> bool:
    """Whether a policy grants anyone (``Principal: "*"``) access without a condition.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
    """
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    for stmt in _strings(doc.get("Statement") or []):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow" or stmt.get("Condition"):
            continue
        principal = stmt.get("Principal")
        if isinstance(principal, dict):
            principal = principal.get("AWS")
        if "*" in _strings(principal):
            return True
    return False


async def put_bucket_policy(ctx: Any, Bucket: str, Policy: str | None = None, **_: Any) -> dict:
    def check(bucket: BucketRecord) -> str:
        _check_policy(Policy, Bucket)
        return Policy  # type: ignore[return-value]

    await _store(ctx, Bucket, "Policy", check=check)
    return {}


async def get_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"Policy": await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")}


async def delete_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "Policy")
    return {}


async def get_bucket_policy_status(ctx: Any, Bucket: str, **_: Any) -> dict:
    policy = await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")
    return {"PolicyStatus": {"IsPublic": policy_is_public(policy)}}


# ---- lifecycle (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html) --
_TRANSITION_CLASSES = ("GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR")
_TRANSITION_DEFAULTS = ("all_storage_classes_128K", "varies_by_storage_class")
_ACTIONS = ("Expiration", "Transitions", "NoncurrentVersionExpiration", "NoncurrentVersionTransitions",
            "AbortIncompleteMultipartUpload")
_FILTER_KEYS = ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And")


def _positive(value: Any, message: str, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise invalid_argument(message, name, str(value))


def _at_midnight(value: Any) -> None:
    when = value if isinstance(value, datetime) else None
    if when is None:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise malformed_xml() from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if when.astimezone(UTC).time() != datetime.min.time():
        raise invalid_argument("'Date' must be at midnight GMT", "Date", when.isoformat())


def _check_filter(flt: Any) -> bool:
    """Checks a rule's Filter; returns whether it filters on tags."""
    flt = _struct(flt)
    if len([k for k in _FILTER_KEYS if k in flt]) > 1:
        raise malformed_xml()
    tags = []
    if "Tag" in flt:
        tags = [_struct(flt["Tag"])]
    if "And" in flt:
        spec = _struct(flt["And"])
        tags = _as_list(spec.get("Tags"))
        keys = [t.get("Key") for t in tags if isinstance(t, dict)]
        if len(set(keys)) != len(keys):
            raise invalid_request("Duplicate Tag Keys are not allowed.")
        small, large = spec.get("ObjectSizeLessThan"), spec.get("ObjectSizeGreaterThan")
        if small is not None and large is not None and small <= large:
            raise invalid_argument("The maximum object size must be larger than the minimum object size",
                                   "ObjectSizeLessThan", str(small))
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str) or "Value" not in tag:
            raise malformed_xml()
    return bool(tags)


def _check_transition(transition: Any, noncurrent: bool) -> None:
    transition = _struct(transition)
    days_field = "NoncurrentDays" if noncurrent else "Days"
    when = [k for k in (days_field, "Date") if k in transition]
    if len(when) != 1 or (noncurrent and "Date" in transition):
        raise malformed_xml()
    storage = transition.get("StorageClass")
    if storage not in _TRANSITION_CLASSES:
        raise malformed_xml()
    if days_field in transition:
        days = transition[days_field]
        if not isinstance(days, int) or days < 0:
            raise invalid_argument(f"'{days_field}' in Transition action must be nonnegative", days_field,
                                   str(days))
        if storage in ("STANDARD_IA", "ONEZONE_IA") and days < 30:
            raise invalid_argument(f"'{days_field}' in {'NoncurrentVersion' if noncurrent else ''}Transition "
                                   f"action must be greater than or equal to 30 for storageClass '{storage}'",
                                   days_field, str(days))
    else:
        _at_midnight(transition["Date"])


def check_lifecycle_rules(rules: Any, *, legacy: bool = False) -> list[dict]:
    """Validate rules as PutBucketLifecycleConfiguration does (``legacy``: PutBucketLifecycle's
    form, a top-level Prefix and single Transition); returns the rules to store, an ID given to
    each rule sent without one."""
    rules = _as_list(rules)
    if not rules or len(rules) > 1000:
        raise malformed_xml()
    out: list[dict] = []
    seen: set[str] = set()
    for rule in rules:
        rule = dict(_struct(rule))
        if legacy:
            # the deprecated API's single transitions become the lists the current one stores
            if "Transition" in rule:
                rule["Transitions"] = [rule.pop("Transition")]
            if "NoncurrentVersionTransition" in rule:
                rule["NoncurrentVersionTransitions"] = [rule.pop("NoncurrentVersionTransition")]
            if "Prefix" not in rule or "Filter" in rule:
                raise malformed_xml()
        elif ("Filter" in rule) == ("Prefix" in rule):  # exactly one of them
            raise malformed_xml()
        if rule.get("Status") not in ("Enabled", "Disabled"):
            raise malformed_xml()
        rule_id = rule.get("ID")
        if rule_id:
            if len(rule_id) > 255:
                raise invalid_argument("ID length should not exceed allowed limit of 255", "ID", rule_id)
            if rule_id in seen:
                raise invalid_argument("Rule ID must be unique. Found same ID for more than one rule", "ID",
                                       rule_id)
            seen.add(rule_id)
        else:
            rule["ID"] = _generated_id()
        by_tags = _check_filter(rule["Filter"]) if "Filter" in rule else False
        if not any(rule.get(a) is not None for a in _ACTIONS):
            raise invalid_request("At least one action needs to be specified in a rule")
        if rule.get("Expiration") is not None:
            exp = _struct(rule["Expiration"])
            if len([k for k in ("Days", "Date", "ExpiredObjectDeleteMarker") if k in exp]) != 1:
                raise malformed_xml()
            if "Days" in exp:
                _positive(exp["Days"], "'Days' for Expiration action must be a positive integer", "Days")
            if "Date" in exp:
                _at_midnight(exp["Date"])
            if "ExpiredObjectDeleteMarker" in exp and by_tags:
                raise invalid_request("ExpiredObjectDeleteMarker cannot be specified with tags.")
        if rule.get("NoncurrentVersionExpiration") is not None:
            nve = _struct(rule["NoncurrentVersionExpiration"])
            if "NoncurrentDays" not in nve and "NewerNoncurrentVersions" not in nve:
                raise malformed_xml()
            if "NoncurrentDays" in nve:
                _positive(nve["NoncurrentDays"],
                          "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
                          "NoncurrentDays")
            newer = nve.get("NewerNoncurrentVersions")
            if newer is not None and not (isinstance(newer, int) and 1 <= newer <= 100):
                raise invalid_argument("NewerNoncurrentVersions must be a positive integer between 1 and 100",
                                       "NewerNoncurrentVersions", str(newer))
        for transition in _as_list(rule.get("Transitions")):
            _check_transition(transition, noncurrent=False)
        for transition in _as_list(rule.get("NoncurrentVersionTransitions")):
            _check_transition(transition, noncurrent=True)
        if rule.get("AbortIncompleteMultipartUpload") is not None:
            abort = _struct(rule["AbortIncompleteMultipartUpload"])
            _positive(abort.get("DaysAfterInitiation"),
                      "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
                      "DaysAfterInitiation")
            if by_tags:
                raise invalid_request("AbortIncompleteMultipartUpload cannot be specified with Tags.")
        out.append(rule)
    return out


def _put_lifecycle(ctx: Any, Bucket: str, config: Any, default_size: str | None, legacy: bool) -> Any:
    size = default_size or "all_storage_classes_128K"

    def change(tx: Tx, bucket: BucketRecord) -> None:
        if size not in _TRANSITION_DEFAULTS:
            raise invalid_request(f"Invalid TransitionDefaultMinimumObjectSize found: {size}")
        if not isinstance(config, dict):
            raise malformed_xml()
        bucket.config["LifecycleRules"] = check_lifecycle_rules(config.get("Rules"), legacy=legacy)
        bucket.config["LifecycleTransitionDefault"] = size

    return _update(ctx, Bucket, change)


async def put_bucket_lifecycle_configuration(ctx: Any, Bucket: str, LifecycleConfiguration: dict | None = None,
                                             TransitionDefaultMinimumObjectSize: str | None = None,
                                             **_: Any) -> dict:
    await _put_lifecycle(ctx, Bucket, LifecycleConfiguration, TransitionDefaultMinimumObjectSize, legacy=False)
    return {"TransitionDefaultMinimumObjectSize": TransitionDefaultMinimumObjectSize or "all_storage_classes_128K"}


async def put_bucket_lifecycle(ctx: Any, Bucket: str, LifecycleConfiguration: dict | None = None,
                               **_: Any) -> dict:
    await _put_lifecycle(ctx, Bucket, LifecycleConfiguration, None, legacy=True)
    return {}


async def get_bucket_lifecycle_configuration(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    rules = bucket.config.get("LifecycleRules")
    if rules is None:
        raise not_configured("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", Bucket)
    return {"Rules": rules,
            "TransitionDefaultMinimumObjectSize": bucket.config.get("LifecycleTransitionDefault")
            or "all_storage_classes_128K"}


async def get_bucket_lifecycle(ctx: Any, Bucket: str, **_: Any) -> dict:
    """The deprecated form: a top-level Prefix and single Transition per rule."""
    rules = await _get(ctx, Bucket, "LifecycleRules", "NoSuchLifecycleConfiguration",
                       "The lifecycle configuration does not exist")
    out = []
    for rule in rules:
        legacy = {k: v for k, v in rule.items() if k not in ("Filter", "Transitions", "NoncurrentVersionTransitions")}
        if "Prefix" not in legacy:
            legacy["Prefix"] = (rule.get("Filter") or {}).get("Prefix", "")
        if rule.get("Transitions"):
            legacy["Transition"] = rule["Transitions"][0]
        if rule.get("NoncurrentVersionTransitions"):
            legacy["NoncurrentVersionTransition"] = rule["NoncurrentVersionTransitions"][0]
        out.append(legacy)
    return {"Rules": out}


async def delete_bucket_lifecycle(ctx: Any, Bucket: str, **_: Any) -> dict:
    def change(tx: Tx, bucket: BucketRecord) -> None:
        bucket.config.pop("LifecycleRules", None)
        bucket.config.pop("LifecycleTransitionDefault", None)

    await _update(ctx, Bucket, change)
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


# ---- ownership controls, public access block --------------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
_OWNERSHIPS = ("BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced")
_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def object_ownership(bucket: BucketRecord) -> str | None:
    """The bucket's ObjectOwnership; ``BucketOwnerEnforced`` (ACLs disabled) unless changed,
    ``None`` once the controls were deleted."""
    if "OwnershipControls" not in bucket.config:
        return "BucketOwnerEnforced"
    controls = bucket.config["OwnershipControls"]
    return controls["Rules"][0]["ObjectOwnership"] if controls else None


def public_access_block(bucket: BucketRecord) -> dict[str, bool] | None:
    """The bucket's Block Public Access settings (all on unless changed), ``None`` once deleted."""
    if "PublicAccessBlock" not in bucket.config:
        return dict.fromkeys(_BLOCKS, True)
    return bucket.config["PublicAccessBlock"]


async def put_bucket_ownership_controls(ctx: Any, Bucket: str, OwnershipControls: dict | None = None,
                                        **_: Any) -> dict:
    def check(bucket: BucketRecord) -> dict:
        rules = _as_list(_struct(OwnershipControls).get("Rules"))
        if len(rules) != 1 or not isinstance(rules[0], dict) or rules[0].get("ObjectOwnership") not in _OWNERSHIPS:
            raise malformed_xml()
        return {"Rules": [{"ObjectOwnership": rules[0]["ObjectOwnership"]}]}

    await _store(ctx, Bucket, "OwnershipControls", check=check)
    return {}


async def get_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    ownership = object_ownership(await _read(ctx, Bucket))
    if ownership is None:
        raise not_configured("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", Bucket)
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]}}


async def delete_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "OwnershipControls", None)
    return {}


async def put_public_access_block(ctx: Any, Bucket: str, PublicAccessBlockConfiguration: dict | None = None,
                                  **_: Any) -> dict:
    def check(bucket: BucketRecord) -> dict:
        config = _struct(PublicAccessBlockConfiguration)
        if set(config) - set(_BLOCKS):
            raise malformed_xml()
        return {k: bool(config.get(k)) for k in _BLOCKS}  # an omitted setting is off

    await _store(ctx, Bucket, "PublicAccessBlock", check=check)
    return {}


async def get_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    config = public_access_block(await _read(ctx, Bucket))
    if config is None:
        raise not_configured("NoSuchPublicAccessBlockConfiguration",
                             "The public access block configuration was not found", Bucket)
    return {"PublicAccessBlockConfiguration": config}


async def delete_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "PublicAccessBlock", None)
    return {}


# ---- ACL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html) ------------
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
_PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
# canned ACL → the grants it adds to the owner's FULL_CONTROL
_CANNED: dict[str, list[tuple[str, str]]] = {
    "private": [],
    "public-read": [(ALL_USERS, "READ")],
    "public-read-write": [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")],
    "authenticated-read": [(AUTHENTICATED_USERS, "READ")],
    "log-delivery-write": [(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")],
    # object ACLs: accepted on a bucket, where they mean the owner alone
    "bucket-owner-read": [],
    "bucket-owner-full-control": [],
    "aws-exec-read": [],
}
_GRANT_HEADERS = {"GrantFullControl": ("FULL_CONTROL", "x-amz-grant-full-control"),
                  "GrantRead": ("READ", "x-amz-grant-read"),
                  "GrantReadACP": ("READ_ACP", "x-amz-grant-read-acp"),
                  "GrantWrite": ("WRITE", "x-amz-grant-write"),
                  "GrantWriteACP": ("WRITE_ACP", "x-amz-grant-write-acp")}
_CANONICAL_ID = re.compile(r"^[0-9a-f]{64}$")


def _group(uri: str) -> dict:
    return {"Type": "Group", "URI": uri}


def canned_grants(account: str, canned: str | None) -> list[dict]:
    owner = buckets.owner(account)
    grants = [{"Grantee": {**owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    grants += [{"Grantee": _group(uri), "Permission": perm} for uri, perm in _CANNED.get(canned or "private", [])]
    return grants


def _header_grants(headers: dict[str, str]) -> list[dict]:
    grants = []
    for member, value in headers.items():
        permission, header = _GRANT_HEADERS[member]
        for item in (v.strip() for v in value.split(",")):
            kind, sep, who = item.partition("=")
            who = who.strip().strip('"')
            if not sep or kind.strip() not in ("id", "uri", "emailAddress"):
                raise invalid_argument("Argument format not recognized", header, item)
            kind = kind.strip()
            if kind == "uri":
                if who not in _GROUPS:
                    raise invalid_argument("Invalid group uri", "uri", who)
                grantee = _group(who)
            elif kind == "id":
                if not _CANONICAL_ID.match(who):
                    raise invalid_argument("Invalid id", "id", who)
                grantee = {"Type": "CanonicalUser", "ID": who}
            else:
                grantee = {"Type": "AmazonCustomerByEmail", "EmailAddress": who}
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def _malformed_acl() -> S3Error:
    return S3Error("The XML you provided was not well-formed or did not validate against our published schema",
                   code="MalformedACLError")


def _policy_grants(acp: dict) -> list[dict]:
    if "Owner" not in acp or "Grants" not in acp or not isinstance(acp["Owner"], dict):
        raise _malformed_acl()
    owner_id = acp["Owner"].get("ID", "")
    if not _CANONICAL_ID.match(owner_id):
        raise invalid_argument("Invalid id", "CanonicalUser/ID", owner_id)
    grants = []
    for grant in acp["Grants"] or []:
        if not isinstance(grant, dict) or grant.get("Permission") not in _PERMISSIONS:
            raise _malformed_acl()
        grantee = grant.get("Grantee") or {}
        kind = grantee.get("Type")
        if kind == "Group":
            if grantee.get("URI") not in _GROUPS:
                raise invalid_argument("Invalid group uri", "Group/URI", grantee.get("URI", ""))
            grantee = _group(grantee["URI"])
        elif kind == "CanonicalUser":
            if not _CANONICAL_ID.match(grantee.get("ID", "")):
                raise invalid_argument("Invalid id", "CanonicalUser/ID", grantee.get("ID", ""))
            grantee = {k: grantee[k] for k in ("ID", "DisplayName", "Type") if grantee.get(k)}
        elif kind == "AmazonCustomerByEmail":
            grantee = {"Type": kind, "EmailAddress": grantee.get("EmailAddress", "")}
        else:
            raise _malformed_acl()
        grants.append({"Grantee": grantee, "Permission": grant["Permission"]})
    return grants


def _owner_only(grants: list[dict], account: str) -> bool:
    owner_id = buckets.owner(account)["ID"]
    return all(g["Grantee"].get("ID") == owner_id and g["Permission"] == "FULL_CONTROL" for g in grants)


def _is_public(grants: list[dict]) -> bool:
    return any(g["Grantee"].get("URI") in (ALL_USERS, AUTHENTICATED_USERS) for g in grants)


def check_acl_allowed(bucket: BucketRecord, grants: list[dict]) -> None:
    """An ACL may be set only if ACLs are enabled (ownership not ``BucketOwnerEnforced``) —
    an owner-only ACL always is — and a public one only if Block Public Access allows it."""
    if _owner_only(grants, bucket.account):
        return
    if object_ownership(bucket) == "BucketOwnerEnforced":
        raise S3Error("The bucket does not allow ACLs", code="AccessControlListNotSupported")
    if _is_public(grants) and (public_access_block(bucket) or {}).get("BlockPublicAcls"):
        raise _access_denied()


async def get_bucket_acl(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    acl = bucket.config.get("ACL")
    grants = acl["Grants"] if isinstance(acl, dict) else canned_grants(bucket.account, acl)
    return {"Owner": buckets.owner(bucket.account), "Grants": grants}


async def put_bucket_acl(ctx: Any, Bucket: str, ACL: str | None = None, AccessControlPolicy: dict | None = None,
                         **kw: Any) -> dict:
    headers = {k: v for k, v in kw.items() if k in _GRANT_HEADERS and v}

    def check(bucket: BucketRecord) -> Any:
        if ACL is not None and AccessControlPolicy is not None:
            raise S3Error("This request does not support content", code="UnexpectedContent")
        if ACL is not None and headers:
            raise invalid_request("Specifying both Canned ACLs and Header Grants is not allowed")
        if ACL is not None:
            if ACL not in _CANNED:
                raise invalid_argument("", "x-amz-acl", ACL)
            check_acl_allowed(bucket, canned_grants(bucket.account, ACL))
            return ACL
        if headers:
            grants = _header_grants(headers)
        elif AccessControlPolicy is not None:
            grants = _policy_grants(_struct(AccessControlPolicy))
        else:
            raise S3Error("Your request was missing a required header", code="MissingSecurityHeader",
                          MissingHeaderName="x-amz-acl")
        check_acl_allowed(bucket, grants)
        return {"Grants": grants}

    await _store(ctx, Bucket, "ACL", check=check)
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
