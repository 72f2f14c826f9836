"""Amazon SQS: the service definition the registry loads.

Operations live in :mod:`.queues` (queue lifecycle, attributes, tags,
permissions), :mod:`.messages` (send / receive / delete / visibility and their
batches) and :mod:`.redrive` (message move tasks); storage layout in :mod:`.catalog`.
"""

from __future__ import annotations

from types import SimpleNamespace

from squall.services.base import Operation, Service, operations_from, requiring_members
from squall.services.sqs import background, messages, queues, redrive
from squall.services.sqs.errors import missing
from squall.services.sqs.wire_names import QUERY_NAME_OVERRIDES

OPERATION_NAMES = [
    "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl",
    "ListDeadLetterSourceQueues", "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue",
    "ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch", "SetQueueAttributes",
    "StartMessageMoveTask", "TagQueue", "UntagQueue",
]

_ALL = SimpleNamespace(**{name: getattr(mod, name) for mod in (queues, messages, redrive)
                          for name in dir(mod) if not name.startswith("_")})



def _require(fn: Operation) -> Operation:
    """AWS answers ``MissingParameter`` for an absent required member (the query form's checks)."""
    return requiring_members(fn, missing)


SERVICE = Service(
    name="sqs",
    model="sqs",
    operations={name: _require(fn) for name, fn in operations_from(_ALL, OPERATION_NAMES).items()},  # type: ignore[arg-type]
    background=[background.move_tasks, background.housekeeping],
    name_overrides=QUERY_NAME_OVERRIDES,
)

assert len(SERVICE.operations) == len(OPERATION_NAMES), sorted(set(OPERATION_NAMES) - set(SERVICE.operations))
