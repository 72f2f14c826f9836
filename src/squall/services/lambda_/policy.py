"""AddPermission, RemovePermission, GetPolicy: a function's resource-based policy.

The document is built exactly as Lambda builds it
(https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html):
``{"Version": "2012-10-17", "Id": "default", "Statement": [...]}``, one statement per
AddPermission with its ``Sid``, ``Effect: Allow``, the principal as ``{"Service": …}`` or
``{"AWS": …}``, the action, the (possibly qualified) function ARN as ``Resource`` and the
conditions (``ArnLike AWS:SourceArn``, ``StringEquals AWS:SourceAccount``, …). Each qualifier
(unqualified, a version, an alias) has its own policy; publishing a version does not copy it.
Policies are stored only: enforcing them comes with IAM.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.lambda_ import catalog, names, store
from squall.services.lambda_.errors import (
    InvalidParameterValue,
    PolicyLengthExceeded,
    ResourceConflict,
    ResourceNotFound,
    constraint,
    not_exist,
    revision_mismatch,
    validation,
)
from squall.services.lambda_.names import LATEST, PARTITION, function_arn

STATEMENT_ID = re.compile(r"[a-zA-Z0-9_-]{1,100}")
ACTION = re.compile(r"(lambda:[*]|lambda:[a-zA-Z]+|[*])")
POLICY_LIMIT = 20480


def document(statements: list[dict[str, Any]]) -> str:
    return orjson.dumps({"Version": "2012-10-17", "Id": "default", "Statement": statements}).decode()


def principal(value: str) -> Any:
    """How Lambda writes a principal into the statement."""
    if value == "*":
        return "*"
    if value.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return {"Service": value}
    if re.fullmatch(r"\d{12}", value):
        return {"AWS": f"arn:{PARTITION}:iam::{value}:root"}
    if re.fullmatch(r"arn:aws[a-zA-Z-]*:iam::\d{12}:.+", value):
        return {"AWS": value}
    raise InvalidParameterValue("The provided principal was invalid. Please check the principal and try again.")


def statement(sid: str, action: str, who: str, resource: str, p: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Principal": principal(who), "Action": action,
                           "Resource": resource}
    equals: dict[str, str] = {}
    if p.get("FunctionUrlAuthType"):
        equals["lambda:FunctionUrlAuthType"] = p["FunctionUrlAuthType"]
    if p.get("PrincipalOrgID"):
        equals["aws:PrincipalOrgID"] = p["PrincipalOrgID"]
    if p.get("SourceAccount"):
        equals["AWS:SourceAccount"] = p["SourceAccount"]
    if p.get("EventSourceToken"):
        equals["lambda:EventSourceToken"] = p["EventSourceToken"]
    condition: dict[str, Any] = {}
    if equals:
        condition["StringEquals"] = equals
    if p.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": p["SourceArn"]}
    if p.get("InvokedViaFunctionUrl"):
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if condition:
        out["Condition"] = condition
    return out


def _subject_revision(tx: Tx, fk: str, arn: str, qualifier: str | None) -> str:
    """The RevisionId a policy is checked against: the version's or the alias's."""
    if qualifier and not names.is_version(qualifier) and qualifier != LATEST:
        alias = store.load(tx, store.NS_ALIASES, f"{fk}/{qualifier}")
        if alias is None:
            raise ResourceNotFound(f"Cannot find alias arn: {arn}:{qualifier}")
        return alias["RevisionId"]
    found = catalog.version(tx, fk, qualifier or LATEST)
    if found is None:
        raise ResourceNotFound(f"Function not found: {arn}:{qualifier}")
    return found[1]["rev"]


async def add_permission(ctx: Any, FunctionName: str, StatementId: str, Action: str, Principal: str,
                         Qualifier: str | None = None, RevisionId: str | None = None, **params: Any) -> dict[str, Any]:
    if not STATEMENT_ID.fullmatch(StatementId or ""):
        raise validation(constraint(StatementId, "statementId",
                                    "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)"))
    if not ACTION.fullmatch(Action or ""):
        raise validation(constraint(Action, "action", "Member must satisfy regular expression pattern: "
                                    "(lambda:[*]|lambda:[a-zA-Z]+|[*])"))
    account, region, name, qualifier = names.locate(FunctionName, Qualifier, ctx.account_id, ctx.region)
    if qualifier == LATEST:
        raise InvalidParameterValue("We currently do not support adding policies for $LATEST.")
    arn = function_arn(region, account, name)
    new = statement(StatementId, Action, Principal, function_arn(region, account, name, qualifier), params)

    def work(tx: Tx) -> dict[str, Any]:
        catalog.function(tx, account, region, name)
        fk = store.fkey(account, region, name)
        revision = _subject_revision(tx, fk, arn, qualifier)
        if RevisionId and RevisionId != revision:
            raise revision_mismatch("GetPolicy" if qualifier else "GetFunction/GetAlias")
        key = f"{fk}/{qualifier or ''}"
        policy = store.load(tx, store.NS_POLICIES, key) or {"statements": []}
        if any(s["Sid"] == StatementId for s in policy["statements"]):
            raise ResourceConflict(f"The statement id ({StatementId}) provided already exists. Please provide a new "
                                   "statement id, or remove the existing statement.")
        policy["statements"].append(new)
        size = len(document(policy["statements"]))
        if size > POLICY_LIMIT:
            raise PolicyLengthExceeded(f"The final policy size ({size}) is bigger than the limit ({POLICY_LIMIT}).")
        store.save(tx, store.NS_POLICIES, key, policy)
        return {"Statement": orjson.dumps(new).decode()}

    return await ctx.engine.transact(work)


async def remove_permission(ctx: Any, FunctionName: str, StatementId: str, Qualifier: str | None = None,
                            RevisionId: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = names.locate(FunctionName, Qualifier, ctx.account_id, ctx.region)
    arn = function_arn(region, account, name)

    def work(tx: Tx) -> None:
        fk = store.fkey(account, region, name)
        if tx.get(store.NS_FUNCTIONS, fk) is None:
            raise ResourceNotFound(f"No policy found for: {arn}")
        revision = _subject_revision(tx, fk, arn, qualifier)
        key = f"{fk}/{qualifier or ''}"
        policy = store.load(tx, store.NS_POLICIES, key)
        if policy is None:
            raise ResourceNotFound("No policy is associated with the given resource.")
        if RevisionId and RevisionId != revision:
            raise revision_mismatch("GetPolicy" if qualifier else "GetFunction/GetAlias")
        kept = [s for s in policy["statements"] if s["Sid"] != StatementId]
        if len(kept) == len(policy["statements"]):
            raise ResourceNotFound(f"Statement {StatementId} is not found in resource policy.")
        if kept:
            store.save(tx, store.NS_POLICIES, key, {"statements": kept})
        else:
            tx.delete(store.NS_POLICIES, key)

    await ctx.engine.transact(work)
    return {}


async def get_policy(ctx: Any, FunctionName: str, Qualifier: str | None = None, **_: Any) -> dict[str, Any]:
    account, region, name, qualifier = names.locate(FunctionName, Qualifier, ctx.account_id, ctx.region)

    def work(tx: Tx) -> dict[str, Any]:
        fk = store.fkey(account, region, name)
        if tx.get(store.NS_FUNCTIONS, fk) is None or not catalog.qualifier_exists(tx, fk, qualifier or LATEST):
            raise not_exist()
        policy = store.load(tx, store.NS_POLICIES, f"{fk}/{qualifier or ''}")
        if policy is None:
            raise not_exist()
        revision = _subject_revision(tx, fk, function_arn(region, account, name), qualifier)
        return {"Policy": document(policy["statements"]), "RevisionId": revision}

    return await ctx.engine.read(work)


def drop(tx: Tx, fk: str, qualifier: str | None = None) -> None:
    """Forget the policy of one qualifier (a deleted version or alias), or every one of a function."""
    if qualifier is None:
        tx.delete_prefix(store.NS_POLICIES, fk + "/")
    else:
        tx.delete(store.NS_POLICIES, f"{fk}/{qualifier}")
