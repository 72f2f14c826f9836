"""AWS::IAM::Role, AWS::IAM::Policy, AWS::IAM::ManagedPolicy and AWS::IAM::InstanceProfile.

squall has no IAM service yet (the Lambda API accepts any role ARN), but templates name roles
everywhere: a function's ``Role: !GetAtt MyRole.Arn`` must resolve to the ARN AWS would give.
So these handlers keep each resource as a document in the engine, where an IAM service can
later read them, and answer AWS's names, ARNs and ids:

* ``iam/roles`` ``{account}/{RoleName}`` → the role's properties, ``RoleId`` (``AROA`` + 16),
  ``Arn`` ``arn:aws:iam::{account}:role{Path}{RoleName}``, ``CreateDate``;
* ``iam/policies`` ``{account}/{physical id}`` → an AWS::IAM::Policy: an inline policy
  (``PolicyName``, ``PolicyDocument``) embedded in each of its ``Roles``/``Users``/``Groups``;
* ``iam/managed-policies`` ``{PolicyArn}`` → a managed policy, ``PolicyId``
  (``ANPA`` + 16), ``DefaultVersionId`` (``v1``, ``v2``… as its document changes);
* ``iam/instance-profiles`` ``{account}/{InstanceProfileName}`` → ``InstanceProfileId``
  (``AIPA`` + 16), ``Roles``.

IAM is global: keys carry the account, not the region. Names are generated CloudFormation-style
when the template gives none. Replacement rules are the reference's: a role's ``RoleName`` and
``Path``, a managed policy's name, path and description, an instance profile's name and path.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_IAM.html
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from squall.engine.api import Tx
from squall.services import records
from squall.templates.api import Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.common import require_unchanged

NS_ROLES = "iam/roles"
NS_POLICIES = "iam/policies"
NS_MANAGED_POLICIES = "iam/managed-policies"
NS_INSTANCE_PROFILES = "iam/instance-profiles"
_ID_ALPHABET = string.ascii_uppercase + string.digits


def unique_id(prefix: str) -> str:
    """An IAM unique id: a four-letter type prefix and 16 random characters (``AROA…`` for a role).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids"""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


def iam_arn(account: str, kind: str, path: str | None, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}{path or '/'}{name}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _insert(ctx: StackContext, ns: str, key: str, doc: dict[str, Any], what: str) -> None:
    """Store a new resource; one of the same name (``key``) already there fails the create."""
    def work(tx: Tx) -> bool:
        if tx.get(ns, key) is not None:
            return False
        records.save(tx, ns, key, doc)
        return True

    if not await ctx.runtime.engine.transact(work):
        raise ResourceFailed(f"{what} already exists.")


async def _change(ctx: StackContext, ns: str, key: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Apply ``change`` to a stored resource; one deleted behind the stack's back fails the update."""
    def work(tx: Tx) -> dict[str, Any] | None:
        doc = records.load(tx, ns, key)
        if doc is not None:
            change(doc)
            records.save(tx, ns, key, doc)
        return doc

    doc = await ctx.runtime.engine.transact(work)
    if doc is None:
        raise ResourceFailed(f"{key.rsplit('/', 1)[-1]} cannot be found.")
    return doc


async def _drop(ctx: StackContext, ns: str, key: str) -> None:
    await ctx.runtime.engine.transact(lambda tx: tx.delete(ns, key))


def _copy(props: dict[str, Any], names: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    """A change setting the properties ``names`` from ``props`` (dropping those it no longer has)."""
    def change(doc: dict[str, Any]) -> None:
        for name in names:
            if props.get(name) is None:
                doc.pop(name, None)
            else:
                doc[name] = props[name]

    return change


# ---- AWS::IAM::Role -------------------------------------------------------------------------------------
_ROLE = ("AssumeRolePolicyDocument", "Description", "ManagedPolicyArns", "MaxSessionDuration", "PermissionsBoundary",
         "Policies", "Tags")


def _role(doc: dict[str, Any]) -> Provisioned:
    return Provisioned(doc["RoleName"], {"Arn": doc["Arn"], "RoleId": doc["RoleId"]})


@handler("AWS::IAM::Role")
class Role:
    """Ref: the role name; GetAtt Arn, RoleId."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("RoleName") or ctx.name_for(logical_id, 64)
        path = props.get("Path") or "/"
        doc = {"RoleName": name, "Path": path, "RoleId": unique_id("AROA"), "Arn": iam_arn(ctx.account, "role", path, name),
               "CreateDate": _now()}
        _copy(props, _ROLE)(doc)
        await _insert(ctx, NS_ROLES, f"{ctx.account}/{name}", doc, f"Role with name {name}")
        return _role(doc)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RoleName", "Path"))
        return _role(await _change(ctx, NS_ROLES, f"{ctx.account}/{current.physical_id}", _copy(new, _ROLE)))

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _drop(ctx, NS_ROLES, f"{ctx.account}/{current.physical_id}")


# ---- AWS::IAM::Policy -----------------------------------------------------------------------------------
_POLICY = ("PolicyName", "PolicyDocument", "Roles", "Users", "Groups")


@handler("AWS::IAM::Policy")
class Policy:
    """An inline policy embedded in roles, users and groups. Ref and GetAtt Id: a generated id;
    every property updates in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        physical_id = ctx.name_for(logical_id, 64)
        doc: dict[str, Any] = {}
        _copy(props, _POLICY)(doc)
        await _insert(ctx, NS_POLICIES, f"{ctx.account}/{physical_id}", doc, f"Policy {physical_id}")
        return Provisioned(physical_id, {"Id": physical_id})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        await _change(ctx, NS_POLICIES, f"{ctx.account}/{current.physical_id}", _copy(new, _POLICY))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _drop(ctx, NS_POLICIES, f"{ctx.account}/{current.physical_id}")


# ---- AWS::IAM::ManagedPolicy ----------------------------------------------------------------------------
_MANAGED = ("PolicyDocument", "Roles", "Users", "Groups")


def _managed(doc: dict[str, Any]) -> Provisioned:
    attributes = {k: doc[k] for k in ("PolicyArn", "PolicyId", "DefaultVersionId", "CreateDate", "UpdateDate")}
    attributes.update(AttachmentCount=len(doc.get("Roles") or ()) + len(doc.get("Users") or ())
                      + len(doc.get("Groups") or ()), IsAttachable=True, PermissionsBoundaryUsageCount=0)
    return Provisioned(doc["PolicyArn"], attributes)


@handler("AWS::IAM::ManagedPolicy")
class ManagedPolicy:
    """Ref and GetAtt PolicyArn: the policy ARN; GetAtt PolicyId, DefaultVersionId, CreateDate,
    UpdateDate, AttachmentCount, IsAttachable, PermissionsBoundaryUsageCount. A changed document
    becomes the next default version."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("ManagedPolicyName") or ctx.name_for(logical_id, 128)
        arn = iam_arn(ctx.account, "policy", props.get("Path"), name)
        now = _now()
        doc = {"PolicyName": name, "Path": props.get("Path") or "/", "PolicyArn": arn, "PolicyId": unique_id("ANPA"),
               "Description": props.get("Description") or "", "DefaultVersionId": "v1", "CreateDate": now,
               "UpdateDate": now}
        _copy(props, _MANAGED)(doc)
        await _insert(ctx, NS_MANAGED_POLICIES, arn, doc, f"A policy called {name}")
        return _managed(doc)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ManagedPolicyName", "Path", "Description"))
        new_version = old.get("PolicyDocument") != new.get("PolicyDocument")
        now = _now()

        def change(doc: dict[str, Any]) -> None:
            _copy(new, _MANAGED)(doc)
            if new_version:
                doc["DefaultVersionId"] = f"v{int(doc.get('DefaultVersionId', 'v1')[1:]) + 1}"
            doc["UpdateDate"] = now

        return _managed(await _change(ctx, NS_MANAGED_POLICIES, current.physical_id, change))

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _drop(ctx, NS_MANAGED_POLICIES, current.physical_id)


# ---- AWS::IAM::InstanceProfile --------------------------------------------------------------------------
@handler("AWS::IAM::InstanceProfile")
class InstanceProfile:
    """Ref: the instance profile name; GetAtt Arn. ``Roles`` change in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("InstanceProfileName") or ctx.name_for(logical_id, 128)
        path = props.get("Path") or "/"
        doc = {"InstanceProfileName": name, "Path": path, "InstanceProfileId": unique_id("AIPA"),
               "Arn": iam_arn(ctx.account, "instance-profile", path, name), "Roles": props.get("Roles") or [],
               "CreateDate": _now()}
        await _insert(ctx, NS_INSTANCE_PROFILES, f"{ctx.account}/{name}", doc, f"Instance Profile {name}")
        return Provisioned(name, {"Arn": doc["Arn"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("InstanceProfileName", "Path"))
        await _change(ctx, NS_INSTANCE_PROFILES, f"{ctx.account}/{current.physical_id}",
                      lambda doc: doc.update(Roles=new.get("Roles") or []))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _drop(ctx, NS_INSTANCE_PROFILES, f"{ctx.account}/{current.physical_id}")
