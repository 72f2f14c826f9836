"""Where stacks live: records in the engine.

* ``cfn/stacks`` ``{stack id}`` → the stack document (status, template, parameters, the
  provisioned resources with their resolved properties, outputs);
* ``cfn/names`` ``{account}/{region}/{name}`` → the stack id of the *live* stack of that name
  (a deleted stack keeps its document, reachable by id, as on AWS);
* ``cfn/events`` ``{stack id}/{seq}`` → one stack event (newest first when listed);
* ``cfn/changesets`` ``{change set id}`` → a change set; ``cfn/exports``
  ``{account}/{region}/{export name}`` → ``{value, stack_id}``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from squall.engine.api import Tx
from squall.services.records import load, save, scan

NS_STACKS = "cfn/stacks"
NS_NAMES = "cfn/names"
NS_EVENTS = "cfn/events"
NS_CHANGESETS = "cfn/changesets"
NS_EXPORTS = "cfn/exports"

#: statuses a stack can be updated / deleted from (not *_IN_PROGRESS)
SETTLED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE", "CREATE_FAILED",
           "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED", "REVIEW_IN_PROGRESS", "IMPORT_COMPLETE",
           "UPDATE_FAILED", "IMPORT_ROLLBACK_COMPLETE"}


def name_key(account: str, region: str, name: str) -> str:
    return f"{account}/{region}/{name}"


def new_stack_id(account: str, region: str, name: str) -> str:
    return f"arn:aws:cloudformation:{region}:{account}:stack/{name}/{uuid.uuid4()}"


def find(tx: Tx, account: str, region: str, name_or_id: str) -> dict[str, Any] | None:
    """The stack a StackName parameter names: a live stack by name, or any stack by its id."""
    if name_or_id.startswith("arn:"):
        doc = load(tx, NS_STACKS, name_or_id)
        if doc is not None and doc["account"] == account and doc["region"] == region:
            return doc
        return None
    index = load(tx, NS_NAMES, name_key(account, region, name_or_id))
    return load(tx, NS_STACKS, index["id"]) if index else None


def save_stack(tx: Tx, stack: dict[str, Any]) -> None:
    save(tx, NS_STACKS, stack["StackId"], stack)


def live_stacks(tx: Tx, account: str, region: str) -> list[dict[str, Any]]:
    out = []
    for _, index in scan(tx, NS_NAMES, f"{account}/{region}/"):
        doc = load(tx, NS_STACKS, index["id"])
        if doc is not None:
            out.append(doc)
    return out


def all_stacks(tx: Tx, account: str, region: str) -> list[dict[str, Any]]:
    return [doc for _, doc in scan(tx, NS_STACKS, f"arn:aws:cloudformation:{region}:{account}:stack/")]


def add_event(tx: Tx, stack: dict[str, Any], logical_id: str, resource_type: str, status: str,
              physical_id: str = "", reason: str | None = None, properties: Any = None) -> None:
    seq = stack.get("event_seq", 0) + 1
    stack["event_seq"] = seq
    event: dict[str, Any] = {
        "StackId": stack["StackId"], "EventId": str(uuid.uuid4()), "StackName": stack["StackName"],
        "LogicalResourceId": logical_id, "PhysicalResourceId": physical_id, "ResourceType": resource_type,
        "Timestamp": time.time(), "ResourceStatus": status,
    }
    if reason:
        event["ResourceStatusReason"] = reason
    if properties is not None:
        event["ResourceProperties"] = properties
    save(tx, NS_EVENTS, f"{stack['StackId']}/{seq:012d}", event)


def events(tx: Tx, stack_id: str) -> list[dict[str, Any]]:
    return [doc for _, doc in reversed(scan(tx, NS_EVENTS, stack_id + "/"))]


def exports(tx: Tx, account: str, region: str) -> dict[str, dict[str, Any]]:
    prefix = f"{account}/{region}/"
    return {key[len(prefix):]: doc for key, doc in scan(tx, NS_EXPORTS, prefix)}
