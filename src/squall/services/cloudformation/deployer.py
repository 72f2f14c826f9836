"""Running a stack operation: create, update and delete, with CloudFormation's status machine,
its events, and rollback.

An operation runs as a background task of the server (the API call that starts it answers at
once, as on AWS; boto3's waiters poll DescribeStacks). Each resource step is committed with its
event in one transaction, so DescribeStackEvents shows progress as it happens.

* **create**: resources in dependency order (:mod:`squall.templates.graph`), each with its
  properties resolved against what came before; on failure ``ROLLBACK_IN_PROGRESS`` deletes what
  was created (newest first) → ``ROLLBACK_COMPLETE`` (``DisableRollback``: ``CREATE_FAILED``).
* **update**: unchanged resources are left alone; changed ones are updated in place or, when the
  handler says so (:class:`~squall.templates.api.NeedsReplacement`), replaced — the new one is
  created first, the old one deleted in the cleanup phase; resources gone from the template are
  deleted in the cleanup phase too (``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`` → ``UPDATE_COMPLETE``).
  On failure the previous template is applied again (``UPDATE_ROLLBACK_IN_PROGRESS``): replaced
  resources get their old physical resource back, updated ones are updated back, new ones deleted
  → ``UPDATE_ROLLBACK_COMPLETE``.
* **delete**: newest first; ``DeletionPolicy: Retain`` keeps a resource (``DELETE_SKIPPED``).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
(stack status codes) and .../using-cfn-updating-stacks-update-behaviors.html (replacement).

A server stopped mid-operation leaves the stack in its ``*_IN_PROGRESS`` status; at the next
start :func:`recover` marks such stacks failed with a reason, so they can be updated or deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from squall.errors import ServiceError
from squall.services.cloudformation import store
from squall.templates.api import NeedsReplacement, Provisioned, ResourceFailed, StackContext, handler_for
from squall.templates.calls import call
from squall.templates.errors import TemplateError
from squall.templates.intrinsics import resolve
from squall.templates.prepare import Prepared, outputs, prepare

log = logging.getLogger("squall.cloudformation")

#: resource types squall does not provision but accepts silently (metadata only)
_NOOP_TYPES = {"AWS::CloudFormation::WaitConditionHandle", "AWS::CDK::Metadata"}


class _Failed(Exception):
    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id, self.reason = logical_id, reason


def tasks(runtime: Any) -> dict[str, asyncio.Task[None]]:
    return runtime.state.setdefault("cloudformation", {}).setdefault("tasks", {})


def start(runtime: Any, stack_id: str, operation: str, **kwargs: Any) -> asyncio.Task[None]:
    """Run ``operation`` ("create" | "update" | "delete") of the stack in the background."""
    coro = {"create": run_create, "update": run_update, "delete": run_delete}[operation](runtime, stack_id, **kwargs)
    task = asyncio.get_running_loop().create_task(coro, name=f"cloudformation.{operation}")
    tasks(runtime)[stack_id] = task
    task.add_done_callback(lambda t: _done(runtime, stack_id, t))
    return task


def _done(runtime: Any, stack_id: str, task: asyncio.Task[None]) -> None:
    if tasks(runtime).get(stack_id) is task:
        del tasks(runtime)[stack_id]
    if not task.cancelled() and task.exception() is not None:
        log.error("stack operation on %s failed unexpectedly", stack_id, exc_info=task.exception())


# ---- persistence helpers --------------------------------------------------------------------------------
async def _load(runtime: Any, stack_id: str) -> dict[str, Any]:
    doc = await runtime.engine.read(lambda tx: store.load(tx, store.NS_STACKS, stack_id))
    assert doc is not None
    return doc


async def _commit(runtime: Any, stack: dict[str, Any], *events: tuple[Any, ...]) -> None:
    """Save ``stack`` with ``events`` ((logical id, type, status, physical id, reason), …)."""

    stack["heartbeat"] = time.time()

    def write(tx: Any) -> None:
        for logical_id, rtype, status, physical, reason in events:
            store.add_event(tx, stack, logical_id, rtype, status, physical or "", reason)
        store.save_stack(tx, stack)

    await runtime.engine.transact(write)


async def _status(runtime: Any, stack: dict[str, Any], status: str, reason: str | None = None) -> None:
    stack["StackStatus"] = status
    if reason:
        stack["StackStatusReason"] = reason
    else:
        stack.pop("StackStatusReason", None)
    await _commit(runtime, stack, (stack["StackName"], "AWS::CloudFormation::Stack", status, stack["StackId"], reason))


def _context(runtime: Any, stack: dict[str, Any]) -> StackContext:
    return StackContext(runtime=runtime, account=stack["account"], region=stack["region"],
                        stack_name=stack["StackName"], stack_id=stack["StackId"], caller=call,
                        endpoint=runtime.settings.endpoint)


def _provisioned(entry: dict[str, Any]) -> Provisioned:
    return Provisioned(entry["physical_id"], entry.get("attributes") or {}, entry.get("ref"))


async def prepare_stack(runtime: Any, stack: dict[str, Any], template: dict[str, Any],
                        parameters: dict[str, str]) -> Prepared:
    """``template`` with ``parameters`` made ready to apply to ``stack`` (other stacks' exports visible)."""
    imports = await runtime.engine.read(lambda tx: store.exports(tx, stack["account"], stack["region"]))
    base = stack.get("base_dir")
    return await asyncio.to_thread(
        prepare, template, base_dir=Path(base) if base else None, region=stack["region"], account=stack["account"],
        stack_name=stack["StackName"], stack_id=stack["StackId"], given=parameters,
        imports={name: doc["value"] for name, doc in imports.items() if doc["stack_id"] != stack["StackId"]})


# ---- applying a template ------------------------------------------------------------------------------------
async def _apply(runtime: Any, stack: dict[str, Any], prepared: Prepared, *,
                 replaced: dict[str, dict[str, Any]], cleanup: list[tuple[str, dict[str, Any]]]) -> None:
    """Bring the stack's resources to ``prepared`` (creating and updating; deletions are left to
    the cleanup phase). Raises :class:`_Failed` at the first resource that fails."""
    ctx = _context(runtime, stack)
    ctx.resource_types = {lid: spec["Type"] for lid, spec in prepared.resources.items()}
    scope = prepared.scope
    resources: dict[str, dict[str, Any]] = stack.setdefault("resources", {})
    for logical_id, entry in resources.items():  # what exists already answers Ref/GetAtt
        scope.resources[logical_id] = _provisioned(entry)
    order = stack.setdefault("order", [])
    for logical_id in prepared.order:
        spec = prepared.resources[logical_id]
        rtype = spec["Type"]
        current = resources.get(logical_id)
        try:
            props = resolve(spec.get("Properties") or {}, scope)
        except TemplateError as exc:
            raise _Failed(logical_id, str(exc)) from None
        if current is not None and current["type"] == rtype and current.get("props") == props \
                and current.get("status", "").endswith("COMPLETE"):
            continue  # unchanged
        handler = handler_for(rtype)
        skipped = None
        if handler is None and rtype not in _NOOP_TYPES:
            if not _skips_unsupported(stack):
                reason = (f"Resource type {rtype} is not supported by squall (resource {logical_id}); "
                          f"deploy with --skip-unsupported to skip it.")
                await _commit(runtime, stack, (logical_id, rtype, "CREATE_FAILED", None, reason))
                raise _Failed(logical_id, reason)
            skipped = f"squall does not support {rtype}: skipped (--skip-unsupported)"
            log.warning("stack %s: %s %s", stack["StackName"], logical_id, skipped)
        creating = current is None or current["type"] != rtype or not current.get("physical_id")
        status_verb = "CREATE" if creating else "UPDATE"
        await _commit(runtime, stack, (logical_id, rtype, f"{status_verb}_IN_PROGRESS",
                                       None if creating else current["physical_id"], None))
        try:
            if handler is None:
                result = Provisioned(f"{stack['StackName']}-{logical_id}")
            elif creating:
                result = await handler.create(ctx, logical_id, props)
            else:
                try:
                    result = await handler.update(ctx, logical_id, _provisioned(current), current.get("props") or {},
                                                  props)
                    if result.physical_id != current["physical_id"]:  # a new physical resource: the old goes
                        cleanup.append((logical_id, dict(current)))
                except NeedsReplacement:
                    await _commit(runtime, stack, (logical_id, rtype, "UPDATE_IN_PROGRESS", current["physical_id"],
                                                   ("Requested update requires the creation of a new physical "
                                                   "resource; hence creating one.")))
                    result = await handler.create(ctx, logical_id, props)
                    replaced.setdefault(logical_id, dict(current))
                    cleanup.append((logical_id, dict(current)))
        except (ServiceError, ResourceFailed, TemplateError) as exc:
            reason = getattr(exc, "message", None) or str(exc)
            if current is None:
                resources[logical_id] = {"type": rtype, "physical_id": "", "props": props, "status": "CREATE_FAILED"}
            await _commit(runtime, stack, (logical_id, rtype, f"{status_verb}_FAILED",
                                           None if current is None else current.get("physical_id"), reason))
            raise _Failed(logical_id, reason) from None
        except Exception as exc:  # a bug in a handler: fail the resource, keep the server up
            log.exception("resource %s (%s) of stack %s failed", logical_id, rtype, stack["StackName"])
            reason = f"Internal Failure ({type(exc).__name__}: {exc})"
            await _commit(runtime, stack, (logical_id, rtype, f"{status_verb}_FAILED", None, reason))
            raise _Failed(logical_id, reason) from None
        scope.resources[logical_id] = result
        resources[logical_id] = {
            "type": rtype, "physical_id": result.physical_id, "ref": result.ref, "attributes": result.attributes,
            "props": props, "status": f"{status_verb}_COMPLETE", "updated": time.time(),
            "deletion_policy": spec.get("DeletionPolicy"), "update_replace_policy": spec.get("UpdateReplacePolicy"),
            "metadata": spec.get("Metadata"),
        }
        if logical_id not in order:
            order.append(logical_id)
        await _commit(runtime, stack, (logical_id, rtype, f"{status_verb}_COMPLETE", result.physical_id, skipped))
    stack["Outputs"] = _outputs(prepared)


def _skips_unsupported(stack: dict[str, Any]) -> bool:
    return any(t.get("Key") == "squall:skip-unsupported" and t.get("Value") == "true" for t in stack.get("Tags") or [])


def _outputs(prepared: Prepared) -> list[dict[str, Any]]:
    try:
        return outputs(prepared, prepared.scope)
    except TemplateError as exc:
        raise _Failed("Outputs", str(exc)) from None


async def _delete(runtime: Any, stack: dict[str, Any], logical_id: str, entry: dict[str, Any],
                  *, policy_key: str = "deletion_policy") -> bool:
    """Delete one resource (honouring Retain/Snapshot policies); False when it failed."""
    rtype = entry["type"]
    physical = entry.get("physical_id") or ""
    if (entry.get(policy_key) or "Delete") in ("Retain", "RetainExceptOnCreate") or not physical:
        if physical:
            await _commit(runtime, stack, (logical_id, rtype, "DELETE_SKIPPED", physical, None))
        return True
    handler = handler_for(rtype)
    await _commit(runtime, stack, (logical_id, rtype, "DELETE_IN_PROGRESS", physical, None))
    if handler is not None:
        try:
            await handler.delete(_context(runtime, stack), logical_id, _provisioned(entry), entry.get("props") or {})
        except (ServiceError, ResourceFailed) as exc:
            if not _gone(exc):
                await _commit(runtime, stack, (logical_id, rtype, "DELETE_FAILED", physical,
                                               getattr(exc, "message", None) or str(exc)))
                return False
        except Exception as exc:
            log.exception("deleting %s (%s) of stack %s failed", logical_id, rtype, stack["StackName"])
            await _commit(runtime, stack, (logical_id, rtype, "DELETE_FAILED", physical, f"Internal Failure ({exc})"))
            return False
    await _commit(runtime, stack, (logical_id, rtype, "DELETE_COMPLETE", physical, None))
    return True


def _gone(exc: Exception) -> bool:
    """A resource already deleted out of band counts as deleted (as CloudFormation does)."""
    code = getattr(exc, "code", "")
    return isinstance(code, str) and (code.startswith(("NoSuch", "ResourceNotFound", "NotFound"))
                                      or code in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"))


async def _delete_many(runtime: Any, stack: dict[str, Any], items: list[tuple[str, dict[str, Any]]],
                       policy_key: str = "deletion_policy") -> bool:
    ok = True
    for logical_id, entry in items:
        ok = await _delete(runtime, stack, logical_id, entry, policy_key=policy_key) and ok
    return ok


def _newest_first(stack: dict[str, Any], logical_ids: list[str]) -> list[str]:
    order = stack.get("order") or []
    rank = {lid: i for i, lid in enumerate(order)}
    return sorted(logical_ids, key=lambda lid: rank.get(lid, len(order)), reverse=True)


# ---- operations -------------------------------------------------------------------------------------------
async def run_create(runtime: Any, stack_id: str) -> None:
    stack = await _load(runtime, stack_id)
    await _status(runtime, stack, "CREATE_IN_PROGRESS", "User Initiated")
    try:
        prepared = await prepare_stack(runtime, stack, stack["template"], stack.get("given") or {})
        stack["processed"] = prepared.template
        await _apply(runtime, stack, prepared, replaced={}, cleanup=[])
        await _register_exports(runtime, stack)
    except (_Failed, TemplateError) as exc:
        reason = _reason(exc)
        if stack.get("DisableRollback"):
            await _status(runtime, stack, "CREATE_FAILED", reason)
            return
        await _status(runtime, stack, "ROLLBACK_IN_PROGRESS", reason)
        items = [(lid, stack["resources"][lid]) for lid in _newest_first(stack, list(stack.get("resources", {})))]
        ok = await _delete_many(runtime, stack, items)
        if ok:
            stack["resources"] = {}
        await _status(runtime, stack, "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED")
        return
    await _status(runtime, stack, "CREATE_COMPLETE")


def _reason(exc: Exception) -> str:
    if isinstance(exc, _Failed):
        if exc.logical_id == "Outputs":
            return exc.reason
        return f"The following resource(s) failed to create/update: [{exc.logical_id}]. {exc.reason}"
    return str(exc)


async def run_update(runtime: Any, stack_id: str, template: dict[str, Any], template_body: str,
                     given: dict[str, str]) -> None:
    stack = await _load(runtime, stack_id)
    previous = {"template": stack["template"], "template_body": stack["template_body"],
                "given": stack.get("given") or {}, "Parameters": stack.get("Parameters"), "noecho": stack.get("noecho"),
                "processed": stack.get("processed"), "Outputs": stack.get("Outputs")}
    await _status(runtime, stack, "UPDATE_IN_PROGRESS", "User Initiated")
    replaced: dict[str, dict[str, Any]] = {}
    cleanup: list[tuple[str, dict[str, Any]]] = []
    try:
        prepared = await prepare_stack(runtime, stack, template, given)
        stack.update(template=template, template_body=template_body, given=given, processed=prepared.template,
                     Parameters=_shown(prepared), noecho=sorted(prepared.noecho))
        await _apply(runtime, stack, prepared, replaced=replaced, cleanup=cleanup)
        await _register_exports(runtime, stack)  # a clash with another stack's export fails the update
    except (_Failed, TemplateError) as exc:
        await _rollback_update(runtime, stack, previous, replaced, cleanup, _reason(exc))
        return
    await _status(runtime, stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    removed = [lid for lid in stack["resources"] if lid not in prepared.resources]
    items = [(lid, stack["resources"][lid]) for lid in _newest_first(stack, removed)]
    await _delete_many(runtime, stack, items)
    await _delete_many(runtime, stack, list(reversed(cleanup)), policy_key="update_replace_policy")
    for lid in removed:
        stack["resources"].pop(lid, None)
        if lid in stack.get("order", []):
            stack["order"].remove(lid)
    await _status(runtime, stack, "UPDATE_COMPLETE")


async def _rollback_update(runtime: Any, stack: dict[str, Any], previous: dict[str, Any],
                           replaced: dict[str, dict[str, Any]], cleanup: list[tuple[str, dict[str, Any]]],
                           reason: str) -> None:
    await _status(runtime, stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
    resources = stack["resources"]
    discard: list[tuple[str, dict[str, Any]]] = []
    for lid, old in replaced.items():  # the new physical resources go; the old ones come back
        discard.append((lid, dict(resources[lid])))
        resources[lid] = old
    stack.update(template=previous["template"], template_body=previous["template_body"], given=previous["given"],
                 processed=previous["processed"], Parameters=previous["Parameters"], noecho=previous["noecho"])
    ok = True
    try:
        prepared = await prepare_stack(runtime, stack, previous["template"], previous["given"])
        await _apply(runtime, stack, prepared, replaced={}, cleanup=discard)
    except (_Failed, TemplateError) as exc:
        log.error("rolling back stack %s failed: %s", stack["StackName"], exc)
        ok = False
        prepared = None
    await _status(runtime, stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    if prepared is not None:
        added = [lid for lid in resources if lid not in prepared.resources]
        items = [(lid, resources[lid]) for lid in _newest_first(stack, added)]
        ok = await _delete_many(runtime, stack, items) and ok
        for lid in added:
            resources.pop(lid, None)
    ok = await _delete_many(runtime, stack, discard) and ok
    stack["Outputs"] = previous["Outputs"]
    await _status(runtime, stack, "UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED",
                  None if ok else "Some resources could not be rolled back")


async def run_delete(runtime: Any, stack_id: str, retain: list[str] | None = None) -> None:
    stack = await _load(runtime, stack_id)
    await _status(runtime, stack, "DELETE_IN_PROGRESS", "User Initiated")
    keep = set(retain or [])
    resources = stack.get("resources", {})
    ok = True
    for lid in _newest_first(stack, list(resources)):
        entry = resources[lid]
        if lid in keep:
            await _commit(runtime, stack, (lid, entry["type"], "DELETE_SKIPPED", entry.get("physical_id"), None))
            resources.pop(lid)
            continue
        if await _delete(runtime, stack, lid, entry):
            resources.pop(lid)
        else:
            ok = False
    if not ok:
        await _status(runtime, stack, "DELETE_FAILED", "The following resource(s) failed to delete: ["
                      + ", ".join(sorted(resources)) + "]. ")
        return
    stack["DeletionTime"] = time.time()

    def finish(tx: Any) -> None:
        key = store.name_key(stack["account"], stack["region"], stack["StackName"])
        index = store.load(tx, store.NS_NAMES, key)
        if index is not None and index["id"] == stack_id:
            tx.delete(store.NS_NAMES, key)
        for name, doc in store.exports(tx, stack["account"], stack["region"]).items():
            if doc["stack_id"] == stack_id:
                tx.delete(store.NS_EXPORTS, store.name_key(stack["account"], stack["region"], name))

    await runtime.engine.transact(finish)
    await _status(runtime, stack, "DELETE_COMPLETE")


async def _register_exports(runtime: Any, stack: dict[str, Any]) -> None:
    names = {o["ExportName"]: o["OutputValue"] for o in stack.get("Outputs") or [] if o.get("ExportName")}

    def write(tx: Any) -> None:
        existing = store.exports(tx, stack["account"], stack["region"])
        for name, doc in existing.items():
            if doc["stack_id"] == stack["StackId"] and name not in names:
                tx.delete(store.NS_EXPORTS, store.name_key(stack["account"], stack["region"], name))
        for name, value in names.items():
            other = existing.get(name)
            if other is not None and other["stack_id"] != stack["StackId"]:
                raise _Failed("Outputs", f"Export with name {name} is already exported by stack "
                                         f"{other['stack_id'].split('/')[1]}")
            store.save(tx, store.NS_EXPORTS, store.name_key(stack["account"], stack["region"], name),
                       {"value": value, "stack_id": stack["StackId"]})

    await runtime.engine.transact(write)


def _shown(prepared: Prepared) -> dict[str, str]:
    """Parameter values as DescribeStacks shows them (lists joined with commas)."""
    out = {}
    for key, value in prepared.parameters.items():
        out[key] = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return out


async def recover(runtime: Any) -> None:
    """At start-up: stacks left ``*_IN_PROGRESS`` by a stopped server become failed, with a reason."""
    stuck = {"CREATE_IN_PROGRESS": "CREATE_FAILED", "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED",
             "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
             "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
             "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
             "DELETE_IN_PROGRESS": "DELETE_FAILED"}

    # one node (SQLite): whatever is in progress was cut short. A cluster: another node may be
    # running it — only operations silent for an hour count as abandoned.
    clustered = runtime.engine.name.startswith("postgres")
    cutoff = time.time() - (3600 if clustered else 0)

    def scan(tx: Any) -> list[dict[str, Any]]:
        return [doc for _, doc in store.scan(tx, store.NS_STACKS, "")
                if doc.get("StackStatus") in stuck and doc.get("heartbeat", 0) <= cutoff]

    for stack in await runtime.engine.read(scan):
        if stack["StackId"] in tasks(runtime):
            continue
        await _status(runtime, stack, stuck[stack["StackStatus"]], "squall stopped during the operation")
