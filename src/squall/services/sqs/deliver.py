"""Messages that other services put into SQS queues (S3 event notifications now;
SNS subscriptions and EventBridge targets later).

Such a delivery runs inside the deliverer's own transaction (the outbox relay's),
with the same validation and message format as ``SendMessage``. A queue that is
gone or refuses the message (too large, a FIFO queue without a group id) drops
it, as AWS does; the caller learns why from the exception.
"""

from __future__ import annotations

from types import SimpleNamespace

from squall.engine.api import Tx
from squall.services.sqs import catalog
from squall.services.sqs.errors import QueueDoesNotExist
from squall.services.sqs.messages import enqueue_all, prepare


def send(tx: Tx, queue_arn: str, body: str, *, sender: str, group_id: str | None = None,
         dedup_id: str | None = None, attributes: dict | None = None) -> str:
    """Enqueue ``body`` into the queue ``queue_arn`` names; returns the message id.
    Raises ``QueueDoesNotExist`` or the ``SendMessage`` validation errors."""
    key = catalog.key_from_arn(queue_arn)
    q = catalog.load(tx, key) if key is not None else None
    if q is None:
        raise QueueDoesNotExist()
    who = SimpleNamespace(access_key=sender, account_id=sender)
    out = prepare(who, q, body, None, attributes, None, dedup_id, group_id, int(tx.now * 1000))
    enqueue_all(tx, q, [out])
    return out.result["MessageId"]
