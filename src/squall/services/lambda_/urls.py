"""Function URLs: Create/Get/Update/Delete/ListFunctionUrlConfig(s) — and the lookup the data plane
(:mod:`.url_serving`) uses to find a URL by its id.

https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html. A function has at most one
URL per target: the function itself (no ``Qualifier``: it runs ``$LATEST``) or one alias. Lambda
refuses ``$LATEST`` and version numbers as a ``Qualifier`` here with a ValidationException on the
model's pattern — recorded AWS behaviour (LocalStack's AWS-validated snapshots
``TestLambdaUrl::test_url_config_exceptions``), although the API reference lists ``$LATEST``. The
error wording per operation ("Function does not exist" vs "The resource you requested does not
exist.") follows the same recordings.

Records:

* ``lambda/urls`` ``{fk}/{qualifier}`` (``$LATEST`` for the function itself) → ``{"id", "auth",
  "cors", "mode", "created", "modified", "fn"}``; ``fn`` is the ``created`` stamp of the function
  record the URL belongs to, so a URL left behind by a deleted function (DeleteFunction does not
  know about URLs yet: see :func:`drop`) never attaches to a new function of the same name;
* ``lambda/url-ids`` ``{url id}`` → ``{"k": "{fk}/{qualifier}"}``: the data plane's index.

The URL id is 32 lowercase letters and digits, as AWS's; the ``FunctionUrl`` is rendered per
request as ``http://{id}.lambda-url.{region}.localhost:{port}/`` with the port the caller used.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import names, store
from squall.services.lambda_.errors import (
    ResourceConflict,
    ResourceNotFound,
    check_range,
    constraint,
    not_exist,
    validation,
)
from squall.services.lambda_.names import LATEST, function_arn
from squall.services.refreshing import Refreshing, kept

NS_URLS = "lambda/urls"
NS_URL_IDS = "lambda/url-ids"

AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
QUALIFIER_PATTERN = r"((?!^\d+$)^[0-9a-zA-Z-_]+$)"
_QUALIFIER = re.compile(r"(?!\d+$)[0-9a-zA-Z_-]+")
FUNCTION_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                         r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]{1,64})(:((?!\d+$)[0-9a-zA-Z-_]+))?")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
NO_FUNCTION = "Function does not exist"
#: (member, max items, min item length, max item length) of the Cors lists, from the model
_CORS_LISTS = (("AllowHeaders", 100, 0, 1024), ("AllowMethods", 6, 0, 6), ("AllowOrigins", 100, 1, 253),
               ("ExposeHeaders", 100, 0, 1024))
CACHE_TTL = store.CACHE_TTL


# ---- validation ------------------------------------------------------------------------------
def _enum(value: str | None, where: str, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise validation(constraint(value, where, f"Member must satisfy enum value set: [{', '.join(allowed)}]"))


def _java_list(items: list[Any]) -> str:
    return "[" + ", ".join(str(i) for i in items) + "]"


def check_cors(cors: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Cors structure as Lambda validates it (the model's list and length constraints)."""
    if cors is None:
        return None
    problems = []
    for member, max_items, min_len, max_len in _CORS_LISTS:
        items = cors.get(member)
        if items is None:
            continue
        where = f"cors.{member[0].lower()}{member[1:]}"
        if len(items) > max_items:
            problems.append(constraint(_java_list(items), where,
                                       f"Member must have length less than or equal to {max_items}"))
        elif any(not min_len <= len(str(i)) <= max_len for i in items):
            problems.append(constraint(_java_list(items), where, (
                f"Member must satisfy constraint: [Member must have length less than or equal to {max_len}, "
                f"Member must have length greater than or equal to {min_len}, "
                "Member must satisfy regular expression pattern: .*]")))
    age = cors.get("MaxAge")
    if age is not None and not 0 <= age <= 86400:
        bound = "greater than or equal to 0" if age < 0 else "less than or equal to 86400"
        problems.append(constraint(age, "cors.maxAge", f"Member must have value {bound}"))
    if problems:
        raise validation(*problems)
    return {k: v for k, v in cors.items() if v is not None}


def _locate(ctx: Any, function_name: str, qualifier: str | None) -> tuple[str, str, str, str]:
    """``(account, region, name, qualifier or $LATEST)``, with the URL operations' qualifier rule
    (an alias name only) checked before anything else, as Lambda does."""
    if qualifier is not None and (len(qualifier) > 128 or not _QUALIFIER.fullmatch(qualifier)):
        raise validation(constraint(qualifier, "qualifier",
                                    f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"))
    account, region, name, qual = names.locate(function_name, qualifier, ctx.account_id, ctx.region)
    if qual is not None and qualifier is None and not _QUALIFIER.fullmatch(qual):
        raise validation(constraint(function_name, "functionName",
                                    f"Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"))
    return account, region, name, qual or LATEST


def _iso(ts: float) -> str:
    """Function URLs' timestamps: ``2024-01-01T00:00:00.123456Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def url_of(ctx: Any, url_id: str, region: str) -> str:
    """``http://{id}.lambda-url.{region}.localhost:{port}/``, on the port the caller reached squall by."""
    host = ctx.request.headers.get("host", "") if getattr(ctx, "request", None) is not None else ""
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else str(ctx.runtime.settings.port)
    scheme = getattr(ctx.request, "scheme", "http") if getattr(ctx, "request", None) is not None else "http"
    return f"{scheme}://{url_id}.lambda-url.{region}.localhost:{port}/"


# ---- records ---------------------------------------------------------------------------------
def _key(fk: str, qualifier: str) -> str:
    return f"{fk}/{qualifier}"


def _live(tx: Tx, fk: str, qualifier: str, fn: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The URL document of ``fk``/``qualifier`` if it belongs to the function as it exists now
    (same function record, alias still there), else None."""
    doc = store.load(tx, NS_URLS, _key(fk, qualifier))
    if doc is None:
        return None
    fn = fn if fn is not None else store.load(tx, store.NS_FUNCTIONS, fk)
    if fn is None or fn.get("created") != doc.get("fn"):
        return None
    if qualifier != LATEST and tx.get(store.NS_ALIASES, f"{fk}/{qualifier}") is None:
        return None
    return doc


def _remove(tx: Tx, runtime: Any, fk: str, qualifier: str) -> bool:
    doc = store.load(tx, NS_URLS, _key(fk, qualifier))
    if doc is None:
        return False
    tx.delete(NS_URLS, _key(fk, qualifier))
    tx.delete(NS_URL_IDS, doc["id"])
    forget(tx, runtime, doc["id"])
    return True


def drop(tx: Tx, runtime: Any, fk: str, qualifier: str | None = None) -> None:
    """Forget the URL of a deleted alias, or every URL of a deleted function (DeleteAlias,
    DeleteFunction call it in their transaction)."""
    if qualifier is not None:
        _remove(tx, runtime, fk, qualifier)
        return
    for key, doc in store.scan(tx, NS_URLS, fk + "/"):
        tx.delete(NS_URLS, key)
        tx.delete(NS_URL_IDS, doc["id"])
        forget(tx, runtime, doc["id"])


def _new_id(tx: Tx) -> str:
    while True:
        url_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))
        if tx.get(NS_URL_IDS, url_id) is None:
            return url_id


def _render(ctx: Any, doc: dict[str, Any], account: str, region: str, name: str, qualifier: str, *,
            modified: bool = True, mode: str = "always") -> dict[str, Any]:
    """A FunctionUrlConfig. Create shows InvokeMode only when it was given and no LastModifiedTime;
    Update shows InvokeMode once one was set; Get and List always (BUFFERED by default)."""
    out: dict[str, Any] = {
        "FunctionUrl": url_of(ctx, doc["id"], region),
        "FunctionArn": function_arn(region, account, name, None if qualifier == LATEST else qualifier),
        "AuthType": doc["auth"],
    }
    if doc.get("cors") is not None:
        out["Cors"] = doc["cors"]
    out["CreationTime"] = _iso(doc["created"])
    if modified:
        out["LastModifiedTime"] = _iso(doc["modified"])
    if mode == "always":
        out["InvokeMode"] = doc.get("mode") or "BUFFERED"
    elif doc.get("mode") is not None:
        out["InvokeMode"] = doc["mode"]
    return out


def _target(tx: Tx, fk: str, qualifier: str) -> dict[str, Any]:
    """The function a URL belongs to (its alias must exist too), or ResourceNotFound."""
    fn = store.load(tx, store.NS_FUNCTIONS, fk)
    if fn is None or (qualifier != LATEST and tx.get(store.NS_ALIASES, f"{fk}/{qualifier}") is None):
        raise ResourceNotFound(NO_FUNCTION)
    return fn


# ---- the operations --------------------------------------------------------------------------
async def create_function_url_config(ctx: Any, FunctionName: str, AuthType: str, Qualifier: str | None = None,
                                     Cors: dict[str, Any] | None = None, InvokeMode: str | None = None,
                                     **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    _enum(AuthType, "authType", AUTH_TYPES)
    _enum(InvokeMode, "invokeMode", ("RESPONSE_STREAM", "BUFFERED"))
    cors = check_cors(Cors)
    fk = store.fkey(account, region, name)
    runtime = ctx.runtime

    def work(tx: Tx) -> dict[str, Any]:
        fn = _target(tx, fk, qualifier)
        if _live(tx, fk, qualifier, fn) is not None:
            arn = function_arn(region, account, name, None if qualifier == LATEST else qualifier)
            raise ResourceConflict(f"Failed to create function url config for [functionArn = {arn}]. "
                                   "Error message:  FunctionUrlConfig exists for this Lambda function")
        _remove(tx, runtime, fk, qualifier)  # one left behind by a deleted function or alias
        url_id = _new_id(tx)
        doc = {"id": url_id, "auth": AuthType, "cors": cors, "mode": InvokeMode, "created": tx.now,
               "modified": tx.now, "fn": fn.get("created")}
        store.save(tx, NS_URLS, _key(fk, qualifier), doc)
        store.save(tx, NS_URL_IDS, url_id, {"k": _key(fk, qualifier)})
        forget(tx, runtime, url_id)
        return doc

    doc = await ctx.engine.transact(work)
    return _render(ctx, doc, account, region, name, qualifier, modified=False, mode="given")


async def get_function_url_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                  **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    fk = store.fkey(account, region, name)
    doc = await ctx.engine.read(lambda tx: _live(tx, fk, qualifier))
    if doc is None:
        raise not_exist()
    return _render(ctx, doc, account, region, name, qualifier)


async def update_function_url_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                     AuthType: str | None = None, Cors: dict[str, Any] | None = None,
                                     InvokeMode: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    _enum(AuthType, "authType", AUTH_TYPES)
    _enum(InvokeMode, "invokeMode", ("RESPONSE_STREAM", "BUFFERED"))
    cors = check_cors(Cors)
    fk = store.fkey(account, region, name)
    runtime = ctx.runtime

    def work(tx: Tx) -> dict[str, Any]:
        fn = _target(tx, fk, qualifier)
        doc = _live(tx, fk, qualifier, fn)
        if doc is None:
            raise not_exist()
        if AuthType is not None:
            doc["auth"] = AuthType
        if Cors is not None:
            doc["cors"] = cors
        if InvokeMode is not None:
            doc["mode"] = InvokeMode
        doc["modified"] = tx.now
        store.save(tx, NS_URLS, _key(fk, qualifier), doc)
        forget(tx, runtime, doc["id"])
        return doc

    doc = await ctx.engine.transact(work)
    return _render(ctx, doc, account, region, name, qualifier, mode="set")


async def delete_function_url_config(ctx: Any, FunctionName: str, Qualifier: str | None = None,
                                     **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = _locate(ctx, FunctionName, Qualifier)
    fk = store.fkey(account, region, name)
    runtime = ctx.runtime

    def work(tx: Tx) -> None:
        if _live(tx, fk, qualifier) is None:
            raise not_exist()
        _remove(tx, runtime, fk, qualifier)

    await ctx.engine.transact(work)
    return {}


async def list_function_url_configs(ctx: Any, FunctionName: str, Marker: str | None = None,
                                    MaxItems: int | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, _q = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    check_range(MaxItems, "maxItems", 1, 50)
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> list[tuple[str, dict[str, Any]]]:
        fn = store.load(tx, store.NS_FUNCTIONS, fk)
        if fn is None:
            raise ResourceNotFound(NO_FUNCTION)
        found = []
        for key, _doc in store.scan(tx, NS_URLS, fk + "/"):
            qualifier = key.rsplit("/", 1)[1]
            doc = _live(tx, fk, qualifier, fn)
            if doc is not None:
                found.append((qualifier, doc))
        return found

    found = await ctx.engine.read(work)
    chunk, marker = store.page(found, lambda item: item[0], Marker, MaxItems)
    out: dict[str, Any] = {"FunctionUrlConfigs": [_render(ctx, doc, account, region, name, q) for q, doc in chunk]}
    if marker:
        out["NextMarker"] = marker
    return out


# ---- the data plane's view -------------------------------------------------------------------
@dataclass(slots=True)
class Target:
    """What serving a URL needs, resolved once and cached per process."""

    url_id: str
    account: str
    region: str
    arn: str  # the function ARN to invoke (with the alias when the URL belongs to one)
    auth: str
    cors: dict[str, Any] | None
    mode: str


def cache(runtime: Any) -> Refreshing[str, Target | None]:
    """url id → target or None: this process's view of the URLs."""
    return kept(runtime, "lambda", "urls", CACHE_TTL)


def forget(tx: Tx, runtime: Any, url_id: str) -> None:
    """Drop this process's cached view of ``url_id`` once ``tx`` commits."""
    tx.after_commit(lambda: cache(runtime).drop(url_id))


def _read_target(tx: Tx, url_id: str) -> Target | None:
    index = store.load(tx, NS_URL_IDS, url_id)
    if index is None:
        return None
    fk, _, qualifier = index["k"].rpartition("/")
    doc = _live(tx, fk, qualifier)
    if doc is None or doc["id"] != url_id:
        return None
    account, region, name = fk.split("/", 2)
    arn = function_arn(region, account, name, None if qualifier == LATEST else qualifier)
    return Target(url_id, account, region, arn, doc["auth"], doc.get("cors"), doc.get("mode") or "BUFFERED")


async def lookup(runtime: Any, url_id: str) -> Target | None:
    """The URL with this id (None when there is none), from the per-process cache: a local change
    drops its entry on commit; another node's changes are seen within about :data:`CACHE_TTL`."""
    return await cache(runtime).get(url_id, lambda: runtime.engine.peek(lambda tx: _read_target(tx, url_id)))
