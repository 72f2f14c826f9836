"""What the SQS poller hands a function and how it reads the answer — no I/O here.

* :func:`to_record` — one message as Lambda's SQS event record (the exact shape of
  https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event
  and its FIFO variant), encoded once: an event is the records' bytes joined, never re-encoded.
* :func:`filter_view` / :func:`passes` — ``FilterCriteria``: the record as filters see it.
* :func:`split` — records into batches of at most ``BatchSize`` records and 6 MB;
  :func:`merge` — more records into a batch being gathered over a batching window.
* :func:`failed_ids` — the ``ReportBatchItemFailures`` answer, by AWS's success and failure
  conditions (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from squall.engine.api import QueueItem
from squall.patterns import Matcher
from squall.services.sqs.catalog import Queue
from squall.services.sqs.content import make_handle
from squall.services.sqs.messages import system_value

#: Invoke's payload limit; Lambda stops adding records to a batch before reaching it.
MAX_PAYLOAD = 6 * 1024 * 1024
_HEAD = b'{"Records":['
_TAIL = b"]}"
_ATTRIBUTES = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")
_FIFO_ATTRIBUTES = ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId")


@dataclass(slots=True)
class Record:
    """A leased message ready to be delivered: its receipt, id and encoded event record."""

    item_id: str
    token: str | None
    raw: bytes  # the record as JSON
    doc: dict[str, Any]  # the record as a dict (filters read it)

    @property
    def receipt(self) -> tuple[str, str | None]:
        return self.item_id, self.token


def to_record(q: Queue, item: QueueItem, stored: dict[str, Any]) -> Record:
    """Lambda's record for one leased message (``stored`` is its decoded stored form)."""
    attributes = {name: system_value(name, item, stored, q) for name in _ATTRIBUTES}
    for name in _FIFO_ATTRIBUTES if q.fifo else ("MessageGroupId",):  # (fair queues carry a group id too)
        value = system_value(name, item, stored, q)
        if value is not None:
            attributes[name] = value
    if stored.get("th"):
        attributes["AWSTraceHeader"] = stored["th"]
    doc: dict[str, Any] = {"messageId": item.id, "receiptHandle": make_handle(q.engine_queue, item.id, item.lease_token),
                           "body": stored["b"], "attributes": attributes,
                           "messageAttributes": _message_attributes(stored.get("a"))}
    if stored.get("a"):
        doc["md5OfMessageAttributes"] = stored["ma"]
    doc["md5OfBody"] = stored["mb"]
    doc["eventSource"] = "aws:sqs"
    doc["eventSourceARN"] = q.arn
    doc["awsRegion"] = q.region
    return Record(item.id, item.lease_token, orjson.dumps(doc), doc)


def _message_attributes(stored: list[list[Any]] | None) -> dict[str, dict[str, Any]]:
    """Stored ``[name, type, text|None, base64|None]`` → Lambda's camel-case attribute form."""
    out: dict[str, dict[str, Any]] = {}
    for name, dtype, text, b64 in stored or ():
        value: dict[str, Any] = {"stringValue": text} if text is not None else {"binaryValue": b64}
        value["stringListValues"] = []
        value["binaryListValues"] = []
        value["dataType"] = dtype
        out[name] = value
    return out


# ---- filtering --------------------------------------------------------------------------
def filter_view(record: Record) -> dict[str, Any]:
    """The record as filters see it: ``body`` as parsed JSON when it is valid JSON, else the
    plain string — so a ``{"body": {…}}`` pattern never matches a plain-text body and a
    ``{"body": [ … ]}`` pattern never matches a JSON object body, as AWS's format table says
    (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html)."""
    body = record.doc["body"]
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return record.doc
    return {**record.doc, "body": parsed}


def passes(record: Record, filters: Sequence[Matcher]) -> bool:
    """No filters, or any filter matches (they are OR'ed)."""
    if not filters:
        return True
    view = filter_view(record)
    return any(f.matches(view) for f in filters)


# ---- batches ---------------------------------------------------------------------------------
def payload_size(records: Sequence[Record]) -> int:
    return len(_HEAD) + len(_TAIL) + sum(len(r.raw) for r in records) + max(0, len(records) - 1)


def split(records: Sequence[Record], batch_size: int, max_bytes: int = MAX_PAYLOAD) -> list[list[Record]]:
    """Consecutive runs of at most ``batch_size`` records whose event stays within ``max_bytes``
    (order is kept: FIFO batches are invoked one after another in this order)."""
    batches: list[list[Record]] = []
    current: list[Record] = []
    size = len(_HEAD) + len(_TAIL)
    for record in records:
        extra = len(record.raw) + (1 if current else 0)
        if current and (len(current) >= batch_size or size + extra > max_bytes):
            batches.append(current)
            current, size, extra = [], len(_HEAD) + len(_TAIL), len(record.raw)
        current.append(record)
        size += extra
    if current:
        batches.append(current)
    return batches


def merge(records: list[Record], new: list[Record]) -> None:
    """Add ``new`` to a batch being gathered. A message already in it was received again — its
    visibility timeout ran out during the window (AWS asks for a timeout longer than the window
    for this reason) — so its newer receipt replaces the stale one instead of a duplicate."""
    if not records:
        records.extend(new)
        return
    where = {r.item_id: i for i, r in enumerate(records)}
    for record in new:
        i = where.get(record.item_id)
        if i is None:
            where[record.item_id] = len(records)
            records.append(record)
        else:
            records[i] = record


def event_payload(records: Sequence[Record]) -> bytes:
    """``{"Records": [...]}`` from the records' bytes, without re-encoding them."""
    return _HEAD + b",".join(r.raw for r in records) + _TAIL


# ---- the function's answer ----------------------------------------------------------------------
def failed_ids(payload: bytes, message_ids: set[str]) -> set[str] | None:
    """The message ids a ``ReportBatchItemFailures`` response reports as failed, or None when
    the response is invalid and the whole batch counts as failed.

    Success (nothing failed): a null or empty response, or ``batchItemFailures`` null or ``[]``.
    Whole-batch failure: invalid JSON, an entry whose ``itemIdentifier`` is missing (a bad key
    name), null, empty, or not a message id of this batch. A response that is not a JSON object
    is not a batch response at all, so it is invalid too."""
    text = payload.strip()
    if not text:
        return set()
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if doc is None:
        return set()
    if not isinstance(doc, dict):
        return None
    failures = doc.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for entry in failures:
        ident = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(ident, str) or not ident or ident not in message_ids:
            return None
        failed.add(ident)
    return failed
