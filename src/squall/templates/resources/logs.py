"""AWS::Logs::LogGroup, provisioned through squall's CloudWatch Logs API.

Ref: the log group name; GetAtt Arn: ``arn:aws:logs:{region}:{account}:log-group:{name}:*`` — with
the ``:*`` suffix, as the resource reference shows it
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html).
A new ``LogGroupName`` (or ``LogGroupClass``, which a group cannot change) needs a new group;
retention, tags and deletion protection change in place (a new ``KmsKeyId`` is accepted and has no
effect: squall has no KMS). A group that already exists fails the create, as on AWS — a function
that has logged has its ``/aws/lambda/NAME`` group already.
"""

from __future__ import annotations

from typing import Any

from squall.arn import build_arn
from squall.templates.api import Provisioned, StackContext, handler
from squall.templates.resources.common import flag, require_unchanged, tag_changes, tag_map, unless_gone


def _group(ctx: StackContext, name: str) -> Provisioned:
    return Provisioned(name, {"Arn": build_arn("logs", ctx.region, ctx.account, f"log-group:{name}:*")})


async def _retention(ctx: StackContext, name: str, days: Any) -> None:
    if days is None:
        await ctx.call("logs", "DeleteRetentionPolicy", logGroupName=name)
    else:
        await ctx.call("logs", "PutRetentionPolicy", logGroupName=name, retentionInDays=int(days))


@handler("AWS::Logs::LogGroup")
class LogGroup:
    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("LogGroupName") or ctx.name_for(logical_id, 512)
        protected = props.get("DeletionProtectionEnabled")
        await ctx.call("logs", "CreateLogGroup", logGroupName=name, kmsKeyId=props.get("KmsKeyId"),
                       tags=tag_map(props.get("Tags")) or None, logGroupClass=props.get("LogGroupClass"),
                       deletionProtectionEnabled=None if protected is None else flag(protected))
        if props.get("RetentionInDays") is not None:
            try:
                await _retention(ctx, name, props["RetentionInDays"])
            except Exception:  # the engine never learns of a group it did not get back: remove it
                await unless_gone(ctx.call("logs", "DeleteLogGroup", logGroupName=name))
                raise
        return _group(ctx, name)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("LogGroupName", "LogGroupClass"))
        name = current.physical_id
        if old.get("RetentionInDays") != new.get("RetentionInDays"):
            await _retention(ctx, name, new.get("RetentionInDays"))
        if old.get("DeletionProtectionEnabled") != new.get("DeletionProtectionEnabled"):
            await ctx.call("logs", "PutLogGroupDeletionProtection", logGroupIdentifier=name,
                           deletionProtectionEnabled=flag(new.get("DeletionProtectionEnabled", False)))
        to_set, to_remove = tag_changes(tag_map(old.get("Tags")), tag_map(new.get("Tags")))
        if to_remove:
            await ctx.call("logs", "UntagLogGroup", logGroupName=name, tags=to_remove)
        if to_set:
            await ctx.call("logs", "TagLogGroup", logGroupName=name, tags=to_set)
        return _group(ctx, name)

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("logs", "DeleteLogGroup", logGroupName=current.physical_id))
