"""Amazon SQS: the service definition the registry loads.

Operations live in :mod:`.queues` (queue lifecycle, attributes, tags,
permissions), :mod:`.messages` (send / receive / delete / visibility and their
batches) and :mod:`.redrive` (message move tasks); storage layout in :mod:`.catalog`.
"""

from __future__ import annotations

from types import SimpleNamespace

from squall.services.base import Service, operations_from
from squall.services.sqs import background, messages, queues, redrive

try:
    from squall.services.sqs.wire_names import QUERY_NAME_OVERRIDES
except ImportError:  # pragma: no cover - the protocol layer's table is optional
    QUERY_NAME_OVERRIDES = {}

OPERATION_NAMES = [
    "AddPermission", "CancelMessageMoveTask", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
    "CreateQueue", "DeleteMessage", "DeleteMessageBatch", "DeleteQueue", "GetQueueAttributes", "GetQueueUrl",
    "ListDeadLetterSourceQueues", "ListMessageMoveTasks", "ListQueueTags", "ListQueues", "PurgeQueue",
    "ReceiveMessage", "RemovePermission", "SendMessage", "SendMessageBatch", "SetQueueAttributes",
    "StartMessageMoveTask", "TagQueue", "UntagQueue",
]

_ALL = SimpleNamespace(**{name: getattr(mod, name) for mod in (queues, messages, redrive)
                          for name in dir(mod) if not name.startswith("_")})

SERVICE = Service(
    name="sqs",
    model="sqs",
    operations=operations_from(_ALL, OPERATION_NAMES),  # type: ignore[arg-type]
    background=[background.move_tasks, background.housekeeping],
    name_overrides=QUERY_NAME_OVERRIDES,
)

assert len(SERVICE.operations) == len(OPERATION_NAMES), sorted(set(OPERATION_NAMES) - set(SERVICE.operations))
