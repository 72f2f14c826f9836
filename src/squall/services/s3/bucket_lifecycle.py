"""Put/Get/DeleteBucketLifecycle(Configuration): the rules, validated as S3 does.

Stored as ``BucketRecord.config["LifecycleRules"]``; :mod:`.lifecycle` applies them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from squall.engine.api import Tx
from squall.services.s3.bucket_config import (
    _as_list,
    _generated_id,
    _get,
    _read,
    _struct,
    _update,
)
from squall.services.s3.buckets import BucketRecord
from squall.services.s3.errors import (
    invalid_argument,
    invalid_request,
    malformed_xml,
    not_configured,
)

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
