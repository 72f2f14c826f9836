"""Put/GetBucketNotificationConfiguration and the legacy GetBucketNotification.

Validation follows S3 (as recorded against AWS, and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html):

* every configuration names its destination by ARN of the right service (``The ARN could
  not be parsed`` otherwise) and at least one event from S3's list (the botocore model's
  ``Event`` enum: ``s3:ObjectCreated:*``, ``s3:ObjectRemoved:Delete``, …);
* filter rules are named ``prefix`` or ``suffix`` in any case (stored as ``Prefix`` /
  ``Suffix``), at most one of each per configuration;
* two configurations overlap — and are refused — when they share an event type
  (``s3:ObjectCreated:*`` shares every ``s3:ObjectCreated:…``) and some key could match both
  filters: prefixes where one starts with the other, suffixes where one ends with the other,
  a missing rule matching everything. This holds across destination kinds;
* an SQS destination must be an existing queue (unless ``SkipDestinationValidation``); every
  missing one is listed as ``ArgumentName1``/``ArgumentValue1``, ``…2``…

Configurations without an ``Id`` get one. Saving a configuration with destinations sends each
the ``s3:TestEvent`` message: it is recorded (topic ``s3-notify``) in the same transaction, and
:mod:`.events` delivers it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
SNS topics and Lambda functions are stored without checking that they exist.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.s3 import buckets
from squall.services.s3.bucket_config import require_bucket
from squall.services.s3.errors import S3Error, invalid_argument, malformed_xml

TOPIC = "s3-notify"
# section, ARN member, destination kind, the ARN's XML element name (S3's ArgumentName), service
_SECTIONS = (("QueueConfigurations", "QueueArn", "sqs", "Queue"),
             ("TopicConfigurations", "TopicArn", "sns", "Topic"),
             ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", "CloudFunction"))
_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:(sqs|sns|lambda):[a-z0-9-]*:\d*:.+$")


@cache
def supported_events() -> frozenset[str]:
    """S3's notification event types, as the service model lists them."""
    from squall.protocol.specs import service_model

    return frozenset(service_model("s3").shape_for("Event").enum)


def _iso_millis(ts: float) -> str:
    when = datetime.fromtimestamp(ts, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _generated_id() -> str:
    """The form of the Ids S3 gives unnamed configurations (base64 of a UUID)."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _check_filter(target: dict) -> tuple[str | None, str | None]:
    """Check (and normalize) a configuration's filter rules; returns its (prefix, suffix)."""
    flt = target.get("Filter")
    if flt is None:
        return None, None
    if not isinstance(flt, dict) or not isinstance(flt.get("Key") or {}, dict):
        raise malformed_xml()
    rules = (flt.get("Key") or {}).get("FilterRules") or []
    if not isinstance(rules, list):
        raise malformed_xml()
    found: dict[str, str] = {}
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("Name"), str) or not isinstance(rule.get("Value"), str):
            raise malformed_xml()
        name = rule["Name"].lower()
        if name not in ("prefix", "suffix"):
            raise invalid_argument("filter rule name must be either prefix or suffix", "FilterRule.Name",
                                   rule["Name"])
        if name in found:
            raise invalid_argument(f"Cannot specify more than one {name} rule in a filter.", "FilterRule.Name",
                                   rule["Name"])
        found[name] = rule["Value"]
        rule["Name"] = name.capitalize()
    return found.get("prefix"), found.get("suffix")


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


def _filters_overlap(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    pa, sa = a[0] or "", a[1] or ""
    pb, sb = b[0] or "", b[1] or ""
    return (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))


def _validate(config: dict) -> list[tuple[str, str]]:
    """Check ``config`` in place (rule names normalized, Ids added); returns the (kind, arn)
    destinations."""
    seen: list[tuple[list[str], tuple[str | None, str | None]]] = []
    destinations: list[tuple[str, str]] = []
    events_known = supported_events()
    for section, arn_field, kind, element in _SECTIONS:
        targets = config.get(section) or []
        if not isinstance(targets, list):
            raise malformed_xml()
        for target in targets:
            if not isinstance(target, dict):
                raise malformed_xml()
            arn = target.get(arn_field)
            names = target.get("Events")
            if not isinstance(arn, str) or not isinstance(names, list) or not names:
                raise malformed_xml()
            match = _ARN.match(arn)
            if match is None or match.group(1) != kind:
                raise invalid_argument("The ARN could not be parsed", element, arn)
            for name in names:
                if name not in events_known:
                    raise invalid_argument("The event is not supported for notifications", "Event", str(name))
            flt = _check_filter(target)
            for other_events, other_filter in seen:
                if _events_overlap(names, other_events) and _filters_overlap(flt, other_filter):
                    if flt == (None, None) and other_filter == (None, None):
                        raise invalid_argument("Configurations overlap. Configurations on the same bucket cannot "
                                               "share a common event type.", "Event", names[0])
                    raise invalid_argument("Configuration is ambiguously defined. Cannot have overlapping suffixes "
                                           "in two rules if the prefixes are overlapping for the same event type.",
                                           "Event", names[0])
            seen.append((names, flt))
            if not target.get("Id"):
                target["Id"] = _generated_id()
            destinations.append((kind, arn))
    eventbridge = config.get("EventBridgeConfiguration")
    if eventbridge is not None and not isinstance(eventbridge, dict):
        raise malformed_xml()
    return destinations


def _missing_queues(tx: Tx, destinations: list[tuple[str, str]]) -> list[str]:
    from squall.services.sqs import catalog

    missing = []
    for kind, arn in dict.fromkeys(destinations):
        if kind != "sqs":
            continue  # SNS and Lambda destinations are stored unchecked until those services exist
        key = catalog.key_from_arn(arn)
        if key is None or catalog.load(tx, key) is None:
            missing.append(arn)
    return missing


def s3_test_event(bucket: str, now: float, request_id: str) -> str:
    """The message S3 sends a destination when a configuration naming it is saved."""
    return orjson.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": _iso_millis(now),
                         "Bucket": bucket, "RequestId": request_id, "HostId": request_id}).decode()


async def put_bucket_notification_configuration(ctx: Any, Bucket: str, NotificationConfiguration: dict | None = None,
                                                SkipDestinationValidation: bool | None = None,
                                                **_: Any) -> dict[str, Any]:
    def work(tx: Tx) -> None:
        bucket = require_bucket(tx, ctx, Bucket)
        if not isinstance(NotificationConfiguration, dict):
            raise malformed_xml()
        config = {k: v for k, v in NotificationConfiguration.items()
                  if v is not None and (v or k == "EventBridgeConfiguration")}
        destinations = _validate(config)
        if not SkipDestinationValidation:
            missing = _missing_queues(tx, destinations)
            if missing:
                extra: dict[str, str] = {}
                for i, arn in enumerate(missing, 1):
                    extra[f"ArgumentName{i}"] = arn
                    extra[f"ArgumentValue{i}"] = "The destination queue does not exist"
                raise S3Error("Unable to validate the following destination configurations",
                              code="InvalidArgument", **extra)
        if config:
            bucket.config["NotificationConfiguration"] = config
        else:
            bucket.config.pop("NotificationConfiguration", None)
        buckets.save(tx, bucket)
        message = s3_test_event(Bucket, tx.now, ctx.request_id)
        for kind, arn in dict.fromkeys(destinations):
            if kind == "lambda":  # S3 sends the test message to queues and topics, never invokes a function
                continue
            tx.emit(TOPIC, orjson.dumps({"kind": kind, "arn": arn, "message": message}))

    await ctx.engine.transact(work)
    return {}


async def get_bucket_notification_configuration(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    bucket = await ctx.engine.read(lambda tx: require_bucket(tx, ctx, Bucket))
    return dict(bucket.config.get("NotificationConfiguration") or {})


async def get_bucket_notification(ctx: Any, Bucket: str, **_: Any) -> dict[str, Any]:
    """The deprecated form: at most one configuration of each kind (the first stored)."""
    bucket = await ctx.engine.read(lambda tx: require_bucket(tx, ctx, Bucket))
    config = bucket.config.get("NotificationConfiguration") or {}
    out: dict[str, Any] = {}
    for section, arn_field, name, element in (
            ("QueueConfigurations", "QueueArn", "QueueConfiguration", "Queue"),
            ("TopicConfigurations", "TopicArn", "TopicConfiguration", "Topic"),
            ("LambdaFunctionConfigurations", "LambdaFunctionArn", "CloudFunctionConfiguration", "CloudFunction")):
        for target in config.get(section) or []:
            out.setdefault(name, {"Id": target.get("Id"), "Events": target.get("Events"), element: target[arn_field]})
    return out
