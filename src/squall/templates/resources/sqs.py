"""AWS::SQS::Queue, AWS::SQS::QueuePolicy and AWS::SQS::QueueInlinePolicy.

The queue's CloudFormation properties are SQS's own attribute names, so they map one to one
onto CreateQueue / SetQueueAttributes ``Attributes`` (booleans and numbers as the strings SQS
speaks, the JSON policies as JSON text). An update changes attributes in place; an attribute
removed from the template goes back to SQS's default (CloudFormation resets what it no longer
manages). QueueName and FifoQueue changes need a new queue.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from squall.arn import build_arn
from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement, Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.common import (
    flag,
    json_text,
    require_unchanged,
    tag_changes,
    tag_map,
    unless_gone,
)

ATTRIBUTES = ("ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoThroughputLimit",
              "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
              "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
              "VisibilityTimeout")
_GONE = ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json_text(value)
    return str(value)


def _attributes(props: Mapping[str, Any]) -> dict[str, str]:
    return {name: _attribute(props[name]) for name in ATTRIBUTES if props.get(name) is not None}


def _default(name: str, fifo: bool) -> str:
    """What an attribute goes back to when the template stops setting it ("" clears a policy or key)."""
    from squall.services.sqs import attributes

    defaults = {**attributes.DEFAULTS, **(attributes.FIFO_DEFAULTS if fifo else {}),
                "KmsDataKeyReusePeriodSeconds": "300"}
    return defaults.get(name, "")


def _queue(ctx: StackContext, name: str, url: str) -> Provisioned:
    arn = build_arn("sqs", ctx.region, ctx.account, name)
    return Provisioned(physical_id=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


@handler("AWS::SQS::Queue")
class Queue:
    """Ref: the queue URL; GetAtt: Arn, QueueName, QueueUrl."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        fifo = flag(props.get("FifoQueue", False))
        name = props.get("QueueName")
        if not name:  # a FIFO queue's generated name keeps the .fifo suffix SQS requires (80 in all)
            name = ctx.name_for(logical_id, 75) + ".fifo" if fifo else ctx.name_for(logical_id, 80)
        try:
            await ctx.call("sqs", "GetQueueUrl", QueueName=name)
        except ServiceError:
            pass
        else:  # CreateQueue would quietly answer the existing queue; CloudFormation refuses to adopt it
            raise ResourceFailed(f"{name} already exists")
        attrs = _attributes(props)
        if fifo:
            attrs["FifoQueue"] = "true"
        out = await ctx.call("sqs", "CreateQueue", QueueName=name, Attributes=attrs,
                             tags=tag_map(props.get("Tags")) or None)
        return _queue(ctx, name, out["QueueUrl"])

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("QueueName",))
        if flag(old.get("FifoQueue", False)) != flag(new.get("FifoQueue", False)):
            raise NeedsReplacement("FifoQueue")
        fifo = flag(new.get("FifoQueue", False))
        before, after = _attributes(old), _attributes(new)
        for name in before:
            after.setdefault(name, _default(name, fifo))
        changed = {k: v for k, v in after.items() if before.get(k, _default(k, fifo)) != v}
        url = current.physical_id
        if changed:
            await ctx.call("sqs", "SetQueueAttributes", QueueUrl=url, Attributes=changed)
        added, removed = tag_changes(tag_map(old.get("Tags")), tag_map(new.get("Tags")))
        if removed:
            await ctx.call("sqs", "UntagQueue", QueueUrl=url, TagKeys=removed)
        if added:
            await ctx.call("sqs", "TagQueue", QueueUrl=url, Tags=added)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("sqs", "DeleteQueue", QueueUrl=current.physical_id), *_GONE)


# ---- queue policies ------------------------------------------------------------------------------
async def _set_policy(ctx: StackContext, urls: Iterable[str], policy: str) -> None:
    for url in urls:
        await ctx.call("sqs", "SetQueueAttributes", QueueUrl=url, Attributes={"Policy": policy})


async def _clear_policy(ctx: StackContext, urls: Iterable[str]) -> None:
    for url in urls:
        await unless_gone(ctx.call("sqs", "SetQueueAttributes", QueueUrl=url, Attributes={"Policy": ""}), *_GONE)


@handler("AWS::SQS::QueuePolicy")
class QueuePolicy:
    """The policy applied to every queue of ``Queues`` (URLs). Ref and GetAtt Id: a generated id.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queuepolicy.html"""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await _set_policy(ctx, props.get("Queues") or [], json_text(props["PolicyDocument"]))
        physical_id = ctx.name_for(logical_id)
        return Provisioned(physical_id=physical_id, attributes={"Id": physical_id})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        queues = list(new.get("Queues") or [])
        await _clear_policy(ctx, [url for url in old.get("Queues") or [] if url not in queues])
        await _set_policy(ctx, queues, json_text(new["PolicyDocument"]))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _clear_policy(ctx, props.get("Queues") or [])


@handler("AWS::SQS::QueueInlinePolicy")
class QueueInlinePolicy:
    """One queue's policy. Ref: the queue URL; a new ``Queue`` needs replacement.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queueinlinepolicy.html"""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await _set_policy(ctx, [props["Queue"]], json_text(props["PolicyDocument"]))
        return Provisioned(physical_id=props["Queue"])

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("Queue",))
        await _set_policy(ctx, [new["Queue"]], json_text(new["PolicyDocument"]))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _clear_policy(ctx, [current.physical_id])
