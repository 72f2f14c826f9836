"""Functions: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction,
UpdateFunctionCode, UpdateFunctionConfiguration — and :func:`resolve` / :func:`resolve_arn`,
which turn a name into the :class:`~squall.runtime.spec.FunctionSpec` the runtime executes
(implemented in :mod:`.resolver`, re-exported here).

A create or an update commits the new version document in a pending state (``State:
Pending`` / ``LastUpdateStatus: InProgress``) and returns; :mod:`.activation` then prepares
it (requirements) and makes it Active, as Lambda does
(https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). An update while the
previous one is still in progress is refused with Lambda's ResourceConflictException — after
waiting a moment for an activation running in this process, so quick scripts do not trip
over squall's (usually millisecond) preparation.
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import (
    activation,
    catalog,
    code,
    configuration,
    invoke_config,
    layers,
    names,
    policy,
    store,
    tags,
    urls,
    versions,
)
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    ResourceConflict,
    constraint,
    in_state,
    revision_mismatch,
    update_in_progress,
    validation,
)
from squall.services.lambda_.names import LATEST, function_arn
from squall.services.lambda_.resolver import resolve, resolve_arn

__all__ = [  # the operations, and the runtime's entry points
    "create_function", "delete_function", "get_function", "get_function_configuration", "list_functions",
    "resolve", "resolve_arn", "update_function_code", "update_function_configuration",
]

SETTLE = 2.0  # seconds an update waits for this process's activation of the previous change


async def _receive(ctx: Any, zip_file: bytes | None, bucket: str | None, key: str | None,
                   version: str | None, image_uri: str | None) -> code.Package:
    if image_uri:
        raise InvalidParameterValue("Please don't provide ImageUri when updating a function with packageType Zip.")
    if zip_file:
        return await code.from_zip(ctx.runtime, zip_file)
    if bucket == code.HOT_RELOAD_BUCKET:
        return code.hot_reload(key or "")
    if bucket and key:
        return await code.from_s3(ctx, bucket, key, version)
    raise InvalidParameterValue("Please provide a source for function code.")


def _layer_shas(cfg: dict[str, Any]) -> list[str]:
    return [layer["sha"] for layer in cfg.get("Layers") or () if layer.get("sha")]


def _start_update(tx: Tx, runtime: Any, key: str, doc: dict[str, Any]) -> None:
    """$LATEST changed: InProgress until :mod:`.activation` has prepared it."""
    doc.update({"irev": store.new_revision(), "rev": store.new_revision(), "modified": tx.now,
                "update": {"status": "InProgress", "reason": activation.CREATING_REASON, "code": "Creating"}})
    activation.schedule(tx, runtime, key)


def _check_idle(doc: dict[str, Any], arn: str) -> None:
    """Lambda refuses to change a function that is still being created or updated."""
    if doc["state"] != "Active":
        raise in_state(doc["state"])
    if activation.pending(doc):
        raise update_in_progress(arn)


def _locate(ctx: Any, function_name: str, qualifier: str | None = None) -> tuple[str, str, str, str | None]:
    return names.locate(function_name, qualifier, ctx.account_id, ctx.region)


# ---- CreateFunction -----------------------------------------------------------------------
async def create_function(ctx: Any, FunctionName: str, Role: str | None = None, Code: dict[str, Any] | None = None,
                          Runtime: str | None = None, Handler: str | None = None, Publish: bool | None = None,
                          Tags: dict[str, str] | None = None, Layers: list[str] | None = None,
                          **params: Any) -> dict[str, Any]:
    account, region, name, _ = names.locate(FunctionName, None, ctx.account_id, ctx.region, creating=True)
    cfg = configuration.apply({}, {**params, "Runtime": Runtime, "Handler": Handler, "Role": Role, "Layers": Layers},
                              name, creating=True)
    fn_tags = tags.check(Tags)
    source = Code or {}
    pkg = await _receive(ctx, source.get("ZipFile"), source.get("S3Bucket"), source.get("S3Key"),
                         source.get("S3ObjectVersion"), source.get("ImageUri"))
    fk = store.fkey(account, region, name)
    key = store.vkey(fk, LATEST)

    def work(tx: Tx) -> dict[str, Any]:
        if tx.get(store.NS_FUNCTIONS, fk) is not None:
            raise ResourceConflict(f"Function already exist: {name}")
        full = dict(cfg)
        if Layers:
            full["Layers"] = layers.references(tx, region, Layers)
        fn = {"created": tx.now, "tags": fn_tags, "next_version": 1, "reserved": None, "published": None}
        doc = {"v": LATEST, "cfg": full, "code": pkg.doc, "state": "Pending",
               "state_reason": activation.CREATING_REASON, "state_code": "Creating", "update": None,
               "rev": store.new_revision(), "irev": store.new_revision(), "modified": tx.now, "live": None}
        code.adopt(tx, ctx.runtime, pkg)
        code.retain(tx, _layer_shas(full))
        activation.schedule(tx, ctx.runtime, key)
        shown = doc
        if Publish:
            _key, shown = versions.publish(tx, ctx.runtime, fk, fn, doc)
        store.save(tx, store.NS_FUNCTIONS, fk, fn)
        store.save(tx, store.NS_VERSIONS, key, doc)
        store.touch(tx, ctx.runtime, fk)
        return configuration.render(shown, account, region, name)

    try:
        return await ctx.engine.transact(work)
    except BaseException:
        pkg.discard()
        raise


# ---- reads -------------------------------------------------------------------------------
async def get_function(ctx: Any, FunctionName: str, Qualifier: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    t = await ctx.engine.read(lambda tx: catalog.target(tx, account, region, name, qualifier))
    out: dict[str, Any] = {
        "Configuration": configuration.render(t.doc, account, region, name, arn_qualifier=qualifier),
        "Code": {"RepositoryType": "S3", "Location": code.location(ctx, t.doc["code"])},
    }
    if t.function.get("tags"):
        out["Tags"] = t.function["tags"]
    if t.function.get("reserved") is not None:
        out["Concurrency"] = {"ReservedConcurrentExecutions": t.function["reserved"]}
    return out


async def get_function_configuration(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                     **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    t = await ctx.engine.read(lambda tx: catalog.target(tx, account, region, name, qualifier))
    return configuration.render(t.doc, account, region, name, arn_qualifier=qualifier)


async def list_functions(ctx: Any, MasterRegion: str | None = None, FunctionVersion: str | None = None,
                         Marker: str | None = None, MaxItems: int | None = None, **_: Any) -> dict[str, Any]:
    if FunctionVersion is not None and FunctionVersion != "ALL":
        raise validation(constraint(FunctionVersion, "functionVersion", "Member must satisfy enum value set: [ALL]"))
    every = FunctionVersion == "ALL"
    prefix = f"{ctx.account_id}/{ctx.region}/"
    found = await ctx.engine.read(lambda tx: [
        (k[len(prefix):], d) for k, d in store.scan(tx, store.NS_VERSIONS, prefix) if every or d["v"] == LATEST])
    chunk, marker = store.page(found, lambda kv: kv[0], Marker, MaxItems)
    out: dict[str, Any] = {"Functions": [
        configuration.render(d, ctx.account_id, ctx.region, k.rsplit("/", 1)[0],
                             arn_qualifier=d["v"] if every else None, listing=True) for k, d in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


# ---- DeleteFunction ----------------------------------------------------------------------
async def delete_function(ctx: Any, FunctionName: str, Qualifier: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    if qualifier == LATEST:
        raise InvalidParameterValue("$LATEST version cannot be deleted without deleting the function.")
    if qualifier and not names.is_version(qualifier):
        raise InvalidParameterValue("Deletion of aliases is not currently supported.")
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> None:
        catalog.function(tx, account, region, name)
        if qualifier:
            found = catalog.version(tx, fk, qualifier)
            if found is None:
                return
            users = [a["Name"] for _, a in catalog.aliases(tx, fk)
                     if a["FunctionVersion"] == qualifier or qualifier in (a.get("Weights") or {})]
            if users:
                raise ResourceConflict("Unable to delete version because the following aliases reference it: "
                                       f"[{', '.join(users)}]")
            tx.delete(store.NS_VERSIONS, found[0])
            code.release(tx, ctx.runtime, code.shas_of(found[1]))
            policy.drop(tx, fk, qualifier)
            invoke_config.drop(tx, fk, qualifier)
        else:
            for key, doc in catalog.versions(tx, fk):
                tx.delete(store.NS_VERSIONS, key)
                code.release(tx, ctx.runtime, code.shas_of(doc))
            tx.delete_prefix(store.NS_ALIASES, fk + "/")
            policy.drop(tx, fk)
            invoke_config.drop(tx, fk)
            urls.drop(tx, ctx.runtime, fk)
            tx.delete(store.NS_FUNCTIONS, fk)
        store.touch(tx, ctx.runtime, fk)

    await ctx.engine.transact(work)
    return {"StatusCode": 204}


# ---- updates -----------------------------------------------------------------------------
async def update_function_code(ctx: Any, FunctionName: str, ZipFile: bytes | None = None, S3Bucket: str | None = None,
                               S3Key: str | None = None, S3ObjectVersion: str | None = None,
                               ImageUri: str | None = None, Publish: bool | None = None, DryRun: bool | None = None,
                               RevisionId: str | None = None, Architectures: list[str] | None = None,
                               **_: Any) -> dict[str, Any]:
    account, region, name, _ = _locate(ctx, FunctionName)
    archs = configuration.architectures(Architectures) if Architectures is not None else None
    fk = store.fkey(account, region, name)
    key = store.vkey(fk, LATEST)
    await ctx.engine.read(lambda tx: catalog.function(tx, account, region, name))  # fail before receiving code
    await activation.settle(ctx.runtime, key, SETTLE)
    pkg = await _receive(ctx, ZipFile, S3Bucket, S3Key, S3ObjectVersion, ImageUri)

    def work(tx: Tx) -> dict[str, Any]:
        fn = catalog.function(tx, account, region, name)
        doc = store.load(tx, store.NS_VERSIONS, key)
        assert doc is not None
        if RevisionId and RevisionId != doc["rev"]:
            raise revision_mismatch()
        _check_idle(doc, function_arn(region, account, name))
        if DryRun:
            preview = dict(doc, code=pkg.doc)
            return configuration.render(preview, account, region, name)
        code.adopt(tx, ctx.runtime, pkg)
        if doc["code"].get("sha"):
            code.release(tx, ctx.runtime, [doc["code"]["sha"]])
        doc["code"] = pkg.doc
        if archs is not None:
            doc["cfg"]["Architectures"] = archs
        _start_update(tx, ctx.runtime, key, doc)
        shown, qualifier = doc, None
        if Publish:
            _key, shown = versions.publish(tx, ctx.runtime, fk, fn, doc)
            qualifier = shown["v"]
        store.save(tx, store.NS_VERSIONS, key, doc)
        store.touch(tx, ctx.runtime, fk)
        return configuration.render(shown, account, region, name, arn_qualifier=qualifier)

    try:
        result = await ctx.engine.transact(work)
    except BaseException:
        pkg.discard()
        raise
    if DryRun:
        pkg.discard()
    return result


async def update_function_configuration(ctx: Any, FunctionName: str, RevisionId: str | None = None,
                                        Layers: list[str] | None = None, **params: Any) -> dict[str, Any]:
    account, region, name, _ = _locate(ctx, FunctionName)
    fk = store.fkey(account, region, name)
    key = store.vkey(fk, LATEST)
    await activation.settle(ctx.runtime, key, SETTLE)

    def work(tx: Tx) -> dict[str, Any]:
        catalog.function(tx, account, region, name)
        doc = store.load(tx, store.NS_VERSIONS, key)
        assert doc is not None
        if RevisionId and RevisionId != doc["rev"]:
            raise revision_mismatch()
        _check_idle(doc, function_arn(region, account, name))
        cfg = configuration.apply(doc["cfg"], {**params, "Layers": Layers}, name, creating=False)
        if Layers is not None:
            cfg["Layers"] = layers.references(tx, region, Layers)
            code.retain(tx, _layer_shas(cfg))
            code.release(tx, ctx.runtime, _layer_shas(doc["cfg"]))
        doc["cfg"] = cfg
        _start_update(tx, ctx.runtime, key, doc)
        store.save(tx, store.NS_VERSIONS, key, doc)
        store.touch(tx, ctx.runtime, fk)
        return configuration.render(doc, account, region, name)

    return await ctx.engine.transact(work)
