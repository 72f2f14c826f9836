"""Asynchronous invocation: the durable queue behind ``InvocationType=Event`` and every
asynchronous event source (S3 notifications, Lambda destinations; SNS and EventBridge later).

An event is enqueued in the same transaction as whatever caused it (``enqueue(tx, …)``),
so it is never lost; :func:`run` leases events, invokes the function (waiting for a
concurrency slot rather than throttling), and then, in one transaction, acks the event
and records its outcome: the OnSuccess / OnFailure destination and the dead-letter queue.

Retries follow Lambda: a function error is retried twice by default (``MaximumRetryAttempts``
0–2 from PutFunctionEventInvokeConfig) waiting one minute, then two; an event older than
``MaximumEventAgeInSeconds`` (default six hours) is discarded to the failure destination.
The request id stays the same across retries. A crash mid-invocation redelivers the event
when its lease expires (at-least-once, as AWS promises).
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from typing import Any

import orjson

from squall.engine.api import QueueItem, Tx, queue_channel

log = logging.getLogger("squall.lambda.async")

QUEUE = "lambda/async"
#: A leased event stays invisible this long, renewed every third of it while its invocation
#: waits for a slot and runs: after a crash the event is run again within this time.
LEASE = float(os.environ.get("SQUALL_LAMBDA_ASYNC_LEASE", "30"))
MAX_IN_FLIGHT = 64
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
#: Waits before the 2nd and 3rd attempts (Lambda: one minute, then two). Tests shorten them.
RETRY_DELAYS = tuple(float(x) for x in os.environ.get("SQUALL_LAMBDA_RETRY_DELAYS", "60,120").split(","))
#: Async payload limit: 1 MB (raised from 256 KB in 2025).
MAX_PAYLOAD = 1024 * 1024


def enqueue(tx: Tx, function_arn: str, payload: bytes | str, *, request_id: str, delay: float = 0.0,
            source: str | None = None) -> None:
    """Record an asynchronous invocation of ``function_arn`` (qualified or not) in ``tx``."""
    text = payload.decode() if isinstance(payload, bytes) else payload
    doc = {"f": function_arn, "p": text, "r": request_id, "t": int(tx.now * 1000)}
    if source:
        doc["s"] = source
    tx.enqueue(QUEUE, orjson.dumps(doc), delay=delay)


async def run(runtime: Any) -> None:
    """The dispatcher: lease due events and run each in its own task (bounded)."""
    engine = runtime.engine
    in_flight: set[asyncio.Task] = set()
    while not runtime.stopping.is_set():
        room = MAX_IN_FLIGHT - len(in_flight)
        items: list[QueueItem] = []
        if room > 0:
            items = await engine.transact(lambda tx, n=room: tx.lease(QUEUE, n, LEASE))
        for item in items:
            task = asyncio.create_task(_handle(runtime, item))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if items:
            continue
        if room <= 0:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            continue
        due = await engine.read(lambda tx: tx.next_due(QUEUE))
        wait = 1.0 if due is None else max(0.0, min(1.0, due - engine.now()))
        if wait:
            await engine.wait(queue_channel(QUEUE), wait)


async def _handle(runtime: Any, item: QueueItem) -> None:
    try:
        await _invoke_once(runtime, item)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("async invocation %s failed in squall; it will be retried", item.id)


async def _invoke_once(runtime: Any, item: QueueItem) -> None:
    from squall.runtime.pool import get_pool
    from squall.services.lambda_.functions import resolve_arn
    from squall.services.lambda_.invoke_config import event_invoke_config

    engine = runtime.engine
    doc = orjson.loads(item.body)
    try:
        spec = await resolve_arn(runtime, doc["f"])
    except Exception as exc:  # noqa: BLE001 - the function is gone: nothing can run the event
        log.warning("async event %s for %s dropped: %s", item.id, doc["f"], getattr(exc, "message", exc))
        await engine.transact(lambda tx: tx.ack(QUEUE, item.id, item.lease_token))
        return
    config = await event_invoke_config(runtime, spec) or {}
    retries = config.get("MaximumRetryAttempts", DEFAULT_RETRIES)
    max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
    destinations = config.get("DestinationConfig") or {}
    if time.time() * 1000 - doc["t"] > max_age * 1000:
        await engine.transact(lambda tx: _finish(tx, runtime, item, doc, spec, destinations, None, "EventAgeExceeded"))
        return
    renew = asyncio.create_task(_keep_leased(engine, item))
    try:
        result = await get_pool(runtime).invoke(spec, doc["p"].encode(), request_id=doc["r"], sync=False,
                                                invoked_arn=doc["f"])
    finally:
        renew.cancel()
    if result.function_error is None:
        await engine.transact(lambda tx: _finish(tx, runtime, item, doc, spec, destinations, result, "Success"))
    elif item.receive_count <= retries:
        delay = RETRY_DELAYS[min(item.receive_count, len(RETRY_DELAYS)) - 1]
        await engine.transact(lambda tx: tx.set_visibility(QUEUE, item.id, item.lease_token, delay))
    else:
        await engine.transact(lambda tx: _finish(tx, runtime, item, doc, spec, destinations, result,
                                                 "RetriesExhausted"))


async def _keep_leased(engine: Any, item: QueueItem) -> None:
    """Renew the event's lease while its invocation waits for a slot and runs."""
    while True:
        await asyncio.sleep(LEASE / 3)
        await engine.transact(lambda tx: tx.set_visibility(QUEUE, item.id, item.lease_token, LEASE))


def _finish(tx: Tx, runtime: Any, item: QueueItem, doc: dict, spec: Any, destinations: dict, result: Any,
            condition: str) -> None:
    """Ack the event and send its outcome where the function's configuration says."""
    if not tx.ack(QUEUE, item.id, item.lease_token):
        return  # someone else finished it (a lease that expired mid-run)
    on = destinations.get("OnSuccess" if condition == "Success" else "OnFailure") or {}
    target = on.get("Destination")
    if target:
        _send(tx, target, orjson.dumps(destination_record(doc, spec, result, condition, item.receive_count)).decode(),
              spec)
    if condition != "Success" and spec.dead_letter_arn:
        error_code = "200"
        message = ""
        if result is not None:
            try:
                message = orjson.loads(result.payload).get("errorMessage", "")
            except (orjson.JSONDecodeError, AttributeError):
                message = ""
        attrs = {"RequestID": {"DataType": "String", "StringValue": doc["r"]},
                 "ErrorCode": {"DataType": "Number", "StringValue": error_code},
                 "ErrorMessage": {"DataType": "String", "StringValue": (message or condition)[:1024]}}
        _send(tx, spec.dead_letter_arn, doc["p"], spec, attributes=attrs)


def destination_record(doc: dict, spec: Any, result: Any, condition: str, attempts: int) -> dict:
    """The invocation record Lambda sends to a destination.
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"""
    try:
        request_payload = orjson.loads(doc["p"]) if doc["p"].strip() else {}
    except orjson.JSONDecodeError:
        request_payload = doc["p"]
    ts = time.time()
    record: dict = {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z",
        "requestContext": {"requestId": doc["r"], "functionArn": f"{spec.arn}:{spec.version}",
                           "condition": condition, "approximateInvokeCount": attempts},
        "requestPayload": request_payload,
    }
    if result is not None:
        response: dict = {"statusCode": 200, "executedVersion": result.executed_version}
        if result.function_error:
            response["functionError"] = result.function_error
        record["responseContext"] = response
        try:
            record["responsePayload"] = orjson.loads(result.payload) if result.payload else None
        except orjson.JSONDecodeError:
            record["responsePayload"] = result.payload.decode("utf-8", "replace")
    return record


def _send(tx: Tx, arn: str, body: str, spec: Any, attributes: dict | None = None) -> None:
    """Deliver to an SQS queue or another function; other targets wait for their services."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        from squall.services.sqs import deliver
        from squall.services.sqs.errors import SqsError

        try:
            deliver.send(tx, arn, body, sender=spec.account, attributes=attributes)
        except SqsError as err:
            log.warning("Lambda destination %s refused the record: %s", arn, err.message)
    elif service == "lambda":
        enqueue(tx, arn, body, request_id=str(uuid.uuid4()))
    else:
        log.warning("Lambda destination %s skipped: squall has no %s service yet", arn, service)
