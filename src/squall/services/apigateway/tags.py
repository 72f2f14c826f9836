"""Tags: TagResource, UntagResource, GetTags — on REST APIs, stages, API keys and usage plans,
named by ARN (``arn:aws:apigateway:{region}::/restapis/{id}``, ``…/restapis/{id}/stages/{name}``,
``…::/apikeys/{id}``, ``…::/usageplans/{id}``). Tags live in the tagged resource's own record.
"""

from __future__ import annotations

from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import store
from squall.services.apigateway.errors import NotFound, bad


def _locate(ctx: Any, arn: str) -> tuple[str, str, list[str]]:
    """(namespace, record key, path to the tags inside the record)."""
    prefix = f"arn:aws:apigateway:{ctx.region}::"
    if not arn.startswith(prefix):
        raise bad(f"Invalid ARN specified: {arn}")
    parts = arn[len(prefix):].strip("/").split("/")
    owner = store.owner(ctx)
    if parts[0] == "restapis" and len(parts) == 2:
        return store.NS_APIS, f"{owner}/{parts[1]}", ["api", "tags"]
    if parts[0] == "restapis" and len(parts) == 4 and parts[2] == "stages":
        return store.NS_STAGES, f"{parts[1]}/{parts[3]}", ["tags"]
    if parts[0] == "apikeys" and len(parts) == 2:
        return store.NS_KEYS, f"{owner}/{parts[1]}", ["tags"]
    if parts[0] == "usageplans" and len(parts) == 2:
        return store.NS_PLANS, f"{owner}/{parts[1]}", ["tags"]
    raise bad(f"Invalid ARN specified: {arn}")


def _tags(doc: dict[str, Any], path: list[str]) -> dict[str, str]:
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node.setdefault(path[-1], {})


def _change(ctx: Any, arn: str, fn: Any) -> Any:
    ns, key, path = _locate(ctx, arn)

    def work(tx: Tx) -> Any:
        doc = store.load(tx, ns, key)
        if doc is None:
            raise NotFound(f"Invalid resource identifier specified: {arn}")
        result = fn(_tags(doc, path))
        store.save(tx, ns, key, doc)
        return result

    return work


async def tag_resource(ctx: Any, resourceArn: str, tags: dict[str, str]) -> dict:
    await ctx.engine.transact(_change(ctx, resourceArn, lambda t: t.update(tags)))
    return {}


async def untag_resource(ctx: Any, resourceArn: str, tagKeys: list[str]) -> dict:
    await ctx.engine.transact(_change(ctx, resourceArn, lambda t: [t.pop(k, None) for k in tagKeys]))
    return {}


async def get_tags(ctx: Any, resourceArn: str, position: str | None = None, limit: int | None = None) -> dict:
    ns, key, path = _locate(ctx, resourceArn)

    def work(tx: Tx) -> dict[str, str]:
        doc = store.load(tx, ns, key)
        if doc is None:
            raise NotFound(f"Invalid resource identifier specified: {resourceArn}")
        return dict(_tags(doc, path))

    return {"tags": await ctx.engine.read(work)}
