"""S3 event notifications: matched and recorded with the change, delivered by the outbox relay.

An object change calls :func:`record` inside its own transaction; every
notification configuration of the bucket whose event types and key filters
match gets one outbox entry (topic ``s3-notify``) holding the destination and
the finished message, so the event exists exactly when the change does
(a crash can lose neither alone). :func:`deliver` (registered with the relay)
then puts the message into the destination at least once.

Message format, version 2.1:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
The object key is URL-encoded as in a form (space → ``+``), ``size``/``eTag``
are present for created objects only, ``versionId`` only for versioned
buckets, and ``sequencer`` is a hex string that orders the events of one key.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import orjson

from squall.engine.api import Tx

log = logging.getLogger("squall.s3.events")

TOPIC = "s3-notify"
_TARGETS = (("QueueConfigurations", "QueueArn", "sqs"), ("TopicConfigurations", "TopicArn", "sns"),
            ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda"))

_last_sequencer = 0


def sequencer() -> str:
    """Increasing hex per process (and across restarts: it is the wall clock in ns)."""
    global _last_sequencer
    _last_sequencer = max(_last_sequencer + 1, time.time_ns())
    return f"{_last_sequencer:018X}"


def iso_millis(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ts * 1000) % 1000:03d}Z"


def _matches(config: dict, event: str, key: str) -> bool:
    wanted = config.get("Events") or []
    family = event.rsplit(":", 1)[0] + ":*"
    if event not in wanted and family not in wanted:
        return False
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        name, value = str(rule.get("Name", "")).lower(), rule.get("Value", "")
        if name == "prefix" and not key.startswith(value):
            return False
        if name == "suffix" and not key.endswith(value):
            return False
    return True


def record(tx: Tx, ctx: Any, bucket: Any, event: str, key: str, *, size: int | None = None,
           etag: str | None = None, version_id: str | None = None, seq: str | None = None) -> None:
    """Record the notifications ``event`` (``"s3:ObjectCreated:Put"``…) on ``key`` causes."""
    config = bucket.config.get("NotificationConfiguration") or {}
    if not config:
        return
    message: str | None = None
    for section, arn_field, kind in _TARGETS:
        for target in config.get(section) or []:
            if not _matches(target, event, key):
                continue
            obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
            if size is not None:
                obj["size"] = size
            if etag is not None:
                obj["eTag"] = etag.strip('"')
            if version_id is not None and version_id != "null":
                obj["versionId"] = version_id
            obj["sequencer"] = seq or sequencer()
            principal = getattr(ctx, "principal", None) or f"AWS:{ctx.access_key or ctx.account_id}"
            rec = {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": bucket.region,
                "eventTime": iso_millis(tx.now),
                "eventName": event.removeprefix("s3:"),
                "userIdentity": {"principalId": principal},
                "requestParameters": {"sourceIPAddress": ctx.request.client if ctx.request else "127.0.0.1"},
                "responseElements": {"x-amz-request-id": ctx.request_id, "x-amz-id-2": ctx.request_id},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": target.get("Id", ""),
                    "bucket": {"name": bucket.name, "ownerIdentity": {"principalId": bucket.account},
                               "arn": f"arn:aws:s3:::{bucket.name}"},
                    "object": obj,
                },
            }
            message = orjson.dumps({"Records": [rec]}).decode()
            tx.emit(TOPIC, orjson.dumps({"kind": kind, "arn": target[arn_field], "message": message}))


async def deliver(runtime: Any, payload: bytes) -> None:
    """Put one recorded notification into its destination (the relay retries on error)."""
    event = orjson.loads(payload)
    kind, arn, message = event["kind"], event["arn"], event["message"]
    if kind == "sqs":
        from squall.services.sqs import deliver as sqs_deliver
        from squall.services.sqs.errors import SqsError

        def work(tx: Tx) -> None:
            try:
                sqs_deliver.send(tx, arn, message, sender="S3")
            except SqsError as err:  # the queue is gone or refuses it: S3 drops the event
                log.warning("S3 event to %s dropped: %s", arn, err.message)

        await runtime.engine.transact(work)
        return
    if kind == "lambda":
        # S3 invokes the function asynchronously: the event joins the function's async
        # queue (retries, destinations, DLQ) in one transaction with this delivery.
        from squall.arn import new_request_id
        from squall.dispatch import async_invoke

        request_id = new_request_id()
        await runtime.engine.transact(lambda tx: async_invoke.enqueue(tx, arn, message, request_id=request_id,
                                                                      source="aws:s3"))
        return
    # SNS topics are stored as destinations; they receive events once SNS exists in squall.
    log.warning("S3 event for %s %s dropped: squall has no %s service yet", kind, arn, kind)
