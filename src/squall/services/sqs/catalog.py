"""Where SQS keeps its state, and the cached view of queue metadata.

Storage layout (all through the engine's primitives, never SQL):

* records ``sqs/queues``  key ``{account}/{region}/{name}`` → queue metadata (orjson):
  ``{"name", "account", "region", "fifo", "inc", "created", "modified", "attrs", "tags", "purged"}``.
  ``inc`` is a random incarnation id: the engine queue holding a queue's messages is
  ``sqs/{account}/{region}/{name}#{inc}``, so a queue deleted and re-created never sees
  the old incarnation's stragglers (e.g. a send that raced the delete on another node).
* records ``sqs/deleted`` key = queue key → deletion time (``QueueDeletedRecently`` for 60 s).
* records ``sqs/dedup``   key ``{queue key}#{inc}/{group or ''}/{dedup id}`` → original
  message id + expiry (FIFO deduplication, :mod:`.fifo`).
* records ``sqs/tasks`` / timers ``sqs/move/…`` — message move tasks (:mod:`.redrive`).
* queue items: one per message, body = orjson of the message (:mod:`.messages`).

Queue metadata is read on every request, so it is cached per process in
``runtime.state["sqs"]`` for :data:`CACHE_TTL` seconds and dropped on every local
change; with several nodes on one PostgreSQL a change made elsewhere is seen
within the TTL (AWS itself documents attribute changes as taking up to a minute
to propagate).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from squall.arn import build_arn, parse_arn
from squall.engine.api import Tx
from squall.services.sqs.errors import InvalidAddress, QueueDoesNotExist

NS_QUEUES = "sqs/queues"
NS_DELETED = "sqs/deleted"
CACHE_TTL = 1.0

# ``sqs.us-west-2.amazonaws.com`` and the legacy ``us-west-2.queue.amazonaws.com``
_HOST_REGION = re.compile(r"(?:^|\.)(?:sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.|([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.)")


@dataclass(slots=True)
class Queue:
    """Parsed queue metadata: what the hot paths need, precomputed."""

    account: str
    region: str
    name: str
    fifo: bool
    inc: str
    created: int
    modified: int
    attrs: dict[str, str]
    tags: dict[str, str] = field(default_factory=dict)
    purged: float = 0.0
    # derived
    key: str = ""
    engine_queue: str = ""
    arn: str = ""
    delay: int = 0
    visibility: int = 30
    wait: int = 0
    max_size: int = 1_048_576
    retention: int = 345_600
    content_dedup: bool = False
    group_scope: bool = False
    dlq_arn: str | None = None
    max_receive: int = 0

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Queue:
        q = cls(doc["account"], doc["region"], doc["name"], doc["fifo"], doc["inc"], doc["created"],
                doc["modified"], doc["attrs"], doc.get("tags") or {}, doc.get("purged", 0.0))
        q.key = queue_key(q.account, q.region, q.name)
        q.engine_queue = f"sqs/{q.key}#{q.inc}"
        q.arn = build_arn("sqs", q.region, q.account, q.name)
        a = q.attrs
        q.delay = int(a.get("DelaySeconds", 0))
        q.visibility = int(a.get("VisibilityTimeout", 30))
        q.wait = int(a.get("ReceiveMessageWaitTimeSeconds", 0))
        q.max_size = int(a.get("MaximumMessageSize", 1_048_576))
        q.retention = int(a.get("MessageRetentionPeriod", 345_600))
        q.content_dedup = a.get("ContentBasedDeduplication") == "true"
        q.group_scope = a.get("DeduplicationScope") == "messageGroup"
        if a.get("RedrivePolicy"):
            policy = orjson.loads(a["RedrivePolicy"])
            q.dlq_arn = policy["deadLetterTargetArn"]
            q.max_receive = int(policy["maxReceiveCount"])
        return q

    def to_doc(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "name": self.name, "fifo": self.fifo,
                "inc": self.inc, "created": self.created, "modified": self.modified, "attrs": self.attrs,
                "tags": self.tags, "purged": self.purged}

    def url(self, ctx: Any) -> str:
        return queue_url(ctx, self.account, self.name)


def queue_key(account: str, region: str, name: str) -> str:
    return f"{account}/{region}/{name}"


def queue_url(ctx: Any, account: str, name: str) -> str:
    """``{scheme}://{Host header}/{account}/{name}`` — the address the client used."""
    req = ctx.request
    scheme = req.headers.get("x-forwarded-proto") or req.scheme
    return f"{scheme}://{req.host}/{account}/{name}"


def key_from_url(ctx: Any, url: str) -> str:
    """The queue key a ``QueueUrl`` names.

    Any host is accepted (clients build URLs from whatever endpoint they were
    given, proxies rewrite hosts): the queue is named by the *last two* path
    segments ``/{account}/{name}`` (so LocalStack-style ``/queue/us-east-1/{account}/{name}``
    works too). The region is the request's unless the host names one
    (``sqs.{region}.amazonaws.com``). Parsed keys are memoized per (url, account, region).
    """
    cache = _url_cache(ctx)
    memo = (url, ctx.account_id, ctx.region)
    key = cache.get(memo)
    if key is None:
        key = _parse_url(url, ctx.account_id, ctx.region)
        if len(cache) > 10_000:
            cache.clear()
        cache[memo] = key
    return key


def _parse_url(url: str, account_id: str, request_region: str) -> str:
    if not url:
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) == 2 or (len(segments) > 2 and segments[-2].isdigit()):
        # With a path prefix (``/queue/{region}/…``) the account must look like one.
        account, name = segments[-2], segments[-1]
    elif len(segments) == 1 and not parts.scheme:
        account, name = account_id, segments[0]  # a bare queue name, as some tools send
    else:
        raise InvalidAddress(f"The address {url} is not valid for this endpoint.")
    region = request_region
    m = _HOST_REGION.search(parts.hostname or "")
    if m:
        region = m.group(1) or m.group(2)
    return queue_key(account, region, name)


def key_from_arn(arn: str) -> str | None:
    try:
        parts = parse_arn(arn)
    except ValueError:
        return None
    if parts["service"] != "sqs" or ":" in parts["resource"]:
        return None
    return queue_key(parts["account"], parts["region"], parts["resource"])


# ---- cache ------------------------------------------------------------------------
def _cache(ctx_or_runtime: Any) -> dict[str, tuple[float, Queue]]:
    runtime = getattr(ctx_or_runtime, "runtime", ctx_or_runtime)
    state = runtime.state.setdefault("sqs", {})
    return state.setdefault("queues", {})


def _url_cache(ctx: Any) -> dict[tuple[str, str, str], str]:
    state = ctx.runtime.state.setdefault("sqs", {})
    return state.setdefault("urls", {})


def invalidate(ctx: Any, key: str) -> None:
    _cache(ctx).pop(key, None)


def load(tx: Tx, key: str) -> Queue | None:
    raw = tx.get(NS_QUEUES, key)
    return Queue.from_doc(orjson.loads(raw)) if raw is not None else None


def save(tx: Tx, q: Queue) -> None:
    tx.put(NS_QUEUES, q.key, orjson.dumps(q.to_doc()))


async def find(ctx: Any, key: str) -> Queue | None:
    """The queue with ``key`` (cached), or None."""
    cache = _cache(ctx)
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    q = await ctx.engine.read(lambda tx: load(tx, key))
    if q is not None:
        cache[key] = (now + CACHE_TTL, q)
    else:
        cache.pop(key, None)
    return q


async def get(ctx: Any, url: str) -> Queue:
    """The queue a ``QueueUrl`` names, or ``QueueDoesNotExist``."""
    q = await find(ctx, key_from_url(ctx, url))
    if q is None:
        raise QueueDoesNotExist()
    return q


def cache_put(ctx: Any, q: Queue) -> None:
    _cache(ctx)[q.key] = (time.monotonic() + CACHE_TTL, q)
