"""Queue lifecycle and metadata operations: create, delete, URL, list, attributes,
purge, tags, permissions and dead-letter source listing.

Every change is one engine transaction that reloads the metadata record, so two
nodes changing one queue never lose an update; the local metadata cache is dropped
after each change (see :mod:`.catalog`).
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable
from typing import Any

import orjson

from squall.arn import build_arn
from squall.engine.api import Tx
from squall.services.sqs import attributes as A
from squall.services.sqs import catalog
from squall.services.sqs.catalog import NS_DELETED, NS_QUEUES, Queue
from squall.services.sqs.errors import (
    InvalidAttributeName,
    InvalidParameterValue,
    OverLimit,
    PurgeQueueInProgress,
    QueueDeletedRecently,
    QueueDoesNotExist,
    QueueNameExists,
    invalid_value,
    missing,
)
from squall.services.sqs.fifo import NS_ATTEMPTS, NS_DEDUP

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,80}")
DELETE_COOLDOWN = 60.0
PURGE_COOLDOWN = 60.0
MAX_TAGS = 50
MAX_PERMISSION_ACTIONS = 7
PERMISSION_ACTIONS = frozenset({"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
                                "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue"})


# ---- helpers ------------------------------------------------------------------------
async def _mutate(ctx: Any, q: Queue, fn: Callable[[Tx, Queue], Any]) -> Any:
    """Reload ``q`` in a transaction, apply ``fn``, store it (``modified`` is fn's business)."""

    def work(tx: Tx) -> Any:
        fresh = catalog.load(tx, q.key)
        if fresh is None or fresh.inc != q.inc:
            raise QueueDoesNotExist()
        result = fn(tx, fresh)
        catalog.save(tx, fresh)
        return result

    try:
        return await ctx.engine.transact(work)
    finally:
        catalog.invalidate(ctx, q.key)


def _check_redrive(tx: Tx, attrs: dict[str, str], *, fifo: bool, source_arn: str) -> None:
    policy = attrs.get("RedrivePolicy")
    if not policy:
        return
    target = orjson.loads(policy)["deadLetterTargetArn"]
    key = catalog.key_from_arn(target)
    dlq = catalog.load(tx, key) if key else None
    if dlq is None:
        raise invalid_value("RedrivePolicy", policy, "Dead letter target does not exist.")
    if dlq.fifo != fifo:
        raise invalid_value("RedrivePolicy", policy, "Dead-letter queue must be same type of queue as the source.")
    if not A.allows_source(dlq.attrs.get("RedriveAllowPolicy"), source_arn):
        raise invalid_value("RedrivePolicy", policy,
                            f"Queue {target} does not allow this queue to use it as dead-letter queue.")


def _apply(q: Queue, attrs: dict[str, str]) -> None:
    for name, value in attrs.items():
        if value == "" and name in A.CLEARABLE:
            q.attrs.pop(name, None)
        else:
            q.attrs[name] = value
    if attrs.get("KmsMasterKeyId"):
        q.attrs["SqsManagedSseEnabled"] = "false"
        q.attrs.setdefault("KmsDataKeyReusePeriodSeconds", "300")
    elif attrs.get("SqsManagedSseEnabled") == "true":
        q.attrs.pop("KmsMasterKeyId", None)
        q.attrs.pop("KmsDataKeyReusePeriodSeconds", None)


def _validate_tags(tags: dict[str, str] | None) -> dict[str, str]:
    for k, v in (tags or {}).items():
        if not 1 <= len(k) <= 128:
            raise InvalidParameterValue(f"Tag key {k!r} must be 1 to 128 characters long.")
        if len(v or "") > 256:
            raise InvalidParameterValue(f"Tag value for key {k!r} must be at most 256 characters long.")
    return dict(tags or {})


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except Exception:  # noqa: BLE001 - any garbage token is the client's fault
        raise InvalidParameterValue("Invalid NextToken value.") from None


def _max_results(value: int | None) -> int:
    if value is not None and not 1 <= value <= 1000:
        raise invalid_value("MaxResults", value, "MaxResults must be an integer between 1 and 1000.")
    return value or 1000


# ---- create / delete / find ---------------------------------------------------------
async def create_queue(ctx: Any, QueueName: str, Attributes: dict[str, str] | None = None,
                       tags: dict[str, str] | None = None) -> dict[str, Any]:
    attrs_in = dict(Attributes or {})
    fifo = str(attrs_in.get("FifoQueue", "false")).lower() == "true"
    if fifo:
        if not _FIFO_NAME.fullmatch(QueueName or ""):
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                "must end with .fifo suffix and be 1 to 80 in length.")
    elif not _NAME.fullmatch(QueueName or ""):
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. "
                                    "1 to 80 in length")
    attrs = A.validate(attrs_in, fifo=fifo, creating=True)
    tag_map = _validate_tags(tags)
    if len(tag_map) > MAX_TAGS:
        raise InvalidParameterValue(f"Too many tags added for queue {QueueName}.")
    key = catalog.queue_key(ctx.account_id, ctx.region, QueueName)
    arn = build_arn("sqs", ctx.region, ctx.account_id, QueueName)

    def work(tx: Tx) -> None:
        existing = catalog.load(tx, key)
        if existing is not None:
            if "FifoQueue" in attrs_in and existing.fifo != fifo:
                raise QueueNameExists(_exists_message("FifoQueue"))
            defaults = {**A.DEFAULTS, **(A.FIFO_DEFAULTS if existing.fifo else {})}
            for name, value in attrs.items():
                current = existing.attrs.get(name, defaults.get(name, ""))
                if current != value:
                    raise QueueNameExists(_exists_message(name))
            return
        deleted = tx.get(NS_DELETED, key)
        if deleted is not None and tx.now - float(deleted) < DELETE_COOLDOWN:
            raise QueueDeletedRecently()
        _check_redrive(tx, attrs, fifo=fifo, source_arn=arn)
        now = int(tx.now)
        q = Queue.from_doc({"account": ctx.account_id, "region": ctx.region, "name": QueueName, "fifo": fifo,
                            "inc": secrets.token_hex(4), "created": now, "modified": now,
                            "attrs": {**A.DEFAULTS, **(A.FIFO_DEFAULTS if fifo else {})}, "tags": tag_map})
        _apply(q, attrs)
        if not tx.insert(NS_QUEUES, key, orjson.dumps(q.to_doc())):  # pragma: no cover - raced a create
            raise QueueNameExists(_exists_message("QueueName"))
        tx.delete(NS_DELETED, key)

    await ctx.engine.transact(work)
    catalog.invalidate(ctx, key)
    return {"QueueUrl": catalog.queue_url(ctx, ctx.account_id, QueueName)}


def _exists_message(attribute: str) -> str:
    return f"A queue already exists with the same name and a different value for attribute {attribute}"


async def delete_queue(ctx: Any, QueueUrl: str) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)

    def work(tx: Tx) -> None:
        fresh = catalog.load(tx, q.key)
        if fresh is None:
            raise QueueDoesNotExist()
        tx.delete(NS_QUEUES, q.key)
        tx.put(NS_DELETED, q.key, str(tx.now).encode())
        tx.purge(fresh.engine_queue)
        tx.delete_prefix(NS_DEDUP, fresh.engine_queue + "/")
        tx.delete_prefix(NS_ATTEMPTS, fresh.engine_queue + "/")

    try:
        await ctx.engine.transact(work)
    finally:
        catalog.invalidate(ctx, q.key)
    return {}


async def get_queue_url(ctx: Any, QueueName: str, QueueOwnerAWSAccountId: str | None = None) -> dict[str, Any]:
    account = QueueOwnerAWSAccountId or ctx.account_id
    q = await catalog.find(ctx, catalog.queue_key(account, ctx.region, QueueName or ""))
    if q is None:
        raise QueueDoesNotExist()
    return {"QueueUrl": q.url(ctx)}


async def list_queues(ctx: Any, QueueNamePrefix: str | None = None, NextToken: str | None = None,
                      MaxResults: int | None = None) -> dict[str, Any]:
    limit = _max_results(MaxResults)
    base = f"{ctx.account_id}/{ctx.region}/"
    after = _untoken(NextToken) if NextToken else None
    rows = await ctx.engine.read(lambda tx: tx.scan(NS_QUEUES, prefix=base + (QueueNamePrefix or ""),
                                                    after=after, limit=limit + 1))
    out: dict[str, Any] = {}
    urls = [catalog.queue_url(ctx, ctx.account_id, key[len(base):]) for key, _ in rows[:limit]]
    if urls:
        out["QueueUrls"] = urls
    if MaxResults is not None and len(rows) > limit:
        out["NextToken"] = _token(rows[limit - 1][0])
    return out


async def list_dead_letter_source_queues(ctx: Any, QueueUrl: str, NextToken: str | None = None,
                                         MaxResults: int | None = None) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    limit = _max_results(MaxResults)
    base = f"{q.account}/{q.region}/"
    after = _untoken(NextToken) if NextToken else None

    def work(tx: Tx) -> list[str]:
        found: list[str] = []
        cursor = after
        while len(found) <= limit:
            rows = tx.scan(NS_QUEUES, prefix=base, after=cursor, limit=500)
            if not rows:
                break
            for key, raw in rows:
                doc = orjson.loads(raw)
                policy = doc["attrs"].get("RedrivePolicy")
                if policy and orjson.loads(policy)["deadLetterTargetArn"] == q.arn:
                    found.append(key)
            cursor = rows[-1][0]
        return found

    keys = await ctx.engine.read(work)
    out: dict[str, Any] = {"queueUrls": [catalog.queue_url(ctx, q.account, k[len(base):]) for k in keys[:limit]]}
    if MaxResults is not None and len(keys) > limit:
        out["NextToken"] = _token(keys[limit - 1])
    return out


# ---- attributes ------------------------------------------------------------------------
async def get_queue_attributes(ctx: Any, QueueUrl: str, AttributeNames: list[str] | None = None) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    names = list(AttributeNames or [])
    for name in names:
        if name not in A.ALL_NAMES:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
    if not names:
        return {}
    wanted = set(names)
    every = "All" in wanted
    out: dict[str, str] = {}

    def want(name: str) -> bool:
        return every or name in wanted

    if want("QueueArn"):
        out["QueueArn"] = q.arn
    if any(want(n) for n in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                             "ApproximateNumberOfMessagesDelayed")):
        stats = await ctx.engine.read(lambda tx: tx.stats(q.engine_queue))
        for name, value in (("ApproximateNumberOfMessages", stats.visible),
                            ("ApproximateNumberOfMessagesNotVisible", stats.in_flight),
                            ("ApproximateNumberOfMessagesDelayed", stats.delayed)):
            if want(name):
                out[name] = str(value)
    if want("CreatedTimestamp"):
        out["CreatedTimestamp"] = str(q.created)
    if want("LastModifiedTimestamp"):
        out["LastModifiedTimestamp"] = str(q.modified)
    for name, value in q.attrs.items():
        if want(name):
            out[name] = value
    return {"Attributes": out} if out else {}


async def set_queue_attributes(ctx: Any, QueueUrl: str, Attributes: dict[str, str]) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    attrs = A.validate(Attributes or {}, fifo=q.fifo, creating=False)
    if q.fifo and ("FifoThroughputLimit" in attrs or "DeduplicationScope" in attrs):
        merged = {**q.attrs, **attrs}
        A.validate({k: merged[k] for k in ("FifoThroughputLimit", "DeduplicationScope") if k in merged},
                   fifo=True, creating=False)

    def change(tx: Tx, fresh: Queue) -> None:
        _check_redrive(tx, attrs, fifo=fresh.fifo, source_arn=fresh.arn)
        _apply(fresh, attrs)
        fresh.modified = int(tx.now)

    await _mutate(ctx, q, change)
    return {}


async def purge_queue(ctx: Any, QueueUrl: str) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)

    def change(tx: Tx, fresh: Queue) -> None:
        if fresh.purged and tx.now - fresh.purged < PURGE_COOLDOWN:
            raise PurgeQueueInProgress(f"Only one PurgeQueue operation on {fresh.name} is allowed every 60 seconds.")
        tx.purge(fresh.engine_queue)
        fresh.purged = tx.now

    await _mutate(ctx, q, change)
    return {}


# ---- tags -------------------------------------------------------------------------------
async def tag_queue(ctx: Any, QueueUrl: str, Tags: dict[str, str]) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    new = _validate_tags(Tags)
    if not new:
        raise missing("Tags")

    def change(tx: Tx, fresh: Queue) -> None:
        merged = {**fresh.tags, **new}
        if len(merged) > MAX_TAGS:
            raise InvalidParameterValue(f"Too many tags added for queue {fresh.name}.")
        fresh.tags = merged

    await _mutate(ctx, q, change)
    return {}


async def untag_queue(ctx: Any, QueueUrl: str, TagKeys: list[str]) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    if not TagKeys:
        raise missing("TagKeys")

    def change(tx: Tx, fresh: Queue) -> None:
        for k in TagKeys:
            fresh.tags.pop(k, None)

    await _mutate(ctx, q, change)
    return {}


async def list_queue_tags(ctx: Any, QueueUrl: str) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    fresh = await ctx.engine.read(lambda tx: catalog.load(tx, q.key))
    return {"Tags": dict(fresh.tags)} if fresh is not None and fresh.tags else {}


# ---- permissions (the queue's Policy document) ------------------------------------------
async def add_permission(ctx: Any, QueueUrl: str, Label: str, AWSAccountIds: list[str],
                         Actions: list[str]) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)
    if not _LABEL.fullmatch(Label or ""):
        raise invalid_value("Label", Label, "Can only include alphanumeric characters, hyphens, or underscores. "
                            "1 to 80 in length")
    if not AWSAccountIds:
        raise missing("AWSAccountIds")
    if not Actions:
        raise missing("Actions")
    # "An Amazon SQS policy can have a maximum of seven actions per statement."
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_AddPermission.html
    if len(Actions) > MAX_PERMISSION_ACTIONS:
        raise OverLimit(f"{len(Actions)} Actions were found, maximum allowed is {MAX_PERMISSION_ACTIONS}.")
    for action in Actions:
        if action not in PERMISSION_ACTIONS:
            raise invalid_value("ActionName", action, "Only the queue owner is allowed to invoke this action.")
    principals = [f"arn:aws:iam::{a}:root" for a in AWSAccountIds]
    actions = [f"SQS:{a}" for a in Actions]

    def change(tx: Tx, fresh: Queue) -> None:
        policy = orjson.loads(fresh.attrs["Policy"]) if fresh.attrs.get("Policy") else {
            "Version": "2012-10-17", "Id": f"{fresh.arn}/SQSDefaultPolicy", "Statement": []}
        statements = policy.setdefault("Statement", [])
        if isinstance(statements, dict):
            statements = policy["Statement"] = [statements]
        if any(s.get("Sid") == Label for s in statements):
            raise invalid_value("Label", Label, "Already exists.")
        statements.append({"Sid": Label, "Effect": "Allow",
                           "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                           "Action": actions[0] if len(actions) == 1 else actions,
                           "Resource": fresh.arn})
        fresh.attrs["Policy"] = orjson.dumps(policy).decode()
        fresh.modified = int(tx.now)

    await _mutate(ctx, q, change)
    return {}


async def remove_permission(ctx: Any, QueueUrl: str, Label: str) -> dict[str, Any]:
    q = await catalog.get(ctx, QueueUrl)

    def change(tx: Tx, fresh: Queue) -> None:
        policy = orjson.loads(fresh.attrs["Policy"]) if fresh.attrs.get("Policy") else {"Statement": []}
        statements = policy.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        kept = [s for s in statements if s.get("Sid") != Label]
        if len(kept) == len(statements):
            raise invalid_value("Label", Label, "can't find label on existing policy.")
        if kept:
            policy["Statement"] = kept
            fresh.attrs["Policy"] = orjson.dumps(policy).decode()
        else:
            fresh.attrs.pop("Policy", None)
        fresh.modified = int(tx.now)

    await _mutate(ctx, q, change)
    return {}
