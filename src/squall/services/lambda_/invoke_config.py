"""Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s): retries, event age and destinations
of asynchronous invocation, per function version or alias.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html: retries
0–2, event age 60–21,600 s; destinations are SQS queues, SNS topics, Lambda functions or
EventBridge buses (and S3 buckets on failure). Put replaces the whole configuration, Update
merges into it. :func:`event_invoke_config` is what the async-invoke dispatcher reads.
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.runtime.spec import FunctionSpec
from squall.services.lambda_ import catalog, names, store
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceNotFound,
    check_range,
    constraint,
    validation,
)
from squall.services.lambda_.names import LATEST, function_arn

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
_DESTINATION = re.compile(r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
                          r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)")
_DESTINATION_PATTERN = (r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
                        r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)")
_NO_FUNCTION = "The function doesn't exist."


def _key(fk: str, qualifier: str) -> str:
    return store.vkey(fk, qualifier) if qualifier == LATEST or names.is_version(qualifier) else f"{fk}/{qualifier}"


def _missing(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"The function {arn} doesn't have an EventInvokeConfig")


def _destinations(config: dict[str, Any] | None, own_arn: str, tx: Tx) -> dict[str, Any]:
    config = config or {}
    out: dict[str, Any] = {}
    for side in ("OnSuccess", "OnFailure"):
        target = (config.get(side) or {}).get("Destination")
        if not target:
            out[side] = {}
            continue
        if not _DESTINATION.fullmatch(target):
            where = f"destinationConfig.{side[0].lower()}{side[1:]}.destination"
            raise validation(constraint(target, where, f"Member must satisfy regular expression pattern: "
                                        f"{_DESTINATION_PATTERN}"))
        service = target.split(":")[2] if target.startswith("arn:") else ""
        allowed = ("sqs", "sns", "lambda", "events") + (("s3",) if side == "OnFailure" else ())
        if service not in allowed:
            shown = {s: f"{s[0].lower()}{s[1:]}=" + (f"{s}(destination={(config.get(s) or {}).get('Destination')})"
                                                     if (config.get(s) or {}).get("Destination") else "null")
                     for s in ("OnSuccess", "OnFailure")}
            raise InvalidParameterValue(f"The provided destination config DestinationConfig({shown['OnSuccess']}, "
                                        f"{shown['OnFailure']}) is invalid.")
        if service == "lambda":
            _check_function_destination(tx, target, own_arn)
        out[side] = {"Destination": target}
    return out


def _check_function_destination(tx: Tx, target: str, own_arn: str) -> None:
    parsed = names.parse_function_arn(target)
    if parsed is not None and function_arn(parsed[1], parsed[0], parsed[2]) == own_arn:
        raise InvalidParameterValue("You can't specify the function as a destination for itself.")
    if parsed is None or tx.get(store.NS_FUNCTIONS, store.fkey(parsed[0], parsed[1], parsed[2])) is None:
        raise InvalidParameterValue(f"The destination ARN {target} is invalid.")


def _render(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if v is not None}
    out["DestinationConfig"] = doc.get("DestinationConfig") or {"OnSuccess": {}, "OnFailure": {}}
    return out


def _locate(ctx: Any, function_name: str, qualifier: str | None) -> tuple[str, str, str, str, str]:
    account, region, name, qual = names.locate(function_name, qualifier, ctx.account_id, ctx.region)
    qual = qual or LATEST
    return account, region, name, qual, function_arn(region, account, name, qual)


async def put_function_event_invoke_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                           **params: Any) -> dict[str, Any]:
    return await _write(ctx, FunctionName, Qualifier, params, replace=True)


async def update_function_event_invoke_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                              **params: Any) -> dict[str, Any]:
    return await _write(ctx, FunctionName, Qualifier, params, replace=False)


async def _write(ctx: Any, function_name: str, qualifier: str | None, params: dict[str, Any], *,
                 replace: bool) -> dict[str, Any]:
    account, region, name, qual, arn = _locate(ctx, function_name, qualifier)
    retries, age = params.get("MaximumRetryAttempts"), params.get("MaximumEventAgeInSeconds")
    check_range(retries, "maximumRetryAttempts", 0, 2)
    check_range(age, "maximumEventAgeInSeconds", 60, 21600)
    if replace and retries is None and age is None and params.get("DestinationConfig") is None:
        raise InvalidParameterValue("You must specify at least one of error handling or destination setting.")

    def work(tx: Tx) -> dict[str, Any]:
        fk = store.fkey(account, region, name)
        if tx.get(store.NS_FUNCTIONS, fk) is None or not catalog.qualifier_exists(tx, fk, qual):
            raise ResourceNotFound(_NO_FUNCTION)
        key = _key(fk, qual)
        doc = None if replace else store.load(tx, store.NS_INVOKE_CONFIGS, key)
        if doc is None:
            if not replace:
                raise _missing(arn)
            doc = {"FunctionArn": arn}
        if retries is not None:
            doc["MaximumRetryAttempts"] = retries
        if age is not None:
            doc["MaximumEventAgeInSeconds"] = age
        if params.get("DestinationConfig") is not None or replace:
            doc["DestinationConfig"] = _destinations(params.get("DestinationConfig"),
                                                     function_arn(region, account, name), tx)
        doc["LastModified"] = tx.now
        store.save(tx, store.NS_INVOKE_CONFIGS, key, doc)
        return _render(doc)

    return await ctx.engine.transact(work)


async def get_function_event_invoke_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                           **_: Any) -> dict[str, Any]:
    account, region, name, qual, arn = _locate(ctx, FunctionName, Qualifier)
    doc = await ctx.engine.read(lambda tx: store.load(tx, store.NS_INVOKE_CONFIGS,
                                                      _key(store.fkey(account, region, name), qual)))
    if doc is None:
        raise _missing(arn)
    return _render(doc)


async def delete_function_event_invoke_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                              **_: Any) -> dict[str, Any]:
    account, region, name, qual, arn = _locate(ctx, FunctionName, Qualifier)

    def work(tx: Tx) -> None:
        if not tx.delete(store.NS_INVOKE_CONFIGS, _key(store.fkey(account, region, name), qual)):
            raise _missing(arn)

    await ctx.engine.transact(work)
    return {}


async def list_function_event_invoke_configs(ctx: Any, FunctionName: str, Marker: str | None = None,
                                             MaxItems: int | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, _ = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    check_range(MaxItems, "maxItems", 1, 50)
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> list[tuple[str, dict[str, Any]]]:
        if tx.get(store.NS_FUNCTIONS, fk) is None:
            raise ResourceNotFound(_NO_FUNCTION)
        return store.scan(tx, store.NS_INVOKE_CONFIGS, fk + "/")

    found = await ctx.engine.read(work)
    chunk, marker = store.page(found, lambda kv: kv[0].rsplit("/", 1)[1], Marker, MaxItems)
    out: dict[str, Any] = {"FunctionEventInvokeConfigs": [_render(doc) for _, doc in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


def drop(tx: Tx, fk: str, qualifier: str | None = None) -> None:
    """Forget the configuration of a deleted version or alias, or all of a deleted function."""
    if qualifier is None:
        tx.delete_prefix(store.NS_INVOKE_CONFIGS, fk + "/")
    else:
        tx.delete(store.NS_INVOKE_CONFIGS, _key(fk, qualifier))


async def event_invoke_config(runtime: Any, spec: FunctionSpec, qualifier: str | None = None) -> dict[str, Any] | None:
    """The asynchronous-invocation settings for an invocation of ``spec`` (``qualifier``: the alias
    it was invoked through, whose configuration then applies), or None when none is configured:
    ``{"MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig": {"OnSuccess":
    {"Destination": arn}?, "OnFailure": {…}}}`` with Lambda's defaults (2 retries, 6 hours) filled in."""
    fk = store.fkey(spec.account, spec.region, spec.name)
    keys = [_key(fk, q) for q in (qualifier, spec.version) if q]

    def work(tx: Tx) -> dict[str, Any] | None:
        for key in keys:
            doc = store.load(tx, store.NS_INVOKE_CONFIGS, key)
            if doc is not None:
                return doc
        return None

    doc = await runtime.engine.peek(work)
    if doc is None:
        return None
    return {"MaximumRetryAttempts": doc.get("MaximumRetryAttempts", DEFAULT_RETRIES),
            "MaximumEventAgeInSeconds": doc.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE),
            "DestinationConfig": doc.get("DestinationConfig") or {"OnSuccess": {}, "OnFailure": {}}}
