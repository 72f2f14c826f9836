"""CloudFormation's stack operations: CreateStack, UpdateStack, DeleteStack, DescribeStacks,
ListStacks, DescribeStackEvents, DescribeStackResource(s), ListStackResources, GetTemplate,
ValidateTemplate, GetTemplateSummary, ListExports.

Create/Update/Delete validate what can be validated at once (template syntax, parameters,
capabilities, the stack's state) and answer; the work runs in the background
(:mod:`.deployer`), observable through DescribeStacks / DescribeStackEvents as on AWS.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
"""

from __future__ import annotations

import os
import time
from typing import Any

import orjson

from squall.services.cloudformation import deployer, sources, store
from squall.services.cloudformation.errors import (
    NO_UPDATES,
    already_exists,
    capabilities,
    in_progress,
    invalid,
    stack_missing,
)
from squall.templates.errors import TemplateError
from squall.templates.validate import validate_template

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def check_stack_name(name: str) -> None:
    if not name or len(name) > 128 or not name[0].isalpha() or not set(name) <= _NAME_CHARS:
        raise invalid(f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: "
                      f"Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*")


def check_template(template: dict[str, Any], granted: list[str] | None, *, change_set: bool = False) -> dict[str, Any]:
    """The template's ValidateTemplate summary; InsufficientCapabilitiesException when it needs a
    capability not granted. A change set needs no CAPABILITY_AUTO_EXPAND for transforms: it shows
    the processed template before anything runs (the capability is for creating a stack directly
    from a template with macros — AWS::Serverless and AWS::Include included).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html"""
    try:
        summary = validate_template(template)
    except TemplateError as exc:
        raise invalid(str(exc)) from None
    needed = [c for c in summary.get("Capabilities") or [] if c not in (granted or [])
              and not (change_set and c == "CAPABILITY_AUTO_EXPAND")]
    if "CAPABILITY_IAM" in needed and "CAPABILITY_NAMED_IAM" in (granted or []):
        needed.remove("CAPABILITY_IAM")
    if needed:
        raise capabilities(needed)
    return summary


def local_base_dir() -> str | None:
    """Where relative local paths (SAM CodeUri) of an API-submitted template resolve: the server's
    working directory (``squall deploy`` sends absolute paths)."""
    return os.getcwd()


async def create_stack(ctx: Any, StackName: str, TemplateBody: str | None = None, TemplateURL: str | None = None,
                       Parameters: list[dict[str, Any]] | None = None, DisableRollback: bool | None = None,
                       TimeoutInMinutes: int | None = None, NotificationARNs: list[str] | None = None,
                       Capabilities: list[str] | None = None, ResourceTypes: list[str] | None = None,
                       RoleARN: str | None = None, OnFailure: str | None = None, StackPolicyBody: str | None = None,
                       StackPolicyURL: str | None = None, Tags: list[dict[str, str]] | None = None,
                       ClientRequestToken: str | None = None, EnableTerminationProtection: bool | None = None,
                       RetainExceptOnCreate: bool | None = None, **_: Any) -> dict[str, Any]:
    check_stack_name(StackName)
    if DisableRollback is not None and OnFailure is not None:
        raise invalid("You cannot specify both DisableRollback and OnFailure.")
    body = await sources.template_text(ctx, TemplateBody, TemplateURL)
    template = sources.parse(body)
    check_template(template, Capabilities)
    given = sources.given_parameters(Parameters, None)
    stack_id = store.new_stack_id(ctx.account_id, ctx.region, StackName)
    now = time.time()
    stack = {
        "StackId": stack_id, "StackName": StackName, "account": ctx.account_id, "region": ctx.region,
        "StackStatus": "CREATE_IN_PROGRESS", "CreationTime": now, "template": template, "template_body": body,
        "given": given, "Parameters": dict(given), "noecho": [], "Capabilities": Capabilities or [],
        "Tags": Tags or [], "DisableRollback": bool(DisableRollback) or OnFailure in ("DO_NOTHING",),
        "Description": template.get("Description"), "RoleARN": RoleARN, "NotificationARNs": NotificationARNs or [],
        "TimeoutInMinutes": TimeoutInMinutes, "EnableTerminationProtection": bool(EnableTerminationProtection),
        "base_dir": local_base_dir(), "resources": {}, "order": [], "Outputs": [],
    }
    if OnFailure == "DELETE":
        stack["delete_on_failure"] = True

    def create(tx: Any) -> None:
        key = store.name_key(ctx.account_id, ctx.region, StackName)
        index = store.load(tx, store.NS_NAMES, key)
        if index is not None:
            existing = store.load(tx, store.NS_STACKS, index["id"])
            if existing is not None and existing["StackStatus"] != "REVIEW_IN_PROGRESS":
                raise already_exists(StackName)
        store.save(tx, store.NS_NAMES, key, {"id": stack_id})
        store.save_stack(tx, stack)

    await _shown_parameters(ctx, stack)
    await ctx.engine.transact(create)
    deployer.start(ctx.runtime, stack_id, "create")
    return {"StackId": stack_id}


async def _shown_parameters(ctx: Any, stack: dict[str, Any]) -> None:
    """Fill Parameters/noecho from the template's declarations (defaults included) before the
    background work starts, so DescribeStacks shows them at once."""
    from squall.templates.parameters import noecho_names, resolve_parameters

    try:
        values = resolve_parameters(stack["template"], stack["given"])
    except TemplateError as exc:  # checked before the transform too: CreateStack refuses bad values at once
        raise invalid(str(exc)) from None
    stack["Parameters"] = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in values.items()}
    stack["noecho"] = sorted(noecho_names(stack["template"]))


async def _settled(ctx: Any, name: str) -> dict[str, Any]:
    stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, name))
    if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
        raise stack_missing(name)
    if stack["StackStatus"] not in store.SETTLED or stack["StackId"] in deployer.tasks(ctx.runtime):
        raise in_progress(stack["StackId"], stack["StackStatus"])
    return stack


async def update_stack(ctx: Any, StackName: str, TemplateBody: str | None = None, TemplateURL: str | None = None,
                       UsePreviousTemplate: bool | None = None, Parameters: list[dict[str, Any]] | None = None,
                       Capabilities: list[str] | None = None, Tags: list[dict[str, str]] | None = None,
                       **_: Any) -> dict[str, Any]:
    stack = await _settled(ctx, StackName)
    if stack["StackStatus"] in ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "REVIEW_IN_PROGRESS"):
        raise invalid(f"Stack:{stack['StackId']} is in {stack['StackStatus']} state and can not be updated.")
    body = await sources.template_text(ctx, TemplateBody, TemplateURL, stack, bool(UsePreviousTemplate))
    template = sources.parse(body)
    check_template(template, Capabilities)
    given = sources.given_parameters(Parameters, stack)
    if template == stack["template"] and given == (stack.get("given") or {}) \
            and (Tags is None or Tags == (stack.get("Tags") or [])):
        raise invalid(NO_UPDATES)
    await begin_update(ctx.runtime, stack, template, body, given, Capabilities, Tags)
    return {"StackId": stack["StackId"]}


async def begin_update(runtime: Any, stack: dict[str, Any], template: dict[str, Any], body: str,
                       given: dict[str, str], granted: list[str] | None, tags: list[dict[str, str]] | None) -> None:
    """The stack is UPDATE_IN_PROGRESS when the call answers (waiters poll right after it)."""
    stack["StackStatus"] = "UPDATE_IN_PROGRESS"
    stack["LastUpdatedTime"] = time.time()
    if granted is not None:
        stack["Capabilities"] = granted
    if tags is not None:
        stack["Tags"] = tags
    await runtime.engine.transact(lambda tx: store.save_stack(tx, stack))
    deployer.start(runtime, stack["StackId"], "update", template=template, template_body=body, given=given)


async def delete_stack(ctx: Any, StackName: str, RetainResources: list[str] | None = None, **_: Any) -> dict[str, Any]:
    stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, StackName))
    if stack is None or stack["StackStatus"] == "DELETE_COMPLETE":
        return {}  # deleting a stack that does not exist succeeds, as on AWS
    if stack.get("EnableTerminationProtection"):
        raise invalid(f"Stack [{stack['StackName']}] cannot be deleted while TerminationProtection is enabled")
    if stack["StackStatus"] == "DELETE_IN_PROGRESS" or stack["StackId"] in deployer.tasks(ctx.runtime):
        if stack["StackStatus"] == "DELETE_IN_PROGRESS":
            return {}
        raise in_progress(stack["StackId"], stack["StackStatus"])
    if RetainResources and stack["StackStatus"] != "DELETE_FAILED":
        raise invalid("Invalid operation on stack: RetainResources is only allowed for stacks in DELETE_FAILED.")
    stack["StackStatus"] = "DELETE_IN_PROGRESS"  # as the call answers: waiters poll right after it
    await ctx.engine.transact(lambda tx: store.save_stack(tx, stack))
    deployer.start(ctx.runtime, stack["StackId"], "delete", retain=RetainResources)
    return {}


# ---- describing -------------------------------------------------------------------------------------------
def describe(stack: dict[str, Any]) -> dict[str, Any]:
    noecho = set(stack.get("noecho") or [])
    out: dict[str, Any] = {
        "StackId": stack["StackId"], "StackName": stack["StackName"], "CreationTime": stack["CreationTime"],
        "StackStatus": stack["StackStatus"], "DisableRollback": bool(stack.get("DisableRollback")),
        "NotificationARNs": stack.get("NotificationARNs") or [], "Capabilities": stack.get("Capabilities") or [],
        "Tags": stack.get("Tags") or [], "EnableTerminationProtection": bool(stack.get("EnableTerminationProtection")),
        "Parameters": [{"ParameterKey": k, "ParameterValue": "****" if k in noecho else v}
                       for k, v in (stack.get("Parameters") or {}).items()],
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    for key in ("Description", "StackStatusReason", "LastUpdatedTime", "DeletionTime", "RoleARN", "TimeoutInMinutes"):
        if stack.get(key) is not None:
            out[key] = stack[key]
    if stack.get("Outputs"):
        out["Outputs"] = stack["Outputs"]
    return out


async def describe_stacks(ctx: Any, StackName: str | None = None, NextToken: str | None = None,
                          **_: Any) -> dict[str, Any]:
    if StackName:
        stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, StackName))
        if stack is None:
            raise stack_missing(StackName)
        return {"Stacks": [describe(stack)]}
    stacks = await ctx.engine.read(lambda tx: store.live_stacks(tx, ctx.account_id, ctx.region))
    return {"Stacks": [describe(s) for s in sorted(stacks, key=lambda s: -s["CreationTime"])]}


async def list_stacks(ctx: Any, StackStatusFilter: list[str] | None = None, NextToken: str | None = None,
                      **_: Any) -> dict[str, Any]:
    stacks = await ctx.engine.read(lambda tx: store.all_stacks(tx, ctx.account_id, ctx.region))
    out = []
    for s in sorted(stacks, key=lambda s: -s["CreationTime"]):
        if StackStatusFilter and s["StackStatus"] not in StackStatusFilter:
            continue
        summary = {"StackId": s["StackId"], "StackName": s["StackName"], "CreationTime": s["CreationTime"],
                   "StackStatus": s["StackStatus"], "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"}}
        for key in ("TemplateDescription", "LastUpdatedTime", "DeletionTime", "StackStatusReason"):
            src = "Description" if key == "TemplateDescription" else key
            if s.get(src) is not None:
                summary[key] = s[src]
        out.append(summary)
    return {"StackSummaries": out}


async def _stack(ctx: Any, name: str) -> dict[str, Any]:
    stack = await ctx.engine.read(lambda tx: store.find(tx, ctx.account_id, ctx.region, name))
    if stack is None:
        raise stack_missing(name)
    return stack


async def describe_stack_events(ctx: Any, StackName: str, NextToken: str | None = None, **_: Any) -> dict[str, Any]:
    stack = await _stack(ctx, StackName)
    events = await ctx.engine.read(lambda tx: store.events(tx, stack["StackId"]))
    return {"StackEvents": events}


def _resource(stack: dict[str, Any], logical_id: str, entry: dict[str, Any], detail: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "StackName": stack["StackName"], "StackId": stack["StackId"], "LogicalResourceId": logical_id,
        "PhysicalResourceId": entry.get("physical_id") or "", "ResourceType": entry["type"],
        "ResourceStatus": entry.get("status", "CREATE_COMPLETE"),
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    key = "LastUpdatedTimestamp" if detail else "Timestamp"
    out[key] = entry.get("updated") or stack["CreationTime"]
    if detail and entry.get("metadata") is not None:
        out["Metadata"] = orjson.dumps(entry["metadata"]).decode()
    return out


async def describe_stack_resource(ctx: Any, StackName: str, LogicalResourceId: str, **_: Any) -> dict[str, Any]:
    stack = await _stack(ctx, StackName)
    entry = (stack.get("resources") or {}).get(LogicalResourceId)
    if entry is None:
        raise invalid(f"Resource {LogicalResourceId} does not exist for stack {StackName}")
    return {"StackResourceDetail": _resource(stack, LogicalResourceId, entry, True)}


async def describe_stack_resources(ctx: Any, StackName: str | None = None, LogicalResourceId: str | None = None,
                                   PhysicalResourceId: str | None = None, **_: Any) -> dict[str, Any]:
    if StackName is None and PhysicalResourceId is None:
        raise invalid("Either StackName or PhysicalResourceId must be specified.")
    if StackName is not None:
        stacks = [await _stack(ctx, StackName)]
    else:
        stacks = await ctx.engine.read(lambda tx: store.live_stacks(tx, ctx.account_id, ctx.region))
    out = []
    for stack in stacks:
        for lid, entry in (stack.get("resources") or {}).items():
            if LogicalResourceId and lid != LogicalResourceId:
                continue
            if PhysicalResourceId and entry.get("physical_id") != PhysicalResourceId:
                continue
            out.append(_resource(stack, lid, entry, False))
    if PhysicalResourceId and not out:
        raise invalid(f"Stack for {PhysicalResourceId} does not exist")
    return {"StackResources": out}


async def list_stack_resources(ctx: Any, StackName: str, NextToken: str | None = None, **_: Any) -> dict[str, Any]:
    stack = await _stack(ctx, StackName)
    out = []
    for lid, entry in (stack.get("resources") or {}).items():
        item = _resource(stack, lid, entry, True)
        item.pop("StackName")
        item.pop("StackId")
        item.pop("Metadata", None)
        out.append(item)
    return {"StackResourceSummaries": out}


async def get_template(ctx: Any, StackName: str | None = None, ChangeSetName: str | None = None,
                       TemplateStage: str | None = None, **_: Any) -> dict[str, Any]:
    if ChangeSetName:
        from squall.services.cloudformation.changesets import find_change_set

        cs = await find_change_set(ctx, ChangeSetName, StackName)
        return {"TemplateBody": cs["template_body"], "StagesAvailable": ["Original"]}
    if not StackName:
        raise invalid("StackName or ChangeSetName is required.")
    stack = await _stack(ctx, StackName)
    if TemplateStage == "Processed" and stack.get("processed"):
        return {"TemplateBody": orjson.dumps(stack["processed"]).decode(), "StagesAvailable": ["Original", "Processed"]}
    return {"TemplateBody": stack["template_body"], "StagesAvailable": ["Original", "Processed"]}


async def validate_template_op(ctx: Any, TemplateBody: str | None = None, TemplateURL: str | None = None,
                               **_: Any) -> dict[str, Any]:
    template = sources.parse(await sources.template_text(ctx, TemplateBody, TemplateURL))
    try:
        return validate_template(template)
    except TemplateError as exc:
        raise invalid(str(exc)) from None


async def get_template_summary(ctx: Any, TemplateBody: str | None = None, TemplateURL: str | None = None,
                               StackName: str | None = None, **_: Any) -> dict[str, Any]:
    if StackName:
        stack = await _stack(ctx, StackName)
        template = stack["template"]
    else:
        template = sources.parse(await sources.template_text(ctx, TemplateBody, TemplateURL))
    try:
        summary = validate_template(template)
    except TemplateError as exc:
        raise invalid(str(exc)) from None
    resources = template.get("Resources") or {}
    summary["ResourceTypes"] = sorted({r.get("Type", "") for r in resources.values() if isinstance(r, dict)})
    summary["Version"] = template.get("AWSTemplateFormatVersion", "2010-09-09")
    summary["ResourceIdentifierSummaries"] = []
    for p in summary.get("Parameters") or []:
        p.setdefault("ParameterType", (template.get("Parameters") or {}).get(p["ParameterKey"], {}).get("Type",
                                                                                                      "String"))
        p.setdefault("ParameterConstraints", {})
    return summary


async def list_exports(ctx: Any, NextToken: str | None = None, **_: Any) -> dict[str, Any]:
    exports = await ctx.engine.read(lambda tx: store.exports(tx, ctx.account_id, ctx.region))
    return {"Exports": [{"ExportingStackId": doc["stack_id"], "Name": name, "Value": doc["value"]}
                        for name, doc in sorted(exports.items())]}
