"""Looking functions, versions and aliases up inside a transaction, with Lambda's errors.

Every operation that names a function goes through here so a missing function, version or
alias is reported the same way everywhere (``Function not found: ARN[:QUALIFIER]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import store
from squall.services.lambda_.errors import function_not_found
from squall.services.lambda_.names import LATEST, function_arn, is_version


@dataclass
class Target:
    """A function version found through a name and qualifier."""

    account: str
    region: str
    name: str
    fk: str
    function: dict[str, Any]  # the lambda/functions record
    doc: dict[str, Any]  # the version document
    key: str  # its record key
    alias: dict[str, Any] | None = None  # set when the qualifier was an alias
    alias_name: str | None = None

    @property
    def arn(self) -> str:
        return function_arn(self.region, self.account, self.name)

    @property
    def version(self) -> str:
        return self.doc["v"]


def function(tx: Tx, account: str, region: str, name: str, qualifier: str | None = None) -> dict[str, Any]:
    """The function record, or ``Function not found`` (qualified in the message when asked so)."""
    rec = store.load(tx, store.NS_FUNCTIONS, store.fkey(account, region, name))
    if rec is None:
        raise function_not_found(function_arn(region, account, name, qualifier))
    return rec


def version(tx: Tx, fk: str, version_name: str) -> tuple[str, dict[str, Any]] | None:
    key = store.vkey(fk, version_name)
    doc = store.load(tx, store.NS_VERSIONS, key)
    return (key, doc) if doc is not None else None


def target(tx: Tx, account: str, region: str, name: str, qualifier: str | None) -> Target:
    """The version a FunctionName/Qualifier pair designates (an alias resolves to its main version)."""
    fk = store.fkey(account, region, name)
    fn = function(tx, account, region, name, qualifier)
    qual = qualifier or LATEST
    if qual == LATEST or is_version(qual):
        found = version(tx, fk, qual)
        if found is None:
            raise function_not_found(function_arn(region, account, name, qual))
        return Target(account, region, name, fk, fn, found[1], found[0])
    alias = store.load(tx, store.NS_ALIASES, f"{fk}/{qual}")
    found = version(tx, fk, alias["FunctionVersion"]) if alias is not None else None
    if alias is None or found is None:
        raise function_not_found(function_arn(region, account, name, qual))
    return Target(account, region, name, fk, fn, found[1], found[0], alias, qual)


def versions(tx: Tx, fk: str) -> list[tuple[str, dict[str, Any]]]:
    """Every version of a function, $LATEST first, then in numeric order."""
    return store.scan(tx, store.NS_VERSIONS, fk + "/")


def aliases(tx: Tx, fk: str) -> list[tuple[str, dict[str, Any]]]:
    return store.scan(tx, store.NS_ALIASES, fk + "/")


def qualifier_exists(tx: Tx, fk: str, qualifier: str) -> bool:
    if qualifier == LATEST or is_version(qualifier):
        return version(tx, fk, qualifier) is not None
    return tx.get(store.NS_ALIASES, f"{fk}/{qualifier}") is not None
