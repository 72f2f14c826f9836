"""Change sets: CreateChangeSet, DescribeChangeSet, ExecuteChangeSet, DeleteChangeSet,
ListChangeSets — what ``aws cloudformation deploy`` and ``sam deploy`` drive.

A change set is computed when it is created (the template expanded and compared with the stack's
processed template: ``Add`` / ``Modify`` / ``Remove`` per logical id) and is ``CREATE_COMPLETE``
at once; one with no changes is ``FAILED`` with CloudFormation's reason, which the AWS CLI reads
as "No changes to deploy". A ``CREATE`` change set creates the stack in ``REVIEW_IN_PROGRESS``.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from squall.services.cloudformation import deployer, sources, store
from squall.services.cloudformation.errors import (
    change_set_missing,
    change_set_status,
    in_progress,
    invalid,
    stack_missing,
)
from squall.services.cloudformation.stacks import (
    begin_update,
    check_stack_name,
    check_template,
    local_base_dir,
)
from squall.templates.errors import TemplateError

NO_CHANGES = ("The submitted information didn't contain changes. Submit different information to create a "
              "change set.")


async def create_change_set(ctx: Any, StackName: str, ChangeSetName: str, TemplateBody: str | None = None,
                            TemplateURL: str | None = None, UsePreviousTemplate: bool | None = None,
                            Parameters: list[dict[str, Any]] | None = None, Capabilities: list[str] | None = None,
                            ChangeSetType: str | None = None, Description: str | None = None,
                            Tags: list[dict[str, str]] | None = None, **_: Any) -> dict[str, Any]:
    check_stack_name(StackName)
    kind = ChangeSetType or "UPDATE"
    if kind not in ("CREATE", "UPDATE"):
        raise invalid(f"ChangeSetType {kind} is not supported by squall.")
    stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, StackName))
    if stack is not None and stack["StackStatus"] == "DELETE_COMPLETE":
        stack = None
    if kind == "UPDATE" and (stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"):
        raise invalid(f"Stack [{StackName}] does not exist")
    if kind == "CREATE" and stack is not None and stack["StackStatus"] != "REVIEW_IN_PROGRESS":
        raise invalid(f"Stack [{StackName}] already exists and cannot be created again with the changeSet "
                      f"[{ChangeSetName}].")
    if stack is not None and stack["StackId"] in deployer.tasks(ctx.runtime):
        raise in_progress(stack["StackId"], stack["StackStatus"])
    body = await sources.template_text(ctx, TemplateBody, TemplateURL, stack, bool(UsePreviousTemplate))
    template = sources.parse(body)
    check_template(template, Capabilities, change_set=True)
    given = sources.given_parameters(Parameters, stack)
    now = time.time()
    if stack is None:
        stack_id = store.new_stack_id(ctx.account_id, ctx.region, StackName)
        stack = {
            "StackId": stack_id, "StackName": StackName, "account": ctx.account_id, "region": ctx.region,
            "StackStatus": "REVIEW_IN_PROGRESS", "CreationTime": now, "template": {}, "template_body": "",
            "given": {}, "Parameters": {}, "noecho": [], "Capabilities": Capabilities or [], "Tags": Tags or [],
            "base_dir": local_base_dir(), "resources": {}, "order": [], "Outputs": [],
        }
    cs_id = (f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{ChangeSetName}/{uuid.uuid4()}")
    change_set: dict[str, Any] = {
        "ChangeSetId": cs_id, "ChangeSetName": ChangeSetName, "StackId": stack["StackId"], "StackName": StackName,
        "account": ctx.account_id, "region": ctx.region, "CreationTime": now, "Description": Description,
        "ExecutionStatus": "AVAILABLE", "Status": "CREATE_COMPLETE", "template": template, "template_body": body,
        "given": given, "Capabilities": Capabilities or [], "Tags": Tags, "type": kind,
    }
    try:
        change_set["Changes"] = await _changes(ctx, stack, template, given)
    except TemplateError as exc:
        change_set.update(Status="FAILED", ExecutionStatus="UNAVAILABLE", StatusReason=str(exc), Changes=[])
    else:
        if not change_set["Changes"] and kind == "UPDATE" and given == (stack.get("given") or {}):
            change_set.update(Status="FAILED", ExecutionStatus="UNAVAILABLE", StatusReason=NO_CHANGES)

    def write(tx: Any) -> None:
        if kind == "CREATE":
            store.save(tx, store.NS_NAMES, store.name_key(ctx.account_id, ctx.region, StackName),
                       {"id": stack["StackId"]})
            if store.load(tx, store.NS_STACKS, stack["StackId"]) is None:
                store.add_event(tx, stack, StackName, "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS",
                                stack["StackId"], "User Initiated")
                store.save_stack(tx, stack)
        store.save(tx, store.NS_CHANGESETS, cs_id, change_set)

    await ctx.engine.transact(write)
    return {"Id": cs_id, "StackId": stack["StackId"]}


async def _changes(ctx: Any, stack: dict[str, Any], template: dict[str, Any],
                   given: dict[str, str]) -> list[dict[str, Any]]:
    prepared = await deployer.prepare_stack(ctx.runtime, stack, template, given)
    old = (stack.get("processed") or {}).get("Resources") or {}
    current = stack.get("resources") or {}
    out = []
    for lid, spec in prepared.resources.items():
        before = old.get(lid)
        if lid not in current or before is None:
            out.append(_change("Add", lid, spec["Type"]))
        elif before != spec:
            replacement = "True" if before.get("Type") != spec.get("Type") else "Conditional"
            change = _change("Modify", lid, spec["Type"], current[lid].get("physical_id"), replacement)
            change["ResourceChange"]["Scope"] = [k for k in ("Properties", "Metadata", "DeletionPolicy")
                                                 if before.get(k) != spec.get(k)]
            out.append(change)
    for lid, entry in current.items():
        if lid not in prepared.resources:
            out.append(_change("Remove", lid, entry["type"], entry.get("physical_id")))
    return out


def _change(action: str, logical_id: str, rtype: str, physical: str | None = None,
            replacement: str | None = None) -> dict[str, Any]:
    rc: dict[str, Any] = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": rtype, "Scope": [],
                          "Details": []}
    if physical:
        rc["PhysicalResourceId"] = physical
    if replacement:
        rc["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": rc}


async def find_change_set(ctx: Any, name: str, stack_name: str | None) -> dict[str, Any]:
    def read(tx: Any) -> dict[str, Any] | None:
        if name.startswith("arn:"):
            return store.load(tx, store.NS_CHANGESETS, name)
        if not stack_name:
            return None
        stack = store.find(tx, ctx.account_id, ctx.region, stack_name)
        if stack is None:
            return None
        for _, cs in store.scan(tx, store.NS_CHANGESETS, f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:"
                                                          f"changeSet/{name}/"):
            if cs["StackId"] == stack["StackId"]:
                return cs
        return None

    if not name.startswith("arn:") and not stack_name:
        raise invalid("StackName must be specified if ChangeSetName is not specified as an ARN.")
    cs = await ctx.engine.read(read)
    if cs is None or cs["account"] != ctx.account_id or cs["region"] != ctx.region:
        raise change_set_missing(name)
    return cs


async def describe_change_set(ctx: Any, ChangeSetName: str, StackName: str | None = None,
                              NextToken: str | None = None, **_: Any) -> dict[str, Any]:
    cs = await find_change_set(ctx, ChangeSetName, StackName)
    out = {k: cs[k] for k in ("ChangeSetId", "ChangeSetName", "StackId", "StackName", "CreationTime",
                              "ExecutionStatus", "Status", "Changes", "Capabilities")}
    out["Parameters"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in cs["given"].items()]
    for key in ("Description", "StatusReason", "Tags"):
        if cs.get(key) is not None:
            out[key] = cs[key]
    out["NotificationARNs"] = []
    out["IncludeNestedStacks"] = False
    return out


async def execute_change_set(ctx: Any, ChangeSetName: str, StackName: str | None = None,
                             DisableRollback: bool | None = None, **_: Any) -> dict[str, Any]:
    cs = await find_change_set(ctx, ChangeSetName, StackName)
    if cs["ExecutionStatus"] != "AVAILABLE":
        raise change_set_status(f"ChangeSet [{cs['ChangeSetId']}] cannot be executed in its current status of "
                                f"[{cs['Status']}]")
    stack = await ctx.engine.read(lambda tx: store.load(tx, store.NS_STACKS, cs["StackId"]))
    if stack is None:
        raise stack_missing(cs["StackName"])
    if stack["StackId"] in deployer.tasks(ctx.runtime):
        raise in_progress(stack["StackId"], stack["StackStatus"])
    cs["ExecutionStatus"] = "EXECUTE_IN_PROGRESS"

    def others_obsolete(tx: Any) -> None:
        for key, other in store.scan(tx, store.NS_CHANGESETS, ""):
            if other["StackId"] == stack["StackId"] and key != cs["ChangeSetId"]:
                other["ExecutionStatus"] = "OBSOLETE"
                store.save(tx, store.NS_CHANGESETS, key, other)
        store.save(tx, store.NS_CHANGESETS, cs["ChangeSetId"], cs)
        if cs["type"] == "CREATE":
            stack.update(StackStatus="CREATE_IN_PROGRESS", template=cs["template"], template_body=cs["template_body"],
                         given=cs["given"],
                         Parameters=dict(cs["given"]), Capabilities=cs["Capabilities"],
                         DisableRollback=bool(DisableRollback), Description=cs["template"].get("Description"))
            if cs.get("Tags"):
                stack["Tags"] = cs["Tags"]
            store.save_stack(tx, stack)

    await ctx.engine.transact(others_obsolete)
    if cs["type"] == "CREATE":
        deployer.start(ctx.runtime, stack["StackId"], "create")
    else:
        await begin_update(ctx.runtime, stack, cs["template"], cs["template_body"], cs["given"], cs["Capabilities"],
                     cs.get("Tags"))
    deployer.tasks(ctx.runtime)[stack["StackId"]].add_done_callback(
        lambda _t: asyncio.ensure_future(_executed(ctx.runtime, cs["ChangeSetId"])))
    return {}


async def _executed(runtime: Any, cs_id: str) -> None:
    def write(tx: Any) -> None:
        cs = store.load(tx, store.NS_CHANGESETS, cs_id)
        if cs is not None:
            cs["ExecutionStatus"] = "EXECUTE_COMPLETE"
            store.save(tx, store.NS_CHANGESETS, cs_id, cs)

    await runtime.engine.transact(write)


async def delete_change_set(ctx: Any, ChangeSetName: str, StackName: str | None = None, **_: Any) -> dict[str, Any]:
    cs = await find_change_set(ctx, ChangeSetName, StackName)
    if cs["ExecutionStatus"] == "EXECUTE_IN_PROGRESS":
        raise change_set_status(f"ChangeSet [{cs['ChangeSetId']}] cannot be deleted in its current status")
    await ctx.engine.transact(lambda tx: tx.delete(store.NS_CHANGESETS, cs["ChangeSetId"]))
    return {}


async def list_change_sets(ctx: Any, StackName: str, NextToken: str | None = None, **_: Any) -> dict[str, Any]:
    stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, StackName))
    if stack is None:
        raise stack_missing(StackName)

    def read(tx: Any) -> list[dict[str, Any]]:
        return [cs for _, cs in store.scan(tx, store.NS_CHANGESETS, "") if cs["StackId"] == stack["StackId"]]

    out = []
    for cs in await ctx.engine.read(read):
        out.append({k: cs[k] for k in ("StackId", "StackName", "ChangeSetId", "ChangeSetName", "ExecutionStatus",
                                       "Status", "CreationTime") if k in cs})
    return {"Summaries": out}
