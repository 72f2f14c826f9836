"""GetTags, TagResource, UntagResource on HTTP APIs and their stages.

Resources are named by ARN: ``arn:aws:apigateway:{region}::/apis/{apiId}`` and
``arn:aws:apigateway:{region}::/apis/{apiId}/stages/{stageName}``; the tags also show in GetApi /
GetStage. At most 50 tags per resource.
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.services.apigatewayv2 import stages, store
from squall.services.apigatewayv2.errors import BadRequest, NotFound

_ARN = re.compile(r"arn:aws[a-zA-Z-]*:apigateway:(?P<region>[a-z0-9-]+)::/apis/(?P<api>[a-z0-9]+)"
                  r"(?:/stages/(?P<stage>[^/]+))?")


def _locate(tx: Tx, ctx: Any, arn: str) -> tuple[str, str, dict[str, Any]]:
    """(namespace, key, tagged document) of the resource ``arn`` names."""
    m = _ARN.fullmatch(arn or "")
    if m is None:
        raise BadRequest(f"Invalid resource ARN specified: {arn}")
    if m["region"] != ctx.region:
        raise NotFound(f"Unable to find resource {arn}")
    api = store.api_of(tx, ctx, m["api"])
    if m["stage"]:
        return store.NS_STAGES, f"{m['api']}/{m['stage']}", stages.require(tx, m["api"], m["stage"])
    return store.NS_APIS, m["api"], api


async def get_tags(ctx: Any, ResourceArn: str) -> dict[str, Any]:
    def work(tx: Tx) -> dict[str, Any]:
        _, _, doc = _locate(tx, ctx, ResourceArn)
        return {"Tags": doc.get("Tags") or {}}

    return await ctx.engine.read(work)


async def tag_resource(ctx: Any, ResourceArn: str, Tags: dict[str, str] | None = None) -> dict[str, Any]:
    def work(tx: Tx) -> None:
        ns, key, doc = _locate(tx, ctx, ResourceArn)
        doc["Tags"] = store.check_tags({**(doc.get("Tags") or {}), **(Tags or {})})
        store.save(tx, ns, key, doc)

    await ctx.engine.transact(work)
    return {}


async def untag_resource(ctx: Any, ResourceArn: str, TagKeys: list[str] | None = None) -> None:
    def work(tx: Tx) -> None:
        ns, key, doc = _locate(tx, ctx, ResourceArn)
        doc["Tags"] = {k: v for k, v in (doc.get("Tags") or {}).items() if k not in set(TagKeys or [])}
        store.save(tx, ns, key, doc)

    await ctx.engine.transact(work)
