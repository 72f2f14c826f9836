"""PublishVersion and ListVersionsByFunction; publishing on CreateFunction / UpdateFunctionCode.

https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html: a version is an
immutable snapshot of $LATEST's code and configuration, numbered from 1, never renumbered.
Publishing when $LATEST has not changed since the newest version returns that version
instead of creating another (AWS answers 201 with the existing version). ``CodeSha256`` and
``RevisionId`` are preconditions on $LATEST. Publishing bumps $LATEST's RevisionId.
"""

from __future__ import annotations

import copy
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import activation, catalog, code, configuration, names, store
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    in_state,
    revision_mismatch,
    update_in_progress,
)
from squall.services.lambda_.names import LATEST, function_arn


def publish(tx: Tx, runtime: Any, fk: str, fn: dict[str, Any], latest: dict[str, Any],
            description: str | None = None) -> tuple[str, dict[str, Any]]:
    """Publish ``latest`` (the $LATEST document, saved by the caller afterwards) as a new version,
    or return the newest version when $LATEST has not changed since it was published."""
    last = fn.get("published")
    if last and last["irev"] == latest["irev"]:
        found = catalog.version(tx, fk, str(last["version"]))
        if found is not None:
            return found
    number = fn.get("next_version", 1)
    fn["next_version"] = number + 1
    fn["published"] = {"irev": latest["irev"], "version": number}
    doc = copy.deepcopy(latest)
    doc.update({"v": str(number), "rev": store.new_revision(), "modified": tx.now})
    if description is not None:
        doc["cfg"]["Description"] = description
    key = store.vkey(fk, doc["v"])
    failed_update = (latest.get("update") or {}).get("status") == "Failed"
    if activation.pending(latest) or latest.get("live") is None or failed_update:
        # not (or not yet) runnable as configured: the version gets its own activation
        doc.update({"state": "Pending", "state_reason": activation.CREATING_REASON, "state_code": "Creating",
                    "update": None, "live": None})
        activation.schedule(tx, runtime, key)
    else:
        doc.update({"state": "Active", "state_reason": None, "state_code": None, "update": {"status": "Successful"}})
        doc["live"] = dict(latest["live"], cfg=doc["cfg"], rev=doc["rev"])
    code.retain(tx, code.shas_of(doc))
    latest["rev"] = store.new_revision()
    store.save(tx, store.NS_VERSIONS, key, doc)
    store.save(tx, store.NS_FUNCTIONS, fk, fn)
    store.touch(tx, runtime, fk)
    return key, doc


async def publish_version(ctx: Any, FunctionName: str, CodeSha256: str | None = None, Description: str | None = None,
                          RevisionId: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, _ = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    fk = store.fkey(account, region, name)
    await activation.settle(ctx.runtime, store.vkey(fk, LATEST), 2.0)

    def work(tx: Tx) -> dict[str, Any]:
        fn = catalog.function(tx, account, region, name)
        latest_key, latest = catalog.version(tx, fk, LATEST) or (None, None)
        assert latest_key is not None and latest is not None
        if RevisionId and RevisionId != latest["rev"]:
            raise revision_mismatch()
        current = latest["code"]["b64"]
        if CodeSha256 and CodeSha256 != current and not latest["code"].get("hot"):
            raise InvalidParameterValue(f"CodeSHA256 ({CodeSha256}) is different from current CodeSHA256 in $LATEST "
                                        f"({current}). Please try again with the CodeSHA256 in $LATEST.")
        if latest["state"] != "Active":
            raise in_state(latest["state"])
        if activation.pending(latest):
            raise update_in_progress(function_arn(region, account, name))
        _key, doc = publish(tx, ctx.runtime, fk, fn, latest, Description)
        store.save(tx, store.NS_VERSIONS, latest_key, latest)
        return configuration.render(doc, account, region, name, arn_qualifier=doc["v"])

    return await ctx.engine.transact(work)


async def list_versions_by_function(ctx: Any, FunctionName: str, Marker: str | None = None,
                                    MaxItems: int | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, _ = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> list[tuple[str, dict[str, Any]]]:
        catalog.function(tx, account, region, name)
        return catalog.versions(tx, fk)

    found = await ctx.engine.read(work)
    chunk, marker = store.page(found, lambda kv: kv[0].rsplit("/", 1)[1], Marker, MaxItems)
    out: dict[str, Any] = {"Versions": [configuration.render(doc, account, region, name, arn_qualifier=doc["v"],
                                                             listing=True) for _, doc in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out
