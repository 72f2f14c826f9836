"""Put/Get/DeleteFunctionConcurrency and GetAccountSettings.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html: an account has a
concurrency limit per region (1,000 by default); functions may reserve part of it, but at
least 100 always stays unreserved for the others. The limit lives in one place,
``squall.runtime.limits.ACCOUNT_CONCURRENCY`` (environment ``SQUALL_LAMBDA_CONCURRENCY``): the
worker runtime enforces it, and each function's reservation (``FunctionSpec.reserved_concurrency``).
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.runtime.limits import ACCOUNT_CONCURRENCY
from squall.services.lambda_ import catalog, code, names, store
from squall.services.lambda_.errors import InvalidParameterValue, check_range
from squall.services.lambda_.names import LATEST

#: What reservations must leave to functions without one (Lambda: 100).
MIN_UNRESERVED = min(100, ACCOUNT_CONCURRENCY)
TOTAL_CODE_SIZE = 80_530_636_800  # 75 GB per region


def _reserved_elsewhere(tx: Tx, account: str, region: str, except_fk: str | None = None) -> int:
    return sum(doc.get("reserved") or 0 for key, doc in store.scan(tx, store.NS_FUNCTIONS, f"{account}/{region}/")
               if key != except_fk)


async def put_function_concurrency(ctx: Any, FunctionName: str, ReservedConcurrentExecutions: int,
                                   **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    names.unqualified(name, qualifier)
    check_range(ReservedConcurrentExecutions, "reservedConcurrentExecutions", 0, 1 << 31)
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> dict[str, Any]:
        fn = catalog.function(tx, account, region, name, LATEST)
        others = _reserved_elsewhere(tx, account, region, fk)
        if ACCOUNT_CONCURRENCY - others - ReservedConcurrentExecutions < MIN_UNRESERVED:
            raise InvalidParameterValue("Specified ReservedConcurrentExecutions for function decreases account's "
                                        f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}].")
        fn["reserved"] = ReservedConcurrentExecutions
        store.save(tx, store.NS_FUNCTIONS, fk, fn)
        store.touch(tx, ctx.runtime, fk)
        return {"ReservedConcurrentExecutions": ReservedConcurrentExecutions}

    return await ctx.engine.transact(work)


async def get_function_concurrency(ctx: Any, FunctionName: str, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    names.unqualified(name, qualifier)
    fn = await ctx.engine.read(lambda tx: catalog.function(tx, account, region, name))
    if fn.get("reserved") is None:
        return {}
    return {"ReservedConcurrentExecutions": fn["reserved"]}


async def delete_function_concurrency(ctx: Any, FunctionName: str, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = names.locate(FunctionName, None, ctx.account_id, ctx.region)
    names.unqualified(name, qualifier)
    fk = store.fkey(account, region, name)

    def work(tx: Tx) -> None:
        fn = catalog.function(tx, account, region, name)
        fn["reserved"] = None
        store.save(tx, store.NS_FUNCTIONS, fk, fn)
        store.touch(tx, ctx.runtime, fk)

    await ctx.engine.transact(work)
    return {}


async def get_account_settings(ctx: Any, **_: Any) -> dict[str, Any]:
    prefix = f"{ctx.account_id}/{ctx.region}/"

    def work(tx: Tx) -> tuple[int, int, int]:
        reserved = _reserved_elsewhere(tx, ctx.account_id, ctx.region)
        functions = len(tx.scan(store.NS_FUNCTIONS, prefix=prefix))
        size = sum(d["code"].get("size", 0) for _, d in store.scan(tx, store.NS_VERSIONS, prefix))
        size += sum(d["code"].get("size", 0) for _, d in store.scan(tx, store.NS_LAYERS, prefix))
        return reserved, functions, size

    reserved, functions, size = await ctx.engine.read(work)
    return {
        "AccountLimit": {"TotalCodeSize": TOTAL_CODE_SIZE, "CodeSizeUnzipped": code.MAX_UNZIPPED,
                         "CodeSizeZipped": code.MAX_ZIPPED, "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                         "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved},
        "AccountUsage": {"TotalCodeSize": size, "FunctionCount": functions},
    }
