"""TagResource, UntagResource, ListTags — on functions (by unqualified ARN) and event source mappings.

https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html: at most 50 tags per
resource, keys 1–128 and values up to 256 characters; aliases and versions carry no tags of
their own. GetFunction returns the function's tags too.
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.services.lambda_ import store
from squall.services.lambda_.errors import InvalidParameterValue, ResourceNotFound, constraint, validation
from squall.services.lambda_.names import esm_arn, function_arn

MAX_TAGS = 50
_RESOURCE = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?:"
    r"function:(?P<function>[a-zA-Z0-9_-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?|"
    r"event-source-mapping:(?P<esm>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}))")
_RESOURCE_PATTERN = (
    r"arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:"
    r"[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|"
    r"event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|"
    r"capacity-provider:[a-zA-Z0-9-_]+)")


def check(tags: dict[str, str] | None, existing: int = 0) -> dict[str, str]:
    tags = dict(tags or {})
    if len(tags) + existing > MAX_TAGS:
        raise InvalidParameterValue("Number of tags exceeds resource tag limit.")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise InvalidParameterValue(f"The tag key {key!r} is invalid: keys are 1 to 128 characters and must not "
                                        "start with 'aws:'.")
        if len(value or "") > 256:
            raise InvalidParameterValue(f"The value of the tag {key!r} is longer than 256 characters.")
    return tags


def _locate(ctx: Any, resource: str) -> tuple[str, str]:
    """(namespace, record key) of the tagged resource's record."""
    m = _RESOURCE.fullmatch(resource or "")
    if m is None:
        raise validation(constraint(resource, "resource",
                                    f"Member must satisfy regular expression pattern: {_RESOURCE_PATTERN}"))
    if m["function"]:
        if m["qualifier"]:
            raise InvalidParameterValue("Tags on function aliases and versions are not supported. Please specify a "
                                        "function ARN.")
        return store.NS_FUNCTIONS, store.fkey(m["account"], m["region"], m["function"])
    return store.NS_ESM, m["esm"].lower()


def _load(tx: Tx, ctx: Any, resource: str) -> tuple[str, str, dict[str, Any]]:
    ns, key = _locate(ctx, resource)
    doc = store.load(tx, ns, key)
    owner = (doc["account"], doc["region"]) if ns == store.NS_ESM and doc else tuple(key.split("/", 2)[:2])
    if owner != (ctx.account_id, ctx.region):
        doc = None
    if doc is None:
        if ns == store.NS_FUNCTIONS:
            account, region, name = key.split("/", 2)
            raise ResourceNotFound(f"Function not found: {function_arn(region, account, name)}")
        raise ResourceNotFound(f"Event source mapping not found: {esm_arn(ctx.region, ctx.account_id, key)}")
    return ns, key, doc


async def tag_resource(ctx: Any, Resource: str, Tags: dict[str, str] | None = None, **_: Any) -> dict[str, Any]:
    if not Tags:
        raise InvalidParameterValue("An error occurred and the request cannot be processed.")

    def work(tx: Tx) -> None:
        ns, key, doc = _load(tx, ctx, Resource)
        current = doc.get("tags") or {}
        check(Tags, len(set(current) - set(Tags)))
        doc["tags"] = {**current, **Tags}
        store.save(tx, ns, key, doc)

    await ctx.engine.transact(work)
    return {}


async def untag_resource(ctx: Any, Resource: str, TagKeys: list[str] | None = None, **_: Any) -> dict[str, Any]:
    if TagKeys is None:
        raise validation(constraint(None, "tagKeys", "Member must not be null"))

    def work(tx: Tx) -> None:
        ns, key, doc = _load(tx, ctx, Resource)
        doc["tags"] = {k: v for k, v in (doc.get("tags") or {}).items() if k not in set(TagKeys)}
        store.save(tx, ns, key, doc)

    await ctx.engine.transact(work)
    return {}


async def list_tags(ctx: Any, Resource: str, **_: Any) -> dict[str, Any]:
    _ns, _key, doc = await ctx.engine.read(lambda tx: _load(tx, ctx, Resource))
    return {"Tags": doc.get("tags") or {}}
