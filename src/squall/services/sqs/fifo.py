"""FIFO queues: deduplication ids, message group ids and sequence numbers.

Deduplication (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html):
a send whose deduplication id was already accepted in the last 5 minutes is
acknowledged with the *original* MessageId and SequenceNumber and not enqueued.
The id is the explicit ``MessageDeduplicationId`` or, with
``ContentBasedDeduplication``, the SHA-256 of the body. With
``DeduplicationScope=messageGroup`` ids are scoped per message group.

Records live in ns ``sqs/dedup`` under ``{engine queue}/{group or ''}/{id}`` so a
queue's dedup state is dropped with one ``delete_prefix``; expired records are
ignored on read and swept by :mod:`.background`.
"""

from __future__ import annotations

import hashlib
import re

import orjson

from squall.engine.api import Tx
from squall.services.sqs.errors import SqsError, invalid_value

NS_DEDUP = "sqs/dedup"
NS_ATTEMPTS = "sqs/attempts"
DEDUP_WINDOW = 300.0
# alphanumeric and punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), 1 to 128 characters
_ID = re.compile(r"[!-~]{1,128}")
# SequenceNumber: "large, non-consecutive", 128-bit-looking, increasing per queue.
_SEQ_BASE = 18_000_000_000_000_000_000


def check_id(name: str, value: str) -> None:
    if not _ID.fullmatch(value):
        raise invalid_value(name, value, f"{name} can only include alphanumeric and punctuation characters. "
                            "1 to 128 in length.")


def content_dedup_id(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def sequence_number(seq: int) -> str:
    return str(_SEQ_BASE + seq * 65_536)


def dedup_key(engine_queue: str, group: str | None, dedup_id: str, group_scope: bool) -> str:
    return f"{engine_queue}/{(group or '') if group_scope else ''}/{dedup_id}"


def seen(tx: Tx, key: str) -> tuple[str, str] | None:
    """(MessageId, SequenceNumber) of an earlier send with this dedup key, if still within the window."""
    raw = tx.get(NS_DEDUP, key)
    if raw is None:
        return None
    doc = orjson.loads(raw)
    if doc["x"] <= tx.now:
        return None
    return doc["i"], doc["n"]


def remember(tx: Tx, key: str, message_id: str, sequence: str) -> None:
    tx.put(NS_DEDUP, key, orjson.dumps({"i": message_id, "n": sequence, "x": tx.now + DEDUP_WINDOW}))


# ---- ReceiveRequestAttemptId ----------------------------------------------------------
# "During a visibility timeout, subsequent calls with the same ReceiveRequestAttemptId
# return the same messages and receipt handles. If a retry occurs within the
# deduplication interval, it resets the visibility timeout" — as long as none of the
# messages was deleted or had its visibility changed (then the id is spent and a new
# receive happens). https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
# Records: ns ``sqs/attempts`` key ``{engine queue}/{attempt id}`` → [[item id, lease token], …] + expiry.
def attempt_key(engine_queue: str, attempt_id: str) -> str:
    return f"{engine_queue}/{attempt_id}"


def replay_attempt(tx: Tx, engine_queue: str, key: str, visibility: float) -> list | None:
    """The items an earlier receive with this attempt id got, re-leased for ``visibility``;
    None when there was none (or it expired, or any of its messages changed since)."""
    raw = tx.get(NS_ATTEMPTS, key)
    if raw is None:
        return None
    doc = orjson.loads(raw)
    if doc["x"] <= tx.now:
        return None
    items = []
    for item_id, token in doc["m"]:
        item = tx.get_item(engine_queue, item_id)
        if item is None or item.lease_token != token or item.visible_at <= tx.now:
            return None
        items.append(item)
    for item in items:
        tx.set_visibility(engine_queue, item.id, item.lease_token, visibility)
    return items


def remember_attempt(tx: Tx, key: str, leased: list[tuple[str, str | None]]) -> None:
    tx.put(NS_ATTEMPTS, key, orjson.dumps({"m": leased, "x": tx.now + DEDUP_WINDOW}))


def sweep(tx: Tx, limit: int = 2000) -> int:
    """Delete expired dedup and receive-attempt records (bounded work per call)."""
    return _sweep(tx, NS_DEDUP, limit) + _sweep(tx, NS_ATTEMPTS, limit)


def _sweep(tx: Tx, ns: str, limit: int) -> int:
    removed = 0
    after: str | None = None
    while removed < limit:
        rows = tx.scan(ns, after=after, limit=500)
        if not rows:
            break
        for key, raw in rows:
            if orjson.loads(raw)["x"] <= tx.now:
                tx.delete(ns, key)
                removed += 1
        after = rows[-1][0]
    return removed


__all__ = ["SqsError", "attempt_key", "check_id", "content_dedup_id", "dedup_key", "remember", "remember_attempt",
           "replay_attempt", "seen", "sequence_number", "sweep"]
