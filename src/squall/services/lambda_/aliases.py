"""CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

An alias points to a version and may send a share of invocations to one other version
(``RoutingConfig.AdditionalVersionWeights``, https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html):
at most one extra version, weights 0.0–1.0, both versions published (not $LATEST).
``functions.resolve`` follows aliases and picks the version by weight.
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import catalog, invoke_config, names, policy, store, urls
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
    constraint,
    function_not_found,
    revision_mismatch,
    validation,
)
from squall.services.lambda_.names import ALIAS_PATTERN, LATEST, function_arn


def _check_name(name: str) -> None:
    if not names.is_alias(name or "") or len(name) > 128:
        raise validation(constraint(name, "name", f"Member must satisfy regular expression pattern: {ALIAS_PATTERN}"))


def _check_routing(routing: dict[str, Any] | None, main: str | None) -> dict[str, float]:
    weights = dict((routing or {}).get("AdditionalVersionWeights") or {})
    shown = "{" + ", ".join(f"{k}={float(v)}" for k, v in weights.items()) + "}"
    where = "routingConfig.additionalVersionWeights"
    if any(not names.is_version(k) for k in weights):
        raise validation(constraint(shown, where, "Map keys must satisfy constraint: [Member must have length less "
                                    "than or equal to 1024, Member must have length greater than or equal to 1, "
                                    "Member must satisfy regular expression pattern: [0-9]+]"))
    if any(not 0.0 <= float(v) <= 1.0 for v in weights.values()):
        raise validation(constraint(shown, where, "Map value must satisfy constraint: [Member must have value less "
                                    "than or equal to 1.0, Member must have value greater than or equal to 0.0, "
                                    "Member must not be null]"))
    if len(weights) > 1:
        raise InvalidParameterValue("Number of items in AdditionalVersionWeights cannot be greater than 1")
    if weights and main == LATEST:
        raise InvalidParameterValue("$LATEST is not supported for an alias pointing to more than 1 version")
    if main in weights:
        raise InvalidParameterValue(f"Invalid function version {main}. Function version {main} is already included "
                                    "in routing configuration.")
    return {k: float(v) for k, v in weights.items()}


def _require_versions(tx: Tx, fk: str, arn: str, versions: list[str]) -> None:
    for version in versions:
        if catalog.version(tx, fk, version) is None:
            raise function_not_found(f"{arn}:{version}")


def render(doc: dict[str, Any], arn: str) -> dict[str, Any]:
    out = {"AliasArn": f"{arn}:{doc['Name']}", "Name": doc["Name"], "FunctionVersion": doc["FunctionVersion"],
           "Description": doc.get("Description") or "", "RevisionId": doc["RevisionId"]}
    if doc.get("Weights"):
        out["RoutingConfig"] = {"AdditionalVersionWeights": doc["Weights"]}
    return out


def _locate(ctx: Any, function_name: str) -> tuple[str, str, str, str]:
    account, region, name, _ = names.locate(function_name, None, ctx.account_id, ctx.region)
    return account, region, name, store.fkey(account, region, name)


async def create_alias(ctx: Any, FunctionName: str, Name: str, FunctionVersion: str, Description: str | None = None,
                       RoutingConfig: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
    _check_name(Name)
    weights = _check_routing(RoutingConfig, FunctionVersion)
    account, region, name, fk = _locate(ctx, FunctionName)
    arn = function_arn(region, account, name)

    def work(tx: Tx) -> dict[str, Any]:
        catalog.function(tx, account, region, name, FunctionVersion)
        _require_versions(tx, fk, arn, [FunctionVersion, *weights])
        key = f"{fk}/{Name}"
        if tx.get(store.NS_ALIASES, key) is not None:
            raise ResourceConflict(f"Alias already exists: {arn}:{Name}")
        doc = {"Name": Name, "FunctionVersion": FunctionVersion, "Description": Description or "",
               "Weights": weights, "RevisionId": store.new_revision()}
        store.save(tx, store.NS_ALIASES, key, doc)
        store.touch(tx, ctx.runtime, fk)
        return render(doc, arn)

    return await ctx.engine.transact(work)


async def get_alias(ctx: Any, FunctionName: str, Name: str, **_: Any) -> dict[str, Any]:
    account, region, name, fk = _locate(ctx, FunctionName)
    arn = function_arn(region, account, name)

    def work(tx: Tx) -> dict[str, Any]:
        catalog.function(tx, account, region, name)
        doc = store.load(tx, store.NS_ALIASES, f"{fk}/{Name}")
        if doc is None:
            raise ResourceNotFound(f"Cannot find alias arn: {arn}:{Name}")
        return render(doc, arn)

    return await ctx.engine.read(work)


async def update_alias(ctx: Any, FunctionName: str, Name: str, FunctionVersion: str | None = None,
                       Description: str | None = None, RoutingConfig: dict[str, Any] | None = None,
                       RevisionId: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, fk = _locate(ctx, FunctionName)
    arn = function_arn(region, account, name)

    def work(tx: Tx) -> dict[str, Any]:
        catalog.function(tx, account, region, name)
        key = f"{fk}/{Name}"
        doc = store.load(tx, store.NS_ALIASES, key)
        if doc is None:
            raise ResourceNotFound(f"Alias not found: {arn}:{Name}")
        if RevisionId and RevisionId != doc["RevisionId"]:
            raise revision_mismatch()
        main = FunctionVersion or doc["FunctionVersion"]
        weights = _check_routing(RoutingConfig, main) if RoutingConfig is not None else doc.get("Weights") or {}
        if RoutingConfig is None and main in weights:
            weights = {}
        _require_versions(tx, fk, arn, [main, *weights])
        doc.update({"FunctionVersion": main, "Weights": weights, "RevisionId": store.new_revision()})
        if Description is not None:
            doc["Description"] = Description
        store.save(tx, store.NS_ALIASES, key, doc)
        store.touch(tx, ctx.runtime, fk)
        return render(doc, arn)

    return await ctx.engine.transact(work)


async def delete_alias(ctx: Any, FunctionName: str, Name: str, **_: Any) -> dict[str, Any]:
    account, region, name, fk = _locate(ctx, FunctionName)

    def work(tx: Tx) -> None:
        catalog.function(tx, account, region, name)
        if tx.delete(store.NS_ALIASES, f"{fk}/{Name}"):
            policy.drop(tx, fk, Name)
            invoke_config.drop(tx, fk, Name)
            urls.drop(tx, ctx.runtime, fk, Name)
            store.touch(tx, ctx.runtime, fk)

    await ctx.engine.transact(work)
    return {}


async def list_aliases(ctx: Any, FunctionName: str, FunctionVersion: str | None = None, Marker: str | None = None,
                       MaxItems: int | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, fk = _locate(ctx, FunctionName)
    arn = function_arn(region, account, name)

    def work(tx: Tx) -> list[dict[str, Any]]:
        catalog.function(tx, account, region, name)
        return [doc for _, doc in catalog.aliases(tx, fk)
                if FunctionVersion is None or doc["FunctionVersion"] == FunctionVersion]

    found = await ctx.engine.read(work)
    chunk, marker = store.page(found, lambda d: d["Name"], Marker, MaxItems)
    out: dict[str, Any] = {"Aliases": [render(d, arn) for d in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out
