"""Put/GetBucketNotificationConfiguration (and the legacy GetBucketNotification).

Validation as S3 does it
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html):
event names from S3's list; filter rules named prefix/suffix (any case), at most
one of each; two configurations overlap — and are refused — when they share an
event type and their key filters can match the same key (prefixes where one
starts with the other, suffixes where one ends with the other, a missing rule
matching everything). A queue destination must exist. Saving a configuration
with destinations sends each the ``s3:TestEvent`` message, recorded in the same
transaction (:mod:`.events` delivers it).
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.s3 import buckets, events
from squall.services.s3.errors import S3Error

_FAMILIES = {
    "s3:ObjectCreated": {"Put", "Post", "Copy", "CompleteMultipartUpload"},
    "s3:ObjectRemoved": {"Delete", "DeleteMarkerCreated"},
    "s3:ObjectRestore": {"Post", "Completed", "Delete"},
    "s3:ReducedRedundancyLostObject": set(),
    "s3:Replication": {"OperationFailedReplication", "OperationMissedThreshold",
                       "OperationReplicatedAfterThreshold", "OperationNotTracked"},
    "s3:LifecycleExpiration": {"Delete", "DeleteMarkerCreated"},
    "s3:LifecycleTransition": set(),
    "s3:IntelligentTiering": set(),
    "s3:ObjectTagging": {"Put", "Delete"},
    "s3:ObjectAcl": {"Put"},
}
_SECTIONS = (("QueueConfigurations", "QueueArn", "sqs"), ("TopicConfigurations", "TopicArn", "sns"),
             ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda"))


def _invalid(message: str, name: str | None = None, value: str | None = None) -> S3Error:
    return S3Error(message, code="InvalidArgument", ArgumentName=name, ArgumentValue=value)


def _check_event(name: str) -> None:
    family, _, kind = name.rpartition(":")
    if family in _FAMILIES and (kind == "*" or kind in _FAMILIES[family]):
        return
    if name in _FAMILIES:  # events without sub-types (s3:ReducedRedundancyLostObject)
        return
    raise _invalid("The event is not supported for notifications", "Event", name)


def _filters(config: dict) -> tuple[str, str]:
    """(prefix, suffix), empty when absent; checks the rules."""
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    found: dict[str, str] = {}
    for rule in rules:
        name = str(rule.get("Name", "")).lower()
        if name not in ("prefix", "suffix"):
            raise _invalid("filter rule name must be either prefix or suffix", "FilterRule", rule.get("Name"))
        if name in found:
            raise _invalid("Cannot specify more than one prefix rule in a filter." if name == "prefix"
                           else "Cannot specify more than one suffix rule in a filter.", "FilterRule",
                           rule.get("Name"))
        found[name] = rule.get("Value", "")
    return found.get("prefix", ""), found.get("suffix", "")


def _events_overlap(a: list[str], b: list[str]) -> bool:
    for x in a:
        for y in b:
            if x == y:
                return True
            fx, _, kx = x.rpartition(":")
            fy, _, ky = y.rpartition(":")
            if fx == fy and "*" in (kx, ky):
                return True
    return False


def _filters_overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    (pa, sa), (pb, sb) = a, b
    prefixes = pa.startswith(pb) or pb.startswith(pa)
    suffixes = sa.endswith(sb) or sb.endswith(sa)
    return prefixes and suffixes


def _validate(tx: Tx, config: dict) -> list[tuple[str, str]]:
    """Check ``config`` (adding Ids); returns the (kind, arn) destinations."""
    seen: list[tuple[list[str], tuple[str, str]]] = []
    destinations: list[tuple[str, str]] = []
    bad: list[str] = []
    for section, arn_field, kind in _SECTIONS:
        for target in config.get(section) or []:
            names = target.get("Events") or []
            if not names:
                raise S3Error("The XML you provided was not well-formed or did not validate against our "
                              "published schema", code="MalformedXML")
            for name in names:
                _check_event(name)
            flt = _filters(target)
            for other_events, other_filter in seen:
                if _events_overlap(names, other_events) and _filters_overlap(flt, other_filter):
                    raise _invalid("Configurations overlap. Configurations on the same bucket cannot share a "
                                   "common event type.", "Event", names[0])
            seen.append((names, flt))
            target.setdefault("Id", secrets.token_hex(16))
            arn = target.get(arn_field, "")
            if kind == "sqs" and not _queue_exists(tx, arn):
                bad.append(arn)
            destinations.append((kind, arn))
    if bad:
        raise S3Error("Unable to validate the following destination configurations", code="InvalidArgument",
                      ArgumentName=bad[0], ArgumentValue="The destination queue does not exist")
    return destinations


def _queue_exists(tx: Tx, arn: str) -> bool:
    from squall.services.sqs import catalog

    key = catalog.key_from_arn(arn)
    return key is not None and catalog.load(tx, key) is not None


async def put_bucket_notification_configuration(ctx: Any, Bucket: str, NotificationConfiguration: dict,
                                                SkipDestinationValidation: bool | None = None,
                                                **_: Any) -> dict[str, Any]:
    config = {k: v for k, v in (NotificationConfiguration or {}).items() if v}

    def work(tx: Tx) -> None:
        bucket = buckets.require(tx, ctx, Bucket)
        destinations = _validate(tx, config)
        if config:
            bucket.config["NotificationConfiguration"] = config
        else:
            bucket.config.pop("NotificationConfiguration", None)
        buckets.save(tx, bucket)
        test_event = orjson.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                                   "Time": events.iso_millis(tx.now), "Bucket": Bucket,
                                   "RequestId": ctx.request_id, "HostId": ctx.request_id}).decode()
        for kind, arn in dict.fromkeys(destinations):
            tx.emit(events.TOPIC, orjson.dumps({"kind": kind, "arn": arn, "message": test_event}))

    await ctx.engine.transact(work)
    return {}


async def get_bucket_notification_configuration(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    bucket = await buckets.get_bucket(ctx, Bucket)
    return dict(bucket.config.get("NotificationConfiguration") or {})


async def get_bucket_notification(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    """The deprecated form: the same configurations (single-event ``Event`` members aside)."""
    bucket = await buckets.get_bucket(ctx, Bucket)
    config = bucket.config.get("NotificationConfiguration") or {}
    out: dict[str, Any] = {}
    for section, arn_field, name in (("QueueConfigurations", "QueueArn", "QueueConfiguration"),
                                     ("TopicConfigurations", "TopicArn", "TopicConfiguration"),
                                     ("LambdaFunctionConfigurations", "LambdaFunctionArn",
                                      "CloudFunctionConfiguration")):
        for target in config.get(section) or []:
            entry = {"Id": target.get("Id"), "Events": target.get("Events")}
            if name == "QueueConfiguration":
                entry["Queue"] = target[arn_field]
            elif name == "TopicConfiguration":
                entry["Topic"] = target[arn_field]
            else:
                entry["CloudFunction"] = target[arn_field]
            out.setdefault(name, entry)
    return out
