"""Dead-letter queue redrive: Start/List/CancelMessageMoveTask and the mover.

A task moves the messages that were in a dead-letter queue when it started back
to the queue each came from (``DeadLetterQueueSourceArn``, recorded when it was
dead-lettered) or to ``DestinationArn``, at ``MaxNumberOfMessagesPerSecond``.
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html

Durability: a task is a record (ns ``sqs/tasks``, key ``{source key}/{inverted start
time}`` so the newest lists first) plus a timer ``sqs/move/{task key}``. The
background mover claims due timers (a claim is a lease: one node works a task at a
time, and a crash re-fires it), moves one second's worth of messages in one
transaction together with the task's progress, and re-arms the timer for the next
second until the task completes, fails or is cancelled.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.sqs import catalog, content
from squall.services.sqs.catalog import NS_QUEUES
from squall.services.sqs.errors import InvalidParameterValue, ResourceNotFoundException, invalid_value

NS_TASKS = "sqs/tasks"
TIMER_PREFIX = "sqs/move/"
WAKE_CHANNEL = "sqs:move"
DEFAULT_RATE = 500  # "system optimized" when no rate is given
MAX_RATE = 500


def _is_dead_letter_queue(tx: Tx, q: catalog.Queue) -> bool:
    base = f"{q.account}/{q.region}/"
    after = None
    while True:
        rows = tx.scan(NS_QUEUES, prefix=base, after=after, limit=500)
        if not rows:
            return False
        for _, raw in rows:
            policy = orjson.loads(raw)["attrs"].get("RedrivePolicy")
            if policy and orjson.loads(policy)["deadLetterTargetArn"] == q.arn:
                return True
        after = rows[-1][0]


def _source(tx: Tx, arn: str, member: str = "SourceArn") -> catalog.Queue:
    key = catalog.key_from_arn(arn or "")
    q = catalog.load(tx, key) if key else None
    if q is None:
        raise ResourceNotFoundException(f"The resource that you specified for the {member} parameter doesn't exist.")
    return q


def _handle(task_id: str, source_arn: str) -> str:
    return base64.b64encode(orjson.dumps({"taskId": task_id, "sourceArn": source_arn})).decode()


def _tasks(tx: Tx, source_key: str, limit: int | None = None) -> list[tuple[str, dict]]:
    return [(k, orjson.loads(v)) for k, v in tx.scan(NS_TASKS, prefix=source_key + "/", limit=limit)]


async def start_message_move_task(ctx: Any, SourceArn: str, DestinationArn: str | None = None,
                                  MaxNumberOfMessagesPerSecond: int | None = None) -> dict:
    rate = MaxNumberOfMessagesPerSecond
    if rate is not None and not 1 <= rate <= MAX_RATE:
        raise invalid_value("MaxNumberOfMessagesPerSecond", rate, f"Must be between 1 and {MAX_RATE}.")

    def work(tx: Tx) -> str:
        src = _source(tx, SourceArn)
        if not _is_dead_letter_queue(tx, src):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if DestinationArn:
            dest = _source(tx, DestinationArn, "DestinationArn")
            if dest.fifo != src.fifo:
                raise InvalidParameterValue("The source queue and destination queue must be of the same queue type.")
        for _, task in _tasks(tx, src.key):
            if task["status"] == "RUNNING":
                raise InvalidParameterValue("There is already a task running. Only one active task is allowed "
                                            "for a source queue.")
        stats = tx.stats(src.engine_queue)
        started = int(tx.now * 1000)
        task_id = uuid.uuid4().hex
        key = f"{src.key}/{10**14 - started:014d}{task_id[:8]}"
        task = {"id": task_id, "status": "RUNNING", "source": SourceArn, "dest": DestinationArn, "rate": rate,
                "moved": 0, "to_move": stats.visible + stats.in_flight + stats.delayed, "started": started,
                "queue": src.engine_queue}
        tx.put(NS_TASKS, key, orjson.dumps(task))
        tx.set_timer(TIMER_PREFIX + key, tx.now, key.encode())
        tx.notify(WAKE_CHANNEL)
        return _handle(task_id, SourceArn)

    return {"TaskHandle": await ctx.engine.transact(work)}


async def cancel_message_move_task(ctx: Any, TaskHandle: str) -> dict:
    try:
        ref = orjson.loads(base64.b64decode(TaskHandle.encode()))
        task_id, source_arn = ref["taskId"], ref["sourceArn"]
    except Exception:  # noqa: BLE001 - any malformed handle is the client's fault
        raise ResourceNotFoundException("Task does not exist.") from None

    def work(tx: Tx) -> int:
        src = _source(tx, source_arn)
        for key, task in _tasks(tx, src.key):
            if task["id"] == task_id:
                tx.cancel_timer(TIMER_PREFIX + key)  # first: see step() — then read the task afresh
                task = orjson.loads(tx.get(NS_TASKS, key) or b"{}")
                if task.get("status") != "RUNNING":
                    raise InvalidParameterValue("Only active tasks can be cancelled.")
                task["status"] = "CANCELLED"
                tx.put(NS_TASKS, key, orjson.dumps(task))
                return task["moved"]
        raise ResourceNotFoundException("Task does not exist.")

    return {"ApproximateNumberOfMessagesMoved": await ctx.engine.transact(work)}


async def list_message_move_tasks(ctx: Any, SourceArn: str, MaxResults: int | None = None) -> dict:
    if MaxResults is not None and not 1 <= MaxResults <= 10:
        raise invalid_value("MaxResults", MaxResults, "Must be between 1 and 10.")

    def work(tx: Tx) -> list[dict]:
        src = _source(tx, SourceArn)
        return [t for _, t in _tasks(tx, src.key, MaxResults or 1)]

    results = []
    for task in await ctx.engine.read(work):
        entry: dict[str, Any] = {"Status": task["status"], "SourceArn": task["source"],
                                 "ApproximateNumberOfMessagesMoved": task["moved"],
                                 "ApproximateNumberOfMessagesToMove": task["to_move"],
                                 "StartedTimestamp": task["started"]}
        if task["status"] == "RUNNING":
            entry["TaskHandle"] = _handle(task["id"], task["source"])
        if task.get("dest"):
            entry["DestinationArn"] = task["dest"]
        if task.get("rate") is not None:
            entry["MaxNumberOfMessagesPerSecond"] = task["rate"]
        if task.get("failure"):
            entry["FailureReason"] = task["failure"]
        results.append(entry)
    return {"Results": results}


# ---- the mover ---------------------------------------------------------------------------
def step(tx: Tx, key: str, lease_token: str | None) -> None:
    """Move up to one second's worth of messages for the task at ``key``."""
    name = TIMER_PREFIX + key
    # Taking the timer first orders this step against CancelMessageMoveTask, which also deletes
    # the timer before it touches the task: on PostgreSQL the row lock makes one wait for the
    # other, so a cancel is never overwritten by a step that read the task before it.
    if lease_token is not None and not tx.complete_timer(name, lease_token):
        return  # cancelled (or re-armed) since it was claimed
    raw = tx.get(NS_TASKS, key)
    task = orjson.loads(raw) if raw is not None else None
    if task is None or task["status"] != "RUNNING":
        tx.cancel_timer(name)
        return
    budget = min(task["rate"] or DEFAULT_RATE, task["to_move"] - task["moved"])
    items = tx.peek_items(task["queue"], limit=budget) if budget > 0 else []
    targets: dict[str, catalog.Queue | None] = {}
    moved: list[str] = []
    failure = None
    for item in items:
        doc = content.decode(item.body)
        arn = task.get("dest") or doc.get("src")
        if arn not in targets:
            k = catalog.key_from_arn(arn) if arn else None
            targets[arn] = catalog.load(tx, k) if k else None
        dest = targets[arn]
        if dest is None:
            failure = "AWS.SimpleQueueService.NonExistentQueue"
            break
        for field in ("rc", "src", "fr"):
            doc.pop(field, None)
        tx.enqueue(dest.engine_queue, content.encode(doc), id=item.id, group=item.group)
        moved.append(item.id)
    if moved:
        tx.remove_items(task["queue"], moved)
    task["moved"] += len(moved)
    if failure:
        task["status"], task["failure"] = "FAILED", failure
    elif not items or task["moved"] >= task["to_move"]:
        task["status"] = "COMPLETED"
    tx.put(NS_TASKS, key, orjson.dumps(task))
    if task["status"] == "RUNNING":
        tx.set_timer(name, tx.now + 1.0, key.encode())
    else:
        tx.cancel_timer(name)
