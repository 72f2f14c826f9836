"""Send, receive, delete and change visibility — single and batched.

Hot paths: the queue's metadata comes from the per-process cache, each request
(single or batch of up to 10) is exactly one engine transaction, message content
is validated and encoded before the transaction so the writer thread only writes.
Long polling loops ``lease`` and, while empty, sleeps on the queue's wake-up
channel until a send commits or the next delayed/in-flight message comes due.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from squall.arn import ordered_uuid
from squall.engine.api import QueueItem, Tx, queue_channel
from squall.services.sqs import catalog, content, fifo
from squall.services.sqs.batch import check_entries, failure
from squall.services.sqs.catalog import Queue
from squall.services.sqs.errors import (
    BatchRequestTooLong,
    InvalidParameterValue,
    MessageNotInflight,
    SqsError,
    invalid_value,
    missing,
)
from squall.services.sqs.md5 import md5_of_attributes

MAX_BATCH_BYTES = 1_048_576
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
                     "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader",
                     "DeadLetterQueueSourceArn")


@dataclass(slots=True)
class Outgoing:
    """A validated message ready to enqueue, and the answer for its sender."""

    id: str
    raw: bytes
    delay: int
    group: str | None
    dedup_key: str | None
    result: dict[str, Any]
    size: int


# ---- send -------------------------------------------------------------------------------
# SQS MessageIds are UUIDs; time-ordered ones (version 7) keep the engine's id index cheap.
new_message_id = ordered_uuid




def prepare(ctx: Any, q: Queue, body: str, delay: int | None, attrs: dict | None, sys_attrs: dict | None,
             dedup_id: str | None, group_id: str | None, now_ms: int) -> Outgoing:
    size = content.check_body(body)
    doc: dict[str, Any] = {"b": body, "s": ctx.access_key or ctx.account_id, "t": now_ms}
    md5_body = content.body_md5(body)
    doc["mb"] = md5_body
    result: dict[str, Any] = {"MD5OfMessageBody": md5_body}
    if attrs:
        stored, attr_size = content.check_attributes(attrs)
        size += attr_size
        doc["a"] = stored
        doc["ma"] = result["MD5OfMessageAttributes"] = md5_of_attributes(content.attributes_map(stored))
    if sys_attrs:
        trace, md5_sys = content.check_system_attributes(sys_attrs)
        if trace is not None:
            doc["th"] = trace
            doc["msa"] = result["MD5OfMessageSystemAttributes"] = md5_sys
    if size > q.max_size:
        raise InvalidParameterValue(f"One or more parameters are invalid. Reason: Message must be shorter than "
                                    f"{q.max_size} bytes.")
    if delay is not None and not 0 <= delay <= 900:
        raise invalid_value("DelaySeconds", delay, "DelaySeconds must be >= 0 and <= 900.")
    key = None
    if q.fifo:
        if delay:
            raise invalid_value("DelaySeconds", delay,
                                "The request include parameter that is not valid for this queue type.")
        if not group_id:
            raise missing("MessageGroupId")
        fifo.check_id("MessageGroupId", group_id)
        if dedup_id:
            fifo.check_id("MessageDeduplicationId", dedup_id)
        elif q.content_dedup:
            dedup_id = fifo.content_dedup_id(body)
        else:
            raise InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or "
                                        "MessageDeduplicationId provided explicitly")
        doc["g"] = group_id
        doc["d"] = dedup_id
        key = fifo.dedup_key(q.engine_queue, group_id, dedup_id, q.group_scope)
        delay = q.delay
    else:
        if dedup_id is not None:
            raise invalid_value("MessageDeduplicationId", dedup_id,
                                "The request includes a parameter that is not valid for this queue type.")
        if group_id is not None:  # fair queues: a tenant id on a standard queue
            fifo.check_id("MessageGroupId", group_id)
            doc["g"] = group_id
        delay = q.delay if delay is None else delay
    message_id = new_message_id()
    result["MessageId"] = message_id
    return Outgoing(message_id, content.encode(doc), delay, group_id if q.fifo else None, key, result, size)


def enqueue_all(tx: Tx, q: Queue, batch: list[Outgoing]) -> None:
    eq = q.engine_queue
    if not q.fifo:  # no dedup keys, no groups, nobody reads the items back: the engine's batch path
        tx.enqueue_many(eq, [(out.id, out.raw, out.delay) for out in batch])
        return
    for out in batch:
        if out.dedup_key is not None:
            prior = fifo.seen(tx, out.dedup_key)
            if prior is not None:
                out.result["MessageId"], out.result["SequenceNumber"] = prior
                continue
            item = tx.enqueue(eq, out.raw, id=out.id, delay=out.delay, group=out.group)
            seq = out.result["SequenceNumber"] = fifo.sequence_number(item.seq)
            fifo.remember(tx, out.dedup_key, out.id, seq)
        else:
            tx.enqueue(eq, out.raw, id=out.id, delay=out.delay)


async def send_message(ctx: Any, QueueUrl: str, MessageBody: str, DelaySeconds: int | None = None,
                       MessageAttributes: dict | None = None, MessageSystemAttributes: dict | None = None,
                       MessageDeduplicationId: str | None = None, MessageGroupId: str | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    out = prepare(ctx, q, MessageBody, DelaySeconds, MessageAttributes, MessageSystemAttributes,
                   MessageDeduplicationId, MessageGroupId, int(ctx.engine.now() * 1000))
    await ctx.engine.transact(lambda tx: enqueue_all(tx, q, [out]))
    return out.result


async def send_message_batch(ctx: Any, QueueUrl: str, Entries: list[dict[str, Any]] | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    check_entries(Entries, "SendMessageBatchRequestEntry")
    now_ms = int(ctx.engine.now() * 1000)
    ready: list[tuple[str, Outgoing]] = []
    failed: list[dict[str, Any]] = []
    total = 0
    for entry in Entries:
        try:
            out = prepare(ctx, q, entry.get("MessageBody"), entry.get("DelaySeconds"),
                           entry.get("MessageAttributes"), entry.get("MessageSystemAttributes"),
                           entry.get("MessageDeduplicationId"), entry.get("MessageGroupId"), now_ms)
        except SqsError as err:
            failed.append(failure(entry["Id"], err))
            continue
        total += out.size
        ready.append((entry["Id"], out))
    if total > MAX_BATCH_BYTES:
        raise BatchRequestTooLong(f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. "
                                  f"You have sent {total} bytes.")
    if ready:
        await ctx.engine.transact(lambda tx: enqueue_all(tx, q, [o for _, o in ready]))
    return {"Successful": [{"Id": entry_id, **out.result} for entry_id, out in ready], "Failed": failed}


# ---- receive ----------------------------------------------------------------------------
def _check_range(name: str, value: int | None, lo: int, hi: int, reason: str) -> None:
    if value is not None and not lo <= value <= hi:
        raise invalid_value(name, value, reason)


async def receive_message(ctx: Any, QueueUrl: str, AttributeNames: list[str] | None = None,
                          MessageSystemAttributeNames: list[str] | None = None,
                          MessageAttributeNames: list[str] | None = None, MaxNumberOfMessages: int | None = None,
                          VisibilityTimeout: int | None = None, WaitTimeSeconds: int | None = None,
                          ReceiveRequestAttemptId: str | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    _check_range("MaxNumberOfMessages", MaxNumberOfMessages, 1, 10, "Must be between 1 and 10, if provided.")
    _check_range("VisibilityTimeout", VisibilityTimeout, 0, 43_200, "Must be between 0 and 43200, if provided.")
    _check_range("WaitTimeSeconds", WaitTimeSeconds, 0, 20, "Must be >= 0 and <= 20, if provided.")
    limit = MaxNumberOfMessages or 1
    visibility = q.visibility if VisibilityTimeout is None else VisibilityTimeout
    wait = q.wait if WaitTimeSeconds is None else WaitTimeSeconds
    attempt = None
    if ReceiveRequestAttemptId is not None:
        fifo.check_id("ReceiveRequestAttemptId", ReceiveRequestAttemptId)
        if q.fifo:  # "applies only to FIFO queues"
            attempt = fifo.attempt_key(q.engine_queue, ReceiveRequestAttemptId)
    dlq = None
    if q.dlq_arn:
        dlq_key = catalog.key_from_arn(q.dlq_arn)
        dlq = await catalog.find(ctx, dlq_key) if dlq_key else None

    def work(tx: Tx) -> tuple[list[tuple[QueueItem, dict]], float | None]:
        if attempt is not None:
            again = fifo.replay_attempt(tx, q.engine_queue, attempt, visibility)
            if again:
                return [(item, content.decode(item.body)) for item in again], None
        got = lease(tx, q, dlq, limit, visibility)
        if got and attempt is not None:
            fifo.remember_attempt(tx, attempt, [(item.id, item.lease_token) for item, _ in got])
        return got, (tx.next_due(q.engine_queue) if not got and wait else None)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    channel = queue_channel(q.engine_queue)
    stopping = getattr(ctx.runtime, "stopping", None)
    while True:
        got, next_due = await ctx.engine.transact(work)
        remaining = deadline - loop.time()
        if got or remaining <= 0 or (stopping is not None and stopping.is_set()):
            break
        timeout = remaining
        if next_due is not None:
            until = next_due - ctx.engine.now()
            timeout = min(timeout, until + 0.002 if until > 0 else 0.1)
        await _wait(ctx.engine, channel, max(timeout, 0.005), stopping)
    if not got:
        return {}
    render = _renderer(q, AttributeNames, MessageSystemAttributeNames, MessageAttributeNames)
    return {"Messages": [render(item, doc) for item, doc in got]}


async def _wait(engine: Any, channel: str, timeout: float, stopping: asyncio.Event | None) -> None:
    """Sleep until a send wakes ``channel`` or ``timeout`` passes — or at once when the
    server starts shutting down, so a 20 s long poll never holds up a graceful stop."""
    if stopping is None or timeout < 0.5:
        await engine.wait(channel, timeout)
        return
    woken = asyncio.ensure_future(engine.wait(channel, timeout))
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait((woken, stop), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (woken, stop):
            if not task.done():
                task.cancel()


def lease(tx: Tx, q: Queue, dlq: Queue | None, limit: int, visibility: float) -> list[tuple[QueueItem, dict]]:
    """Lease up to ``limit`` deliverable messages; expired ones are dropped and, with a
    RedrivePolicy, ones past ``maxReceiveCount`` are moved to the dead-letter queue."""
    out: list[tuple[QueueItem, dict]] = []
    expired: list[str] = []
    oldest = tx.now - q.retention
    for _ in range(10):
        items = tx.lease(q.engine_queue, limit - len(out), visibility, fifo=q.fifo)
        if not items:
            break
        for item in items:
            doc = content.decode(item.body)
            if item.enqueued_at < oldest:
                expired.append(item.id)
                continue
            if dlq is not None and item.receive_count + doc.get("rc", 0) > q.max_receive:
                _dead_letter(tx, q, dlq, item, doc)
                continue
            out.append((item, doc))
        if len(out) >= limit:
            break
    if expired:
        tx.remove_items(q.engine_queue, expired)
    return out


def _dead_letter(tx: Tx, q: Queue, dlq: Queue, item: QueueItem, doc: dict) -> None:
    """Move a message that exceeded maxReceiveCount (its last lease did not count as a receive)."""
    doc["rc"] = doc.get("rc", 0) + item.receive_count - 1
    doc["src"] = q.arn
    if item.first_received_at and "fr" not in doc:
        doc["fr"] = int(item.first_received_at * 1000)
    # Standard DLQs keep the original enqueue time (retention counts from it); FIFO ones reset it.
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
    tx.enqueue(dlq.engine_queue, content.encode(doc), id=item.id, group=item.group,
               enqueued_at=None if q.fifo else item.enqueued_at, delay=0)
    tx.ack(q.engine_queue, item.id, item.lease_token)


def _renderer(q: Queue, names: list[str] | None, sys_names: list[str] | None, attr_names: list[str] | None):
    wanted_sys = set(names or ()) | set(sys_names or ())
    if "All" in wanted_sys:
        wanted_sys = set(SYSTEM_ATTRIBUTES)
    every_attr = bool(attr_names) and any(n in ("All", ".*") for n in attr_names or ())
    exact = {n for n in attr_names or () if not n.endswith(".*")}
    prefixes = tuple(n[:-1] for n in attr_names or () if n.endswith(".*") and n != ".*")
    eq = q.engine_queue

    def render(item: QueueItem, doc: dict) -> dict[str, Any]:
        msg: dict[str, Any] = {"MessageId": item.id, "ReceiptHandle": content.make_handle(eq, item.id, item.lease_token),
                               "MD5OfBody": doc["mb"], "Body": doc["b"]}
        if wanted_sys:
            attrs: dict[str, str] = {}
            for name in wanted_sys:
                value = system_value(name, item, doc, q)
                if value is not None:
                    attrs[name] = value
            if attrs:
                msg["Attributes"] = attrs
        stored = doc.get("a")
        if stored and (every_attr or exact or prefixes):
            if every_attr:
                chosen = content.attributes_map(stored)
                md5 = doc["ma"]
            else:
                chosen = content.attributes_map(stored, exact, prefixes)
                md5 = md5_of_attributes(chosen)
            if chosen:
                msg["MessageAttributes"] = chosen
                msg["MD5OfMessageAttributes"] = md5
        return msg

    return render


def system_value(name: str, item: QueueItem, doc: dict, q: Queue) -> str | None:
    if name == "SenderId":
        return doc.get("s")
    if name == "SentTimestamp":
        return str(doc["t"])
    if name == "ApproximateReceiveCount":
        return str(item.receive_count + doc.get("rc", 0))
    if name == "ApproximateFirstReceiveTimestamp":
        first = doc.get("fr") or int((item.first_received_at or item.visible_at) * 1000)
        return str(first)
    if name == "SequenceNumber":
        return fifo.sequence_number(item.seq) if q.fifo else None
    if name == "MessageDeduplicationId":
        return doc.get("d")
    if name == "MessageGroupId":
        return doc.get("g")
    if name == "AWSTraceHeader":
        return doc.get("th")
    if name == "DeadLetterQueueSourceArn":
        return doc.get("src")
    return None


# ---- delete ------------------------------------------------------------------------------
async def delete_message(ctx: Any, QueueUrl: str, ReceiptHandle: str) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    item_id, token = content.parse_handle(q.engine_queue, ReceiptHandle)
    # A stale handle (the message was received again since) succeeds without deleting,
    # as documented for DeleteMessage.
    await ctx.engine.transact(lambda tx: _ack(tx, q, item_id, token))
    return {}


def _ack(tx: Tx, q: Queue, item_id: str, token: str) -> None:
    # On FIFO queues a delete unblocks the message's group: wake long pollers.
    if tx.ack(q.engine_queue, item_id, token or None) and q.fifo:
        tx.notify(queue_channel(q.engine_queue))


async def delete_message_batch(ctx: Any, QueueUrl: str, Entries: list[dict[str, Any]] | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    check_entries(Entries, "DeleteMessageBatchRequestEntry")
    ok: list[dict[str, str]] = []
    failed: list[dict[str, Any]] = []
    todo: list[tuple[str, str]] = []
    for entry in Entries:
        try:
            todo.append(content.parse_handle(q.engine_queue, entry.get("ReceiptHandle")))
            ok.append({"Id": entry["Id"]})
        except SqsError as err:
            failed.append(failure(entry["Id"], err))

    def work(tx: Tx) -> None:
        for item_id, token in todo:
            _ack(tx, q, item_id, token)

    if todo:
        await ctx.engine.transact(work)
    return {"Successful": ok, "Failed": failed}


# ---- visibility ----------------------------------------------------------------------------
def _change(tx: Tx, q: Queue, handle: str, item_id: str, token: str, timeout: int) -> None:
    item = tx.get_item(q.engine_queue, item_id)
    if item is None:
        raise invalid_value("ReceiptHandle", handle,
                            "Message does not exist or is not available for visibility timeout change.")
    if item.lease_token != token or item.visible_at <= tx.now:
        raise MessageNotInflight()
    tx.set_visibility(q.engine_queue, item_id, token, float(timeout))
    if timeout == 0:  # visible again now: wake long pollers (the engine only wakes them on enqueue)
        tx.notify(queue_channel(q.engine_queue))


def _check_timeout(value: int | None) -> int:
    if value is None:
        raise missing("VisibilityTimeout")
    _check_range("VisibilityTimeout", value, 0, 43_200, "Must be between 0 and 43200, if provided.")
    return value


async def change_message_visibility(ctx: Any, QueueUrl: str, ReceiptHandle: str,
                                    VisibilityTimeout: int | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    item_id, token = content.parse_handle(q.engine_queue, ReceiptHandle)
    timeout = _check_timeout(VisibilityTimeout)
    await ctx.engine.transact(lambda tx: _change(tx, q, ReceiptHandle, item_id, token, timeout))
    return {}


async def change_message_visibility_batch(ctx: Any, QueueUrl: str, Entries: list[dict[str, Any]] | None = None) -> dict:
    q = await catalog.get(ctx, QueueUrl)
    check_entries(Entries, "ChangeMessageVisibilityBatchRequestEntry")
    failed: list[dict[str, Any]] = []
    todo: list[tuple[str, str, str, str, int]] = []
    for entry in Entries:
        try:
            item_id, token = content.parse_handle(q.engine_queue, entry.get("ReceiptHandle"))
            timeout = _check_timeout(entry.get("VisibilityTimeout", 0))
            todo.append((entry["Id"], entry["ReceiptHandle"], item_id, token, timeout))
        except SqsError as err:
            failed.append(failure(entry["Id"], err))

    def work(tx: Tx) -> tuple[list[dict], list[dict]]:
        ok, bad = [], []
        for entry_id, handle, item_id, token, timeout in todo:
            try:
                _change(tx, q, handle, item_id, token, timeout)
                ok.append({"Id": entry_id})
            except SqsError as err:
                bad.append(failure(entry_id, err))
        return ok, bad

    ok, bad = await ctx.engine.transact(work) if todo else ([], [])
    return {"Successful": ok, "Failed": failed + bad}
