"""``squall up PATH``: deploy the app's template when the server starts, redeploy it when it
changes, and print the app's shape.

PATH is a template file or a directory holding ``template.yaml`` / ``template.yml`` /
``template.json``; the stack is named after the directory (or ``SQUALL_STACK_NAME``). The
template is deployed through the same CloudFormation operations a client would call (in-process),
its local paths pinned to PATH's directory first (:mod:`squall.templates.local_paths`). Edits to
the template (watchfiles) trigger an update; edits to function code need none — hot-reload code
directories are watched by the Lambda service, which replaces warm workers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path
from typing import Any

import orjson

from squall.errors import ServiceError
from squall.services.cloudformation import deployer, store
from squall.templates.calls import call_service
from squall.templates.errors import TemplateError
from squall.templates.loader import load_path
from squall.templates.local_paths import absolutize

log = logging.getLogger("squall.cloudformation")

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
_NAMES = ("template.yaml", "template.yml", "template.json")


def template_file(path: Path) -> Path | None:
    if path.is_file():
        return path
    for name in _NAMES:
        if (path / name).is_file():
            return path / name
    return None


def stack_name_for(path: Path) -> str:
    name = os.environ.get("SQUALL_STACK_NAME") or (path if path.is_dir() else path.parent).resolve().name
    name = re.sub(r"[^A-Za-z0-9-]", "-", name).strip("-") or "app"
    return name if name[0].isalpha() else f"app-{name}"


async def run(runtime: Any) -> None:
    path = runtime.settings.app_path
    if path is None:
        return
    path = Path(path)
    template = template_file(path)
    if template is None:
        log.info("squall up %s: no template.yaml there; serving without an app", path)
        return
    name = stack_name_for(path)
    await asyncio.sleep(0)  # let the other services' background tasks start first
    await deploy_and_report(runtime, template, name)
    try:
        from watchfiles import awatch
    except ImportError:  # pragma: no cover - a dependency
        return
    async for _changes in awatch(template, stop_event=runtime.stopping, debounce=300):
        log.info("template %s changed: redeploying stack %s", template, name)
        await deploy_and_report(runtime, template, name)


async def deploy_and_report(runtime: Any, template: Path, name: str) -> str | None:
    """Create or update stack ``name`` from ``template``; wait; log its events' failures and the
    app's summary. Returns the final status (None when the template could not be read)."""
    try:
        status = await deploy(runtime, template, name)
    except (TemplateError, ServiceError) as exc:
        log.error("deploying %s failed: %s", template, getattr(exc, "message", None) or exc)
        return None
    if status is None:
        log.info("stack %s: no changes", name)
        return None
    settings = runtime.settings
    stack = await runtime.engine.read(lambda tx: store.find(tx, settings.account_id, settings.region, name))
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        log.error("stack %s: %s — %s", name, status, stack.get("StackStatusReason") if stack else "")
        for event in await runtime.engine.read(lambda tx: store.events(tx, stack["StackId"])):
            if event["ResourceStatus"].endswith("FAILED"):
                log.error("  %s (%s): %s", event["LogicalResourceId"], event["ResourceType"],
                          event.get("ResourceStatusReason"))
        return status
    from squall.services.cloudformation.summary import summary

    print(await summary(runtime, stack), flush=True)
    return status


async def deploy(runtime: Any, template: Path, name: str, parameters: dict[str, str] | None = None) -> str | None:
    doc, base = load_path(template)
    body = orjson.dumps(absolutize(doc, base)).decode()
    settings = runtime.settings
    account, region = settings.account_id, settings.region
    existing = await runtime.engine.read(lambda tx: store.find(tx, account, region, name))
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()]
    op = "CreateStack"
    if existing is not None and existing["StackStatus"] not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        if existing["StackStatus"] in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"):
            await call_service(runtime, "cloudformation", "DeleteStack", account, region, StackName=name)
            await wait(runtime, existing["StackId"])
        else:
            op = "UpdateStack"
    try:
        out = await call_service(runtime, "cloudformation", op, account, region, StackName=name, TemplateBody=body,
                                 Parameters=params or None, Capabilities=CAPABILITIES)
    except ServiceError as exc:
        if "No updates are to be performed" in exc.message:
            return None
        raise
    return await wait(runtime, out["StackId"])


async def wait(runtime: Any, stack_id: str) -> str:
    task = deployer.tasks(runtime).get(stack_id)
    if task is not None:
        await asyncio.shield(task)
    doc = await runtime.engine.read(lambda tx: store.load(tx, store.NS_STACKS, stack_id))
    return doc["StackStatus"] if doc else "DELETE_COMPLETE"
