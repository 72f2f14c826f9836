"""Create/Get/Update/Delete/ListEventSourceMappings — SQS sources (streams come later).

Rules for SQS (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html and
https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html): BatchSize
1–10,000 (default 10; over 10 needs ``MaximumBatchingWindowInSeconds`` ≥ 1; FIFO queues at
most 10 and no batching window), window 0–300 s, ``FunctionResponseTypes`` only
``ReportBatchItemFailures``, ``ScalingConfig.MaximumConcurrency`` 2–1,000, filters are JSON
patterns. The queue must exist in squall. A new mapping is ``Creating`` and then
``Enabled``/``Disabled``; changing ``Enabled`` goes through ``Enabling``/``Disabling``, any
other change through ``Updating`` — each settled by a task started after the commit (and at
start-up for whatever a stopped server left in between).

For the SQS poller: :func:`list_enabled_mappings` gives every mapping to run and
:func:`mappings_revision` a counter bumped by every change, so a poller re-lists only when
it moved. Deleting a function keeps its mappings, as Lambda does; they are not listed as
enabled while the function does not exist.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from squall.engine.api import Tx
from squall.patterns import PatternError, compile_pattern
from squall.services.lambda_ import names, store, tags
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    check_range,
    constraint,
    not_exist,
    validation,
)
from squall.services.lambda_.names import esm_arn, function_arn

log = logging.getLogger("squall.lambda")

REVISION = "esm-revision"
TRANSITIONAL = ("Creating", "Enabling", "Disabling", "Updating")
_STREAM_ONLY = ("StartingPosition", "StartingPositionTimestamp", "ParallelizationFactor", "BisectBatchOnFunctionError",
                "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues",
                "SelfManagedEventSource", "SourceAccessConfigurations")
_OUTPUT = ("UUID", "BatchSize", "MaximumBatchingWindowInSeconds", "EventSourceArn", "FunctionArn", "FilterCriteria",
           "ScalingConfig", "FunctionResponseTypes", "State", "StateTransitionReason", "KMSKeyArn", "MetricsConfig",
           "LoggingConfig")


def render(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: doc[k] for k in _OUTPUT if doc.get(k) is not None}
    out["LastModified"] = doc["LastModified"]
    out["EventSourceMappingArn"] = esm_arn(doc["region"], doc["account"], doc["UUID"])
    return out


def _queue(tx: Tx, arn: str) -> Any:
    from squall.services.sqs import catalog as sqs_catalog

    key = sqs_catalog.key_from_arn(arn)
    return sqs_catalog.load(tx, key) if key else None


def _check_source(arn: str | None) -> None:
    service = arn.split(":")[2] if arn and arn.startswith("arn:") and arn.count(":") >= 5 else None
    if service == "sqs":
        return
    if service in ("kinesis", "dynamodb"):
        raise InvalidParameterValue("squall does not support Kinesis and DynamoDB stream event sources yet: they come "
                                    "with squall's streams. Only Amazon SQS queues can be mapped for now.")
    if service in ("kafka", "mq", "rds"):
        raise InvalidParameterValue(f"squall does not support {service} event sources; only Amazon SQS queues can "
                                    "be mapped.")
    raise InvalidParameterValue("Unrecognized event source.")


def _check_settings(doc: dict[str, Any], fifo: bool) -> None:
    batch, window = doc["BatchSize"], doc["MaximumBatchingWindowInSeconds"]
    check_range(batch, "batchSize", 1, 10000)
    check_range(window, "maximumBatchingWindowInSeconds", 0, 300)
    if fifo and batch > 10:
        raise InvalidParameterValue("BatchSize must be between 1 and 10 for Amazon SQS FIFO queues.")
    if fifo and window:
        raise InvalidParameterValue("MaximumBatchingWindowInSeconds is not supported for Amazon SQS FIFO queues.")
    if batch > 10 and window < 1:
        raise InvalidParameterValue("Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                                    "greater than 10")
    types = doc.get("FunctionResponseTypes") or []
    if any(t != "ReportBatchItemFailures" for t in types):
        raise validation(constraint(f"[{', '.join(types)}]", "functionResponseTypes", "Member must satisfy "
                                    "constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]"))
    scaling = doc.get("ScalingConfig")
    if scaling and scaling.get("MaximumConcurrency") is not None:
        check_range(scaling["MaximumConcurrency"], "scalingConfig.maximumConcurrency", 2, 1000)
    filters = (doc.get("FilterCriteria") or {}).get("Filters") or []
    if len(filters) > 5:
        raise InvalidParameterValue("The maximum number of filters allowed per event source mapping is 5.")
    for item in filters:
        try:
            compile_pattern(item.get("Pattern") or "")  # the matcher the poller uses, so they agree
        except PatternError:
            raise InvalidParameterValue("Invalid filter pattern definition.") from None


def _apply(doc: dict[str, Any], params: dict[str, Any]) -> None:
    for member in ("BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "ScalingConfig",
                   "KMSKeyArn", "MetricsConfig", "LoggingConfig"):
        if params.get(member) is not None:
            doc[member] = params[member]
    if params.get("FilterCriteria") is not None:
        doc["FilterCriteria"] = params["FilterCriteria"] if (params["FilterCriteria"].get("Filters")) else None


def _function(tx: Tx, ctx: Any, function_name: str) -> str:
    """The FunctionArn a mapping records for this FunctionName (qualified when it was)."""
    account, region, name, qualifier = names.locate(function_name, None, ctx.account_id, ctx.region)
    fk = store.fkey(account, region, name)
    from squall.services.lambda_ import catalog

    if tx.get(store.NS_FUNCTIONS, fk) is None or (qualifier and not catalog.qualifier_exists(tx, fk, qualifier)):
        raise InvalidParameterValue("Function does not exist")
    return function_arn(region, account, name, qualifier)


def _refuse_unsupported(params: dict[str, Any]) -> None:
    if params.get("DestinationConfig"):
        raise InvalidParameterValue("Unsupported DestinationConfig parameter for given event source mapping type.")
    for member in _STREAM_ONLY:
        if params.get(member) is not None:
            raise InvalidParameterValue(f"Unsupported {member} parameter for given event source mapping type.")


def _save(tx: Tx, runtime: Any, doc: dict[str, Any]) -> None:
    doc["LastModified"] = tx.now
    store.save(tx, store.NS_ESM, doc["UUID"], doc)
    store.bump_counter(tx, REVISION)
    if doc["State"] in TRANSITIONAL:
        uid = doc["UUID"]
        tx.after_commit(lambda: _start_settle(runtime, uid))


async def create_event_source_mapping(ctx: Any, FunctionName: str, EventSourceArn: str | None = None,
                                      Enabled: bool | None = None, Tags: dict[str, str] | None = None,
                                      **params: Any) -> dict[str, Any]:
    _check_source(EventSourceArn)
    _refuse_unsupported(params)
    fn_tags = tags.check(Tags)

    def work(tx: Tx) -> dict[str, Any]:
        queue = _queue(tx, EventSourceArn or "")
        if queue is None or (queue.account, queue.region) != (ctx.account_id, ctx.region):
            raise InvalidParameterValue(
                "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS "
                "Error Message: The specified queue does not exist or you do not have access to it.")
        fn_arn = _function(tx, ctx, FunctionName)
        for _, other in store.scan(tx, store.NS_ESM, ""):
            if other["EventSourceArn"] == EventSourceArn and other["FunctionArn"] == fn_arn:
                raise ResourceConflict(f'An event source mapping with SQS arn (" {EventSourceArn} ") and function '
                                       f'(" {fn_arn} ") already exists. Please update or delete the existing mapping '
                                       f"with UUID {other['UUID']}")
        doc: dict[str, Any] = {"UUID": str(uuid.uuid4()), "account": ctx.account_id, "region": ctx.region,
                               "EventSourceArn": EventSourceArn, "FunctionArn": fn_arn, "BatchSize": 10,
                               "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": [],
                               "State": "Creating", "StateTransitionReason": "USER_INITIATED",
                               "enabled": Enabled is not False, "tags": fn_tags, "fifo": queue.fifo}
        _apply(doc, params)
        _check_settings(doc, queue.fifo)
        _save(tx, ctx.runtime, doc)
        return render(doc)

    return await ctx.engine.transact(work)


def _require(tx: Tx, ctx: Any, uid: str) -> dict[str, Any]:
    doc = store.load(tx, store.NS_ESM, (uid or "").lower())
    if doc is None or (doc["account"], doc["region"]) != (ctx.account_id, ctx.region):
        raise not_exist()
    return doc


async def get_event_source_mapping(ctx: Any, UUID: str, **_: Any) -> dict[str, Any]:
    return render(await ctx.engine.read(lambda tx: _require(tx, ctx, UUID)))


async def update_event_source_mapping(ctx: Any, UUID: str, FunctionName: str | None = None,
                                      Enabled: bool | None = None, **params: Any) -> dict[str, Any]:
    _refuse_unsupported(params)
    await _settle(ctx.runtime, UUID)

    def work(tx: Tx) -> dict[str, Any]:
        doc = _require(tx, ctx, UUID)
        if FunctionName is not None:
            doc["FunctionArn"] = _function(tx, ctx, FunctionName)
        _apply(doc, params)
        _check_settings(doc, bool(doc.get("fifo")))
        if Enabled is not None and Enabled != doc["enabled"]:
            doc["enabled"] = Enabled
            doc["State"] = "Enabling" if Enabled else "Disabling"
        else:
            doc["State"] = "Updating"
        doc["StateTransitionReason"] = "USER_INITIATED"
        _save(tx, ctx.runtime, doc)
        return render(doc)

    return await ctx.engine.transact(work)


async def delete_event_source_mapping(ctx: Any, UUID: str, **_: Any) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        doc = _require(tx, ctx, UUID)
        tx.delete(store.NS_ESM, doc["UUID"])
        store.bump_counter(tx, REVISION)
        doc["State"] = "Deleting"
        return render(doc)

    return await ctx.engine.transact(work)


async def list_event_source_mappings(ctx: Any, EventSourceArn: str | None = None, FunctionName: str | None = None,
                                     Marker: str | None = None, MaxItems: int | None = None,
                                     **_: Any) -> dict[str, Any]:
    wanted: tuple[str, str | None] | None = None
    if FunctionName is not None:
        account, region, name, qualifier = names.locate(FunctionName, None, ctx.account_id, ctx.region)
        wanted = (function_arn(region, account, name), qualifier)

    def keep(doc: dict[str, Any]) -> bool:
        if (doc["account"], doc["region"]) != (ctx.account_id, ctx.region):
            return False
        if EventSourceArn is not None and doc["EventSourceArn"] != EventSourceArn:
            return False
        if wanted is not None:
            parsed = names.parse_function_arn(doc["FunctionArn"])
            if parsed is None or function_arn(parsed[1], parsed[0], parsed[2]) != wanted[0]:
                return False
            return wanted[1] is None or parsed[3] == wanted[1]
        return True

    found = await ctx.engine.read(lambda tx: [d for _, d in store.scan(tx, store.NS_ESM, "") if keep(d)])
    chunk, marker = store.page(found, lambda d: d["UUID"], Marker, MaxItems, default=100)
    out: dict[str, Any] = {"EventSourceMappings": [render(d) for d in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


# ---- state transitions -------------------------------------------------------------------
def _tasks(runtime: Any) -> dict[str, asyncio.Task[None]]:
    return runtime.state.setdefault("lambda", {}).setdefault("esm-tasks", {})


def _start_settle(runtime: Any, uid: str) -> None:
    task = asyncio.ensure_future(_finish(runtime, uid))
    _tasks(runtime)[uid] = task
    task.add_done_callback(lambda t: _tasks(runtime).pop(uid, None) if _tasks(runtime).get(uid) is t else None)


async def _settle(runtime: Any, uid: str) -> None:
    task = _tasks(runtime).get((uid or "").lower())
    if task is not None and not task.done():
        await asyncio.shield(task)


async def _finish(runtime: Any, uid: str) -> None:
    """Creating/Enabling/Updating → Enabled, Disabling (or created disabled) → Disabled."""
    def work(tx: Tx) -> None:
        doc = store.load(tx, store.NS_ESM, uid)
        if doc is None or doc["State"] not in TRANSITIONAL:
            return
        doc["State"] = "Enabled" if doc["enabled"] else "Disabled"
        doc["LastModified"] = tx.now
        store.save(tx, store.NS_ESM, uid, doc)
        store.bump_counter(tx, REVISION)

    try:
        await runtime.engine.transact(work)
    except Exception:
        log.exception("settling event source mapping %s failed", uid)


async def recover(runtime: Any) -> None:
    """At start-up: settle mappings a stopped server left in a transitional state."""
    found = await runtime.engine.read(
        lambda tx: [uid for uid, d in store.scan(tx, store.NS_ESM, "") if d["State"] in TRANSITIONAL])
    for uid in found:
        _start_settle(runtime, uid)


# ---- for the SQS poller --------------------------------------------------------------------
async def list_enabled_mappings(runtime: Any) -> list[dict[str, Any]]:
    """Every Enabled mapping whose function exists, as GetEventSourceMapping renders it plus
    ``account`` and ``region``. Re-list when :func:`mappings_revision` changes."""
    def work(tx: Tx) -> list[dict[str, Any]]:
        out = []
        for _, doc in store.scan(tx, store.NS_ESM, ""):
            if doc["State"] != "Enabled":
                continue
            parsed = names.parse_function_arn(doc["FunctionArn"])
            if parsed is None or tx.get(store.NS_FUNCTIONS, store.fkey(*parsed[:3])) is None:
                continue
            out.append({**render(doc), "account": doc["account"], "region": doc["region"]})
        return out

    return await runtime.engine.read(work)


async def mappings_revision(runtime: Any) -> int:
    """A number that grows with every change to any mapping (cheap: one point read)."""
    return await runtime.engine.peek(lambda tx: store.read_counter(tx, REVISION))
