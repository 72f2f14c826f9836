"""Who may access a bucket: policy, ownership controls, Block Public Access and ACLs.

Stored in ``BucketRecord.config`` (keys ``Policy``, ``OwnershipControls``,
``PublicAccessBlock``, ``ACL``; see :mod:`.bucket_config` for the storage helpers and the
defaults of buckets created since April 2023). Policies are validated and stored; they
are enforced once IAM lands.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from squall.services.s3 import buckets
from squall.services.s3.bucket_config import (
    _access_denied,
    _as_list,
    _get,
    _read,
    _store,
    _struct,
)
from squall.services.s3.buckets import BucketRecord
from squall.services.s3.errors import (
    S3Error,
    invalid_argument,
    invalid_request,
    malformed_xml,
    not_configured,
)


# ---- policy (stored and described; enforced once IAM lands) -----------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
def _malformed_policy(message: str) -> S3Error:
    return S3Error(message, code="MalformedPolicy")


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_policy(text: Any, bucket: str) -> None:
    doc = None
    if isinstance(text, str) and text.lstrip().startswith("{"):
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            doc = None
    if not isinstance(doc, dict):
        raise _malformed_policy("Policies must be valid JSON and the first byte must be '{'")
    statements = doc.get("Statement")
    if not statements:
        raise _malformed_policy("Missing required field Statement")
    for stmt in _strings(statements):
        if not isinstance(stmt, dict):
            raise _malformed_policy("Statement is not well-formed")
        effect = stmt.get("Effect")
        if effect is None:
            raise _malformed_policy("Missing required field Effect")
        if effect not in ("Allow", "Deny"):
            raise _malformed_policy(f"Invalid effect: {effect}")
        if "Principal" not in stmt and "NotPrincipal" not in stmt:
            raise _malformed_policy("Missing required field Principal")
        actions = stmt.get("Action", stmt.get("NotAction"))
        if not actions:
            raise _malformed_policy("Missing required field Action")
        for action in _strings(actions):
            if not isinstance(action, str) or not (action == "*" or action.lower().startswith("s3:")):
                raise _malformed_policy("Policy has invalid action")
        resources = stmt.get("Resource", stmt.get("NotResource"))
        if not resources:
            raise _malformed_policy("Missing required field Resource")
        arn = f"arn:aws:s3:::{bucket}"
        for resource in _strings(resources):
            if not isinstance(resource, str) or not (resource == "*" or resource == arn
                                                     or resource.startswith(arn + "/")):
                raise _malformed_policy("Policy has invalid resource")


def policy_is_public(text: str) -> bool:
    """Whether a policy grants anyone (``Principal: "*"``) access without a condition.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
    """
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    for stmt in _strings(doc.get("Statement") or []):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow" or stmt.get("Condition"):
            continue
        principal = stmt.get("Principal")
        if isinstance(principal, dict):
            principal = principal.get("AWS")
        if "*" in _strings(principal):
            return True
    return False


async def put_bucket_policy(ctx: Any, Bucket: str, Policy: str | None = None, **_: Any) -> dict:
    def check(bucket: BucketRecord) -> str:
        _check_policy(Policy, Bucket)
        return Policy  # type: ignore[return-value]

    await _store(ctx, Bucket, "Policy", check=check)
    return {}


async def get_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    return {"Policy": await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")}


async def delete_bucket_policy(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "Policy")
    return {}


async def get_bucket_policy_status(ctx: Any, Bucket: str, **_: Any) -> dict:
    policy = await _get(ctx, Bucket, "Policy", "NoSuchBucketPolicy", "The bucket policy does not exist")
    return {"PolicyStatus": {"IsPublic": policy_is_public(policy)}}


# ---- ownership controls, public access block --------------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
_OWNERSHIPS = ("BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced")
_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def object_ownership(bucket: BucketRecord) -> str | None:
    """The bucket's ObjectOwnership; ``BucketOwnerEnforced`` (ACLs disabled) unless changed,
    ``None`` once the controls were deleted."""
    if "OwnershipControls" not in bucket.config:
        return "BucketOwnerEnforced"
    controls = bucket.config["OwnershipControls"]
    return controls["Rules"][0]["ObjectOwnership"] if controls else None


def public_access_block(bucket: BucketRecord) -> dict[str, bool] | None:
    """The bucket's Block Public Access settings (all on unless changed), ``None`` once deleted."""
    if "PublicAccessBlock" not in bucket.config:
        return dict.fromkeys(_BLOCKS, True)
    return bucket.config["PublicAccessBlock"]


async def put_bucket_ownership_controls(ctx: Any, Bucket: str, OwnershipControls: dict | None = None,
                                        **_: Any) -> dict:
    def check(bucket: BucketRecord) -> dict:
        rules = _as_list(_struct(OwnershipControls).get("Rules"))
        if len(rules) != 1 or not isinstance(rules[0], dict) or rules[0].get("ObjectOwnership") not in _OWNERSHIPS:
            raise malformed_xml()
        return {"Rules": [{"ObjectOwnership": rules[0]["ObjectOwnership"]}]}

    await _store(ctx, Bucket, "OwnershipControls", check=check)
    return {}


async def get_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    ownership = object_ownership(await _read(ctx, Bucket))
    if ownership is None:
        raise not_configured("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", Bucket)
    return {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]}}


async def delete_bucket_ownership_controls(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "OwnershipControls", None)
    return {}


async def put_public_access_block(ctx: Any, Bucket: str, PublicAccessBlockConfiguration: dict | None = None,
                                  **_: Any) -> dict:
    def check(bucket: BucketRecord) -> dict:
        config = _struct(PublicAccessBlockConfiguration)
        if set(config) - set(_BLOCKS):
            raise malformed_xml()
        return {k: bool(config.get(k)) for k in _BLOCKS}  # an omitted setting is off

    await _store(ctx, Bucket, "PublicAccessBlock", check=check)
    return {}


async def get_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    config = public_access_block(await _read(ctx, Bucket))
    if config is None:
        raise not_configured("NoSuchPublicAccessBlockConfiguration",
                             "The public access block configuration was not found", Bucket)
    return {"PublicAccessBlockConfiguration": config}


async def delete_public_access_block(ctx: Any, Bucket: str, **_: Any) -> dict:
    await _store(ctx, Bucket, "PublicAccessBlock", None)
    return {}


# ---- ACL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html) ------------
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
_GROUPS = (ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY)
_PERMISSIONS = ("FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP")
# canned ACL → the grants it adds to the owner's FULL_CONTROL
_CANNED: dict[str, list[tuple[str, str]]] = {
    "private": [],
    "public-read": [(ALL_USERS, "READ")],
    "public-read-write": [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")],
    "authenticated-read": [(AUTHENTICATED_USERS, "READ")],
    "log-delivery-write": [(LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")],
    # object ACLs: accepted on a bucket, where they mean the owner alone
    "bucket-owner-read": [],
    "bucket-owner-full-control": [],
    "aws-exec-read": [],
}
_GRANT_HEADERS = {"GrantFullControl": ("FULL_CONTROL", "x-amz-grant-full-control"),
                  "GrantRead": ("READ", "x-amz-grant-read"),
                  "GrantReadACP": ("READ_ACP", "x-amz-grant-read-acp"),
                  "GrantWrite": ("WRITE", "x-amz-grant-write"),
                  "GrantWriteACP": ("WRITE_ACP", "x-amz-grant-write-acp")}
_CANONICAL_ID = re.compile(r"^[0-9a-f]{64}$")


def _group(uri: str) -> dict:
    return {"Type": "Group", "URI": uri}


def canned_grants(account: str, canned: str | None) -> list[dict]:
    owner = buckets.owner(account)
    grants = [{"Grantee": {**owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    grants += [{"Grantee": _group(uri), "Permission": perm} for uri, perm in _CANNED.get(canned or "private", [])]
    return grants


def _header_grants(headers: dict[str, str]) -> list[dict]:
    grants = []
    for member, value in headers.items():
        permission, header = _GRANT_HEADERS[member]
        for item in (v.strip() for v in value.split(",")):
            kind, sep, who = item.partition("=")
            who = who.strip().strip('"')
            if not sep or kind.strip() not in ("id", "uri", "emailAddress"):
                raise invalid_argument("Argument format not recognized", header, item)
            kind = kind.strip()
            if kind == "uri":
                if who not in _GROUPS:
                    raise invalid_argument("Invalid group uri", "uri", who)
                grantee = _group(who)
            elif kind == "id":
                if not _CANONICAL_ID.match(who):
                    raise invalid_argument("Invalid id", "id", who)
                grantee = {"Type": "CanonicalUser", "ID": who}
            else:
                grantee = {"Type": "AmazonCustomerByEmail", "EmailAddress": who}
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def _malformed_acl() -> S3Error:
    return S3Error("The XML you provided was not well-formed or did not validate against our published schema",
                   code="MalformedACLError")


def _policy_grants(acp: dict) -> list[dict]:
    if "Owner" not in acp or "Grants" not in acp or not isinstance(acp["Owner"], dict):
        raise _malformed_acl()
    owner_id = acp["Owner"].get("ID", "")
    if not _CANONICAL_ID.match(owner_id):
        raise invalid_argument("Invalid id", "CanonicalUser/ID", owner_id)
    grants = []
    for grant in acp["Grants"] or []:
        if not isinstance(grant, dict) or grant.get("Permission") not in _PERMISSIONS:
            raise _malformed_acl()
        grantee = grant.get("Grantee") or {}
        kind = grantee.get("Type")
        if kind == "Group":
            if grantee.get("URI") not in _GROUPS:
                raise invalid_argument("Invalid group uri", "Group/URI", grantee.get("URI", ""))
            grantee = _group(grantee["URI"])
        elif kind == "CanonicalUser":
            if not _CANONICAL_ID.match(grantee.get("ID", "")):
                raise invalid_argument("Invalid id", "CanonicalUser/ID", grantee.get("ID", ""))
            grantee = {k: grantee[k] for k in ("ID", "DisplayName", "Type") if grantee.get(k)}
        elif kind == "AmazonCustomerByEmail":
            grantee = {"Type": kind, "EmailAddress": grantee.get("EmailAddress", "")}
        else:
            raise _malformed_acl()
        grants.append({"Grantee": grantee, "Permission": grant["Permission"]})
    return grants


def _owner_only(grants: list[dict], account: str) -> bool:
    owner_id = buckets.owner(account)["ID"]
    return all(g["Grantee"].get("ID") == owner_id and g["Permission"] == "FULL_CONTROL" for g in grants)


def _is_public(grants: list[dict]) -> bool:
    return any(g["Grantee"].get("URI") in (ALL_USERS, AUTHENTICATED_USERS) for g in grants)


def check_acl_allowed(bucket: BucketRecord, grants: list[dict]) -> None:
    """An ACL may be set only if ACLs are enabled (ownership not ``BucketOwnerEnforced``) —
    an owner-only ACL always is — and a public one only if Block Public Access allows it."""
    if _owner_only(grants, bucket.account):
        return
    if object_ownership(bucket) == "BucketOwnerEnforced":
        raise S3Error("The bucket does not allow ACLs", code="AccessControlListNotSupported")
    if _is_public(grants) and (public_access_block(bucket) or {}).get("BlockPublicAcls"):
        raise _access_denied()


async def get_bucket_acl(ctx: Any, Bucket: str, **_: Any) -> dict:
    bucket = await _read(ctx, Bucket)
    acl = bucket.config.get("ACL")
    grants = acl["Grants"] if isinstance(acl, dict) else canned_grants(bucket.account, acl)
    return {"Owner": buckets.owner(bucket.account), "Grants": grants}


async def put_bucket_acl(ctx: Any, Bucket: str, ACL: str | None = None, AccessControlPolicy: dict | None = None,
                         **kw: Any) -> dict:
    headers = {k: v for k, v in kw.items() if k in _GRANT_HEADERS and v}

    def check(bucket: BucketRecord) -> Any:
        if ACL is not None and AccessControlPolicy is not None:
            raise S3Error("This request does not support content", code="UnexpectedContent")
        if ACL is not None and headers:
            raise invalid_request("Specifying both Canned ACLs and Header Grants is not allowed")
        if ACL is not None:
            if ACL not in _CANNED:
                raise invalid_argument("", "x-amz-acl", ACL)
            check_acl_allowed(bucket, canned_grants(bucket.account, ACL))
            return ACL
        if headers:
            grants = _header_grants(headers)
        elif AccessControlPolicy is not None:
            grants = _policy_grants(_struct(AccessControlPolicy))
        else:
            raise S3Error("Your request was missing a required header", code="MissingSecurityHeader",
                          MissingHeaderName="x-amz-acl")
        check_acl_allowed(bucket, grants)
        return {"Grants": grants}

    await _store(ctx, Bucket, "ACL", check=check)
    return {}
