"""Tags on log groups: the ARN-based operations (TagResource, UntagResource,
ListTagsForResource) and the legacy name-based ones (TagLogGroup, UntagLogGroup,
ListTagsLogGroup) AWS keeps for older clients. Both sets edit the same ``tags`` map of
the group record. A log group holds at most 50 tags.
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.logs import store, validate
from squall.services.logs.errors import TooManyTagsException, group_not_found
from squall.services.logs.groups import mutate
from squall.services.logs.store import LogGroup


def _add(tags: dict[str, str], resource: str) -> Any:
    checked = validate.tags(tags)

    def change(tx: Tx, group: LogGroup) -> None:
        merged = {**group.tags, **checked}
        if len(merged) > validate.MAX_TAGS:
            raise TooManyTagsException("A resource can have no more than 50 tags.", resourceName=resource)
        group.tags = merged

    return change


def _remove(keys: list[str]) -> Any:
    def change(tx: Tx, group: LogGroup) -> None:
        for key in keys:
            group.tags.pop(key, None)

    return change


async def _list(ctx: Any, account: str, region: str, name: str) -> dict[str, Any]:
    key = store.group_key(account, region, name)

    def read(tx: Tx) -> dict[str, Any]:
        group = store.load_group(tx, key)
        if group is None:
            raise group_not_found()
        return {"tags": dict(group.tags)}

    return await ctx.engine.read(read)


async def tag_resource(ctx: Any, resourceArn: str, tags: dict[str, str]) -> dict[str, Any]:
    account, region, name = validate.group_from_arn(resourceArn)
    await mutate(ctx, account, region, name, _add(tags, resourceArn))
    return {}


async def untag_resource(ctx: Any, resourceArn: str, tagKeys: list[str]) -> dict[str, Any]:
    account, region, name = validate.group_from_arn(resourceArn)
    await mutate(ctx, account, region, name, _remove(tagKeys))
    return {}


async def list_tags_for_resource(ctx: Any, resourceArn: str) -> dict[str, Any]:
    return await _list(ctx, *validate.group_from_arn(resourceArn))


async def tag_log_group(ctx: Any, logGroupName: str, tags: dict[str, str]) -> dict[str, Any]:
    name = validate.group_name(logGroupName)
    await mutate(ctx, ctx.account_id, ctx.region, name, _add(tags, name))
    return {}


async def untag_log_group(ctx: Any, logGroupName: str, tags: list[str]) -> dict[str, Any]:
    await mutate(ctx, ctx.account_id, ctx.region, validate.group_name(logGroupName), _remove(tags))
    return {}


async def list_tags_log_group(ctx: Any, logGroupName: str) -> dict[str, Any]:
    return await _list(ctx, ctx.account_id, ctx.region, validate.group_name(logGroupName))
