"""Log group operations: create, delete, describe and list, retention policies, deletion protection.

Each change is one engine transaction that reloads the group record (:func:`mutate`), so two
callers changing one group never lose each other's update on SQLite; deleting a group drops
its streams and events in the same transaction (three prefix deletes, whatever its size).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from squall.engine.api import Tx
from squall.services.logs import eventstore, store, validate
from squall.services.logs.errors import (
    InvalidParameterException,
    ValidationException,
    constraint,
    group_exists,
    group_not_found,
)
from squall.services.logs.store import LogGroup

T = TypeVar("T")
DESCRIBE_LIMIT = 50


async def mutate(ctx: Any, account: str, region: str, name: str, fn: Callable[[Tx, LogGroup], T]) -> T:
    """Load the group in a transaction, apply ``fn``, save it; ResourceNotFound if it is missing."""
    key = store.group_key(account, region, name)

    def work(tx: Tx) -> T:
        group = store.load_group(tx, key)
        if group is None:
            raise group_not_found()
        result = fn(tx, group)
        store.save_group(tx, group)
        return result

    return await ctx.engine.transact(work)


def describe(tx: Tx, group: LogGroup, *, brief: bool = False) -> dict[str, Any]:
    """A ``LogGroup`` as DescribeLogGroups answers it (``brief``: what a name-pattern search shows)."""
    out: dict[str, Any] = {"logGroupName": group.name, "creationTime": group.created, "arn": group.arn + ":*"}
    if brief:
        return out
    if group.retention:
        out["retentionInDays"] = group.retention
    out.update(metricFilterCount=0, storedBytes=store.stored_bytes(tx, group), logGroupClass=group.klass,
               logGroupArn=group.arn, deletionProtectionEnabled=group.protected)
    if group.kms_key:
        out["kmsKeyId"] = group.kms_key
    return out


# ---- operations ---------------------------------------------------------------------------------
async def create_log_group(ctx: Any, logGroupName: str, kmsKeyId: str | None = None,
                           tags: dict[str, str] | None = None, logGroupClass: str | None = None,
                           deletionProtectionEnabled: bool | None = None) -> dict[str, Any]:
    name = validate.group_name(logGroupName)
    if name.startswith("aws/"):
        raise InvalidParameterException("Log group names can't start with the string aws/")
    if tags is not None and len(tags) > validate.MAX_TAGS:
        raise constraint("tags", tags, "Member must have length less than or equal to 50")
    klass = logGroupClass or "STANDARD"
    if klass not in validate.LOG_GROUP_CLASSES:
        raise constraint("logGroupClass", klass,
                         "Member must satisfy enum value set: [" + ", ".join(validate.LOG_GROUP_CLASSES) + "]")
    tag_map = validate.tags(tags)

    def work(tx: Tx) -> None:
        group = LogGroup(ctx.account_id, ctx.region, name, store.new_id(), store.now_ms(tx), tags=dict(tag_map),
                         klass=klass, kms_key=kmsKeyId, protected=bool(deletionProtectionEnabled))
        if not store.insert_group(tx, group):
            raise group_exists()

    await ctx.engine.transact(work)
    return {}


def drop(tx: Tx, group: LogGroup) -> None:
    """Delete a group with its streams and events."""
    tx.delete(store.NS_GROUPS, group.key)
    tx.delete(store.NS_RETENTION, group.key)
    tx.delete_prefix(store.NS_STREAMS, store.stream_prefix(group))
    eventstore.drop_group(tx, group.gid)


async def delete_log_group(ctx: Any, logGroupName: str) -> dict[str, Any]:
    key = store.group_key(ctx.account_id, ctx.region, validate.group_name(logGroupName))

    def work(tx: Tx) -> None:
        group = store.load_group(tx, key)
        if group is None:
            raise group_not_found()
        if group.protected:
            raise ValidationException("Log group deletion protection is enabled. "
                                      "Disable deletion protection before deleting the log group.")
        drop(tx, group)

    await ctx.engine.transact(work)
    return {}


def _class_filter(klass: str | None) -> Callable[[LogGroup], bool]:
    if klass is None:
        return lambda g: True
    if klass not in validate.LOG_GROUP_CLASSES:
        raise constraint("logGroupClass", klass,
                         "Member must satisfy enum value set: [" + ", ".join(validate.LOG_GROUP_CLASSES) + "]")
    # the model: "INFREQUENT_ACCESS or ESSENTIALS ... include log groups in both" classes
    wanted = {"INFREQUENT_ACCESS", "ESSENTIALS"} if klass in ("INFREQUENT_ACCESS", "ESSENTIALS") else {klass}
    return lambda g: g.klass in wanted


def _page(tx: Tx, account: str, region: str, prefix: str, after: str | None, limit: int,
          keep: Callable[[LogGroup], bool]) -> tuple[list[LogGroup], bool]:
    """Up to ``limit`` groups (name order, after ``after``) that ``keep`` accepts; and whether more exist."""
    found: list[LogGroup] = []
    while True:
        batch = store.scan_groups(tx, account, region, prefix=prefix, after=after, limit=200)
        for group in batch:
            if keep(group):
                if len(found) == limit:
                    return found, True
                found.append(group)
        if len(batch) < 200:
            return found, False
        after = batch[-1].name


async def describe_log_groups(ctx: Any, accountIdentifiers: list[str] | None = None,
                              logGroupNamePrefix: str | None = None, logGroupNamePattern: str | None = None,
                              nextToken: str | None = None, limit: int | None = None,
                              includeLinkedAccounts: bool | None = None, logGroupClass: str | None = None,
                              logGroupIdentifiers: list[str] | None = None) -> dict[str, Any]:
    count = validate.limit(limit, "limit", DESCRIBE_LIMIT, DESCRIBE_LIMIT)
    if logGroupNamePrefix is not None and logGroupNamePattern is not None:
        raise InvalidParameterException(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
    if logGroupIdentifiers is not None and (logGroupNamePrefix is not None or logGroupNamePattern is not None):
        raise InvalidParameterException(
            "logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.")
    prefix = validate.group_name(logGroupNamePrefix, "logGroupNamePrefix") if logGroupNamePrefix else ""
    pattern = logGroupNamePattern or None
    keep_class = _class_filter(logGroupClass)
    token = validate.decode_token(nextToken, 1)
    after = token[0] if token else None
    wanted: set[str] | None = None
    if logGroupIdentifiers is not None:
        wanted = {validate.group_ref(ctx.account_id, ctx.region, None, ident)[2] for ident in logGroupIdentifiers}

    def keep(g: LogGroup) -> bool:
        return keep_class(g) and (pattern is None or pattern in g.name) and (wanted is None or g.name in wanted)

    def read(tx: Tx) -> dict[str, Any]:
        groups, more = _page(tx, ctx.account_id, ctx.region, prefix, after, count, keep)
        out: dict[str, Any] = {"logGroups": [describe(tx, g, brief=pattern is not None) for g in groups]}
        if more:
            out["nextToken"] = validate.encode_token(groups[-1].name)
        return out

    return await ctx.engine.read(read)


def _name_pattern(pattern: str | None) -> Callable[[str], bool]:
    """ListLogGroups' ``logGroupNamePattern``: up to five ``|``-separated alternatives, each a
    substring or, with a leading ``^``, a prefix."""
    if not pattern:
        return lambda name: True
    alternatives = "|".join(("^" + re.escape(a[1:])) if a.startswith("^") else re.escape(a)
                            for a in pattern.split("|"))
    rx = re.compile(alternatives)
    return lambda name: rx.search(name) is not None


async def list_log_groups(ctx: Any, logGroupNamePattern: str | None = None, logGroupClass: str | None = None,
                          includeLinkedAccounts: bool | None = None, accountIdentifiers: list[str] | None = None,
                          nextToken: str | None = None, limit: int | None = None,
                          dataSources: list[dict[str, Any]] | None = None,
                          fieldIndexNames: list[str] | None = None,
                          logGroupTags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    count = validate.limit(limit, "limit", 1000, 50)
    match_name = _name_pattern(logGroupNamePattern)
    keep_class = _class_filter(logGroupClass)
    token = validate.decode_token(nextToken, 1)
    tag_filters = [(f.get("key"), f.get("value")) for f in logGroupTags or []]

    def keep(g: LogGroup) -> bool:
        return (keep_class(g) and match_name(g.name)
                and all(k in g.tags and (v is None or g.tags[k] == v) for k, v in tag_filters))

    def read(tx: Tx) -> dict[str, Any]:
        groups, more = _page(tx, ctx.account_id, ctx.region, "", token[0] if token else None, count, keep)
        out: dict[str, Any] = {"logGroups": [{"logGroupName": g.name, "logGroupArn": g.arn,
                                              "logGroupClass": g.klass} for g in groups]}
        if more:
            out["nextToken"] = validate.encode_token(groups[-1].name)
        return out

    return await ctx.engine.read(read)


async def put_retention_policy(ctx: Any, logGroupName: str, retentionInDays: int) -> dict[str, Any]:
    name = validate.group_name(logGroupName)
    if retentionInDays not in validate.RETENTION_DAYS:
        raise constraint("retentionInDays", retentionInDays, "Member must satisfy enum value set: ["
                         + ", ".join(map(str, validate.RETENTION_DAYS)) + "]")

    def change(tx: Tx, group: LogGroup) -> None:
        group.retention = retentionInDays

    await mutate(ctx, ctx.account_id, ctx.region, name, change)
    return {}


async def delete_retention_policy(ctx: Any, logGroupName: str) -> dict[str, Any]:
    def change(tx: Tx, group: LogGroup) -> None:
        group.retention = None

    await mutate(ctx, ctx.account_id, ctx.region, validate.group_name(logGroupName), change)
    return {}


async def put_log_group_deletion_protection(ctx: Any, logGroupIdentifier: str,
                                            deletionProtectionEnabled: bool) -> dict[str, Any]:
    account, region, name = validate.group_ref(ctx.account_id, ctx.region, None, logGroupIdentifier)

    def change(tx: Tx, group: LogGroup) -> None:
        group.protected = bool(deletionProtectionEnabled)

    await mutate(ctx, account, region, name, change)
    return {}
