"""Queue attributes: names, defaults, limits and validation.

Stored values are the strings the API speaks (``"30"``, ``"true"``); only the
attributes a client can set are stored, the computed ones (``QueueArn``,
``Approximate*``, timestamps) are rendered by :mod:`.queues` on demand.
Limits: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
and the message quotas page (``MaximumMessageSize`` is 1,024 … 1,048,576 bytes,
default 1 MiB since August 2025).
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from squall.services.sqs.errors import InvalidAttributeName, InvalidAttributeValue, SqsError, invalid_value

MAX_MESSAGE_SIZE = 1_048_576

# name -> (min, max) for the integer attributes
INT_LIMITS: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}

DEFAULTS: dict[str, str] = {
    "DelaySeconds": "0",
    "MaximumMessageSize": str(MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS: dict[str, str] = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
FIFO_ONLY = frozenset(FIFO_DEFAULTS)
SETTABLE = frozenset(INT_LIMITS) | frozenset(
    {"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "SqsManagedSseEnabled"}) | FIFO_ONLY
COMPUTED = (
    "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
)
ALL_NAMES = frozenset(SETTABLE) | frozenset(COMPUTED) | {"All"}
# Attributes that may be cleared by setting "" (they have no default).
CLEARABLE = frozenset({"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId"})


def _bad_value(name: str) -> SqsError:
    return InvalidAttributeValue(f"Invalid value for the parameter {name}.")


def _json_object(name: str, value: str) -> dict:
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        if name == "Policy":
            raise _bad_value(name)
        raise invalid_value(name, value, f"{'Redrive' if name == 'RedrivePolicy' else 'Redrive allow'} "
                            "policy is not a valid JSON map.")
    return doc


def validate(attrs: Mapping[str, str] | None, *, fifo: bool, creating: bool) -> dict[str, str]:
    """Check a CreateQueue / SetQueueAttributes map; returns normalized string values.

    Cross-queue checks of ``RedrivePolicy`` (the target exists, same type) are done
    by the caller, which can look queues up.
    """
    out: dict[str, str] = {}
    for name, raw in (attrs or {}).items():
        value = "" if raw is None else str(raw)
        if name not in SETTABLE or (name in FIFO_ONLY and not fifo and name != "FifoQueue"):
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if name in INT_LIMITS:
            lo, hi = INT_LIMITS[name]
            try:
                number = int(value.strip())
            except ValueError:
                raise _bad_value(name) from None
            if not lo <= number <= hi:
                raise _bad_value(name)
            value = str(number)
        elif name in ("ContentBasedDeduplication", "SqsManagedSseEnabled", "FifoQueue"):
            if value.lower() not in ("true", "false"):
                raise _bad_value(name)
            value = value.lower()
            if name == "FifoQueue":
                if not creating:
                    raise InvalidAttributeName(f"Unknown Attribute {name}.")
                continue  # decided by the caller together with the name
        elif name == "DeduplicationScope":
            if value not in ("messageGroup", "queue"):
                raise _bad_value(name)
        elif name == "FifoThroughputLimit":
            if value not in ("perQueue", "perMessageGroupId"):
                raise _bad_value(name)
        elif name == "Policy" and value:
            _json_object(name, value)
        elif name == "RedrivePolicy" and value:
            value = normalize_redrive_policy(value)
        elif name == "RedriveAllowPolicy" and value:
            value = normalize_redrive_allow_policy(value)
        out[name] = value
    if fifo and out.get("FifoThroughputLimit") == "perMessageGroupId" and out.get("DeduplicationScope") == "queue":
        raise InvalidAttributeValue(
            "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId is allowed only "
            "when DeduplicationScope is messageGroup.")
    return out


def normalize_redrive_policy(value: str) -> str:
    doc = _json_object("RedrivePolicy", value)
    for key in ("deadLetterTargetArn", "maxReceiveCount"):
        if key not in doc:
            raise invalid_value("RedrivePolicy", value,
                                f"Redrive policy does not contain mandatory attribute: {key}.")
    try:
        count = int(doc["maxReceiveCount"])
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 1000:
        raise invalid_value("RedrivePolicy", value, f"Invalid value for maxReceiveCount: {doc['maxReceiveCount']},"
                            " valid values are from 1 to 1000 both inclusive.")
    extra = set(doc) - {"deadLetterTargetArn", "maxReceiveCount"}
    if extra:
        raise invalid_value("RedrivePolicy", value, "Only following attributes are supported: "
                            "[deadLetterTargetArn, maxReceiveCount].")
    return orjson.dumps({"deadLetterTargetArn": str(doc["deadLetterTargetArn"]),
                         "maxReceiveCount": count}).decode()


def normalize_redrive_allow_policy(value: str) -> str:
    doc = _json_object("RedriveAllowPolicy", value)
    permission = doc.get("redrivePermission")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise invalid_value("RedriveAllowPolicy", value,
                            "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.")
    arns = doc.get("sourceQueueArns")
    if permission == "byQueue":
        if not isinstance(arns, list) or not 1 <= len(arns) <= 10:
            raise invalid_value("RedriveAllowPolicy", value,
                                "Amazon SQS can't create the redrive allow policy. To specify one or more source "
                                "queues, you must set redrivePermission to byQueue.")
    elif arns:
        raise invalid_value("RedriveAllowPolicy", value,
                            "Amazon SQS can't create the redrive allow policy. To specify one or more source "
                            "queues, you must set redrivePermission to byQueue.")
    out: dict = {"redrivePermission": permission}
    if arns:
        out["sourceQueueArns"] = [str(a) for a in arns]
    return orjson.dumps(out).decode()


def allows_source(allow_policy: str | None, source_arn: str) -> bool:
    """Whether a DLQ's ``RedriveAllowPolicy`` lets ``source_arn`` use it."""
    if not allow_policy:
        return True
    doc = orjson.loads(allow_policy)
    permission = doc.get("redrivePermission")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in doc.get("sourceQueueArns", [])
    return True
