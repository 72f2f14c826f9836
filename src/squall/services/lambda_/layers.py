"""Layers: PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions,
DeleteLayerVersion and the layer version policy operations.

A layer version's zip is stored and extracted like function code (:mod:`.code`); functions
reference layer versions by ARN and get the extracted directories, in order, as
``FunctionSpec.layer_dirs`` (the runtime puts ``<layer>/python`` and
``<layer>/python/lib/python3.X/site-packages`` on ``sys.path`` as Lambda's ``/opt`` does).
Version numbers are never reused, even after every version was deleted; a deleted version
stays usable by the functions that already reference it.
https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.lambda_ import code, runtimes, store
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
    constraint,
    not_exist,
    revision_mismatch,
    validation,
)
from squall.services.lambda_.names import layer_arn
from squall.services.lambda_.policy import document

_NAME = re.compile(r"(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:)?"
                   r"(?P<name>[a-zA-Z0-9_-]{1,140})")
_VERSION_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
                          r"(?P<name>[a-zA-Z0-9_-]+):(?P<version>[0-9]+)")
_VERSION_ARN_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
                        r"layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
ARCHITECTURES = ("x86_64", "arm64")


def _vkey(account: str, region: str, name: str, version: int) -> str:
    return f"{account}/{region}/{name}/{version:010d}"


def _name(ctx: Any, layer_name: str) -> tuple[str, str, str]:
    m = _NAME.fullmatch(layer_name or "")
    if m is None:
        raise validation(constraint(layer_name, "layerName", "Member must satisfy regular expression pattern: "
                                    r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|"
                                    r"[a-zA-Z0-9-_]+"))
    return m["account"] or ctx.account_id, m["region"] or ctx.region, m["name"]


def _check_version(number: int) -> None:
    if number < 1:
        raise InvalidParameterValue("Layer Version Cannot be less than 1")


def _check_compat(compatible_runtimes: list[str] | None, archs: list[str] | None) -> None:
    problems = []
    if compatible_runtimes and set(compatible_runtimes) - runtimes.KNOWN:
        problems.append(constraint(f"[{', '.join(compatible_runtimes)}]", "compatibleRuntimes",
                                   f"Member must satisfy enum value set: {runtimes.ENUM_TEXT}"))
    if archs and set(archs) - set(ARCHITECTURES):
        problems.append(constraint(f"[{', '.join(archs)}]", "compatibleArchitectures",
                                   "Member must satisfy constraint: [Member must satisfy enum value set: "
                                   "[x86_64, arm64], Member must not be null]"))
    if problems:
        raise validation(*problems)


def render(ctx: Any, doc: dict[str, Any], *, listing: bool = False) -> dict[str, Any]:
    arn = layer_arn(doc["region"], doc["account"], doc["name"])
    out: dict[str, Any] = {"LayerVersionArn": f"{arn}:{doc['version']}", "Version": doc["version"],
                           "Description": doc.get("description") or "", "CreatedDate": store.lambda_date(doc["created"])}
    for member, field in (("CompatibleRuntimes", "runtimes"), ("CompatibleArchitectures", "archs"),
                          ("LicenseInfo", "license")):
        if doc.get(field) is not None:
            out[member] = doc[field]
    if not listing:
        out["LayerArn"] = arn
        out["Content"] = {"Location": code.location(ctx, doc["code"]), "CodeSha256": doc["code"]["b64"],
                          "CodeSize": doc["code"]["size"]}
    return out


async def publish_layer_version(ctx: Any, LayerName: str, Content: dict[str, Any], Description: str | None = None,
                                CompatibleRuntimes: list[str] | None = None, LicenseInfo: str | None = None,
                                CompatibleArchitectures: list[str] | None = None, **_: Any) -> dict[str, Any]:
    account, region, name = _name(ctx, LayerName)
    _check_compat(CompatibleRuntimes, CompatibleArchitectures)
    if Content.get("ZipFile"):
        pkg = await code.from_zip(ctx.runtime, Content["ZipFile"])
    elif Content.get("S3Bucket") == code.HOT_RELOAD_BUCKET:
        pkg = code.hot_reload(Content.get("S3Key") or "")
    elif Content.get("S3Bucket") and Content.get("S3Key"):
        pkg = await code.from_s3(ctx, Content["S3Bucket"], Content["S3Key"], Content.get("S3ObjectVersion"))
    else:
        raise InvalidParameterValue("Please provide a source for layer code.")

    def work(tx: Tx) -> dict[str, Any]:
        counter_key = f"{account}/{region}/{name}"
        raw = tx.get(store.NS_LAYER_NAMES, counter_key)
        number = int(raw) if raw else 1
        tx.put(store.NS_LAYER_NAMES, counter_key, str(number + 1).encode())
        doc = {"account": account, "region": region, "name": name, "version": number, "created": tx.now,
               "description": Description or "", "runtimes": CompatibleRuntimes, "archs": CompatibleArchitectures,
               "license": LicenseInfo, "code": pkg.doc, "policy": None}
        code.adopt(tx, ctx.runtime, pkg)
        store.save(tx, store.NS_LAYERS, _vkey(account, region, name, number), doc)
        return doc

    try:
        doc = await ctx.engine.transact(work)
    except BaseException:
        pkg.discard()
        raise
    return render(ctx, doc)


def _load(tx: Tx, account: str, region: str, name: str, number: int) -> dict[str, Any] | None:
    return store.load(tx, store.NS_LAYERS, _vkey(account, region, name, number))


async def get_layer_version(ctx: Any, LayerName: str, VersionNumber: int, **_: Any) -> dict[str, Any]:
    account, region, name = _name(ctx, LayerName)
    _check_version(VersionNumber)
    doc = await ctx.engine.read(lambda tx: _load(tx, account, region, name, VersionNumber))
    if doc is None:
        raise not_exist()
    return render(ctx, doc)


async def get_layer_version_by_arn(ctx: Any, Arn: str, **_: Any) -> dict[str, Any]:
    m = _VERSION_ARN.fullmatch(Arn or "")
    if m is None:
        raise validation(constraint(Arn, "arn", f"Member must satisfy regular expression pattern: {_VERSION_ARN_PATTERN}"))
    return await get_layer_version(ctx, f"arn:aws:lambda:{m['region']}:{m['account']}:layer:{m['name']}",
                                   int(m["version"]))


def _matches(doc: dict[str, Any], runtime: str | None, arch: str | None) -> bool:
    return ((runtime is None or runtime in (doc.get("runtimes") or ()))
            and (arch is None or arch in (doc.get("archs") or ())))


def _check_filters(runtime: str | None, arch: str | None) -> None:
    if runtime is not None and runtime not in runtimes.KNOWN:
        raise validation(constraint(runtime, "compatibleRuntime",
                                    f"Member must satisfy enum value set: {runtimes.ENUM_TEXT}"))
    if arch is not None and arch not in ARCHITECTURES:
        raise validation(constraint(arch, "compatibleArchitecture",
                                    "Member must satisfy enum value set: [x86_64, arm64]"))


async def list_layers(ctx: Any, CompatibleRuntime: str | None = None, Marker: str | None = None,
                      MaxItems: int | None = None, CompatibleArchitecture: str | None = None,
                      **_: Any) -> dict[str, Any]:
    _check_filters(CompatibleRuntime, CompatibleArchitecture)
    prefix = f"{ctx.account_id}/{ctx.region}/"
    docs = await ctx.engine.read(lambda tx: [d for _, d in store.scan(tx, store.NS_LAYERS, prefix)])
    latest: dict[str, dict[str, Any]] = {}
    for doc in docs:  # in key order: versions ascending, so the last match per layer wins
        if _matches(doc, CompatibleRuntime, CompatibleArchitecture):
            latest[doc["name"]] = doc
    items = sorted(latest.values(), key=lambda d: d["name"])
    chunk, marker = store.page(items, lambda d: d["name"], Marker, MaxItems)
    out: dict[str, Any] = {"Layers": [{"LayerName": d["name"], "LayerArn": layer_arn(d["region"], d["account"],
                                                                                        d["name"]),
                                       "LatestMatchingVersion": render(ctx, d, listing=True)} for d in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


async def list_layer_versions(ctx: Any, LayerName: str, CompatibleRuntime: str | None = None,
                              Marker: str | None = None, MaxItems: int | None = None,
                              CompatibleArchitecture: str | None = None, **_: Any) -> dict[str, Any]:
    _check_filters(CompatibleRuntime, CompatibleArchitecture)
    account, region, name = _name(ctx, LayerName)
    docs = await ctx.engine.read(
        lambda tx: [d for _, d in store.scan(tx, store.NS_LAYERS, f"{account}/{region}/{name}/")])
    docs = [d for d in reversed(docs) if _matches(d, CompatibleRuntime, CompatibleArchitecture)]
    chunk, marker = store.page(docs, lambda d: f"{10**10 - d['version']:010d}", Marker, MaxItems)
    out: dict[str, Any] = {"LayerVersions": [render(ctx, d, listing=True) for d in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


async def delete_layer_version(ctx: Any, LayerName: str, VersionNumber: int, **_: Any) -> dict[str, Any]:
    account, region, name = _name(ctx, LayerName)
    _check_version(VersionNumber)

    def work(tx: Tx) -> None:
        key = _vkey(account, region, name, VersionNumber)
        doc = store.load(tx, store.NS_LAYERS, key)
        if doc is not None:
            tx.delete(store.NS_LAYERS, key)
            if doc["code"].get("sha"):
                code.release(tx, ctx.runtime, [doc["code"]["sha"]])

    await ctx.engine.transact(work)
    return {}


def references(tx: Tx, function_region: str, arns: list[str]) -> list[dict[str, Any]]:
    """The ``Layers`` entries a function version stores for these layer version ARNs (checked
    for form by ``configuration.check_layer_arns``): ARN, size and where the code is."""
    out = []
    for arn in arns:
        m = _VERSION_ARN.fullmatch(arn)
        assert m is not None
        if m["region"] != function_region:
            raise InvalidParameterValue("Layers are not in the same region as the function. Layers are expected to "
                                        f"be in region {function_region}.")
        doc = _load(tx, m["account"], m["region"], m["name"], int(m["version"]))
        if doc is None:
            raise InvalidParameterValue(f"Layer version {arn} does not exist.")
        entry = {"Arn": arn, "CodeSize": doc["code"]["size"]}
        entry.update({"hot": doc["code"]["hot"]} if doc["code"].get("hot") else {"sha": doc["code"]["sha"]})
        out.append(entry)
    return out


# ---- layer version policies --------------------------------------------------------------
def _require(tx: Tx, ctx: Any, layer_name: str, number: int) -> tuple[str, dict[str, Any]]:
    account, region, name = _name(ctx, layer_name)
    key = _vkey(account, region, name, number)
    doc = store.load(tx, store.NS_LAYERS, key)
    if doc is None:
        raise ResourceNotFound(f"Layer version {layer_arn(region, account, name, number)} does not exist.")
    return key, doc


async def add_layer_version_permission(ctx: Any, LayerName: str, VersionNumber: int, StatementId: str, Action: str,
                                       Principal: str, OrganizationId: str | None = None,
                                       RevisionId: str | None = None, **_: Any) -> dict[str, Any]:
    if Action != "lambda:GetLayerVersion":
        raise validation(constraint(Action, "action",
                                    "Member must satisfy regular expression pattern: lambda:GetLayerVersion"))
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,100}", StatementId or ""):
        raise validation(constraint(StatementId, "statementId",
                                    "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"))
    if Principal != "*" and not re.fullmatch(r"\d{12}|arn:aws[a-zA-Z-]*:iam::\d{12}:root", Principal or ""):
        raise validation(constraint(Principal, "principal", "Member must satisfy regular expression pattern: "
                                    r"\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root"))

    def work(tx: Tx) -> dict[str, Any]:
        key, doc = _require(tx, ctx, LayerName, VersionNumber)
        pol = doc.get("policy") or {"statements": [], "rev": None}
        if RevisionId and RevisionId != pol["rev"]:
            raise revision_mismatch("GetLayerPolicy")
        if any(s["Sid"] == StatementId for s in pol["statements"]):
            raise ResourceConflict(f"The statement id ({StatementId}) provided already exists. Please provide a new "
                                   "statement id, or remove the existing statement.")
        who: Any = "*" if Principal == "*" else {"AWS": Principal if Principal.startswith("arn:")
                                                 else f"arn:aws:iam::{Principal}:root"}
        statement: dict[str, Any] = {"Sid": StatementId, "Effect": "Allow", "Principal": who, "Action": Action,
                                     "Resource": layer_arn(doc["region"], doc["account"], doc["name"], VersionNumber)}
        if OrganizationId:
            statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": OrganizationId}}
        pol["statements"].append(statement)
        pol["rev"] = store.new_revision()
        doc["policy"] = pol
        store.save(tx, store.NS_LAYERS, key, doc)
        return {"Statement": orjson.dumps(statement).decode(), "RevisionId": pol["rev"]}

    return await ctx.engine.transact(work)


async def remove_layer_version_permission(ctx: Any, LayerName: str, VersionNumber: int, StatementId: str,
                                          RevisionId: str | None = None, **_: Any) -> dict[str, Any]:
    def work(tx: Tx) -> None:
        key, doc = _require(tx, ctx, LayerName, VersionNumber)
        pol = doc.get("policy") or {"statements": [], "rev": None}
        if RevisionId and RevisionId != pol["rev"]:
            raise revision_mismatch("GetLayerPolicy")
        kept = [s for s in pol["statements"] if s["Sid"] != StatementId]
        if len(kept) == len(pol["statements"]):
            raise ResourceNotFound(f"Statement {StatementId} is not found in resource policy.")
        doc["policy"] = {"statements": kept, "rev": store.new_revision()} if kept else None
        store.save(tx, store.NS_LAYERS, key, doc)

    await ctx.engine.transact(work)
    return {}


async def get_layer_version_policy(ctx: Any, LayerName: str, VersionNumber: int, **_: Any) -> dict[str, Any]:
    _key, doc = await ctx.engine.read(lambda tx: _require(tx, ctx, LayerName, VersionNumber))
    pol = doc.get("policy")
    if not pol or not pol["statements"]:
        raise ResourceNotFound("No policy is associated with the given resource.")
    return {"Policy": document(pol["statements"]), "RevisionId": pol["rev"]}
