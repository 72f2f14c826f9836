"""Resources: CreateResource, GetResource, GetResources, UpdateResource, DeleteResource.

A resource is one path segment under its parent: a literal (``items``), a path parameter
(``{id}``) or a greedy one (``{proxy+}``, which must be a leaf). Siblings differ by name and
at most one of them is a variable. ``path`` is derived from the chain of parents.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
"""

from __future__ import annotations

import re
from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, bad, not_found

_PART = re.compile(r"^(\{[A-Za-z0-9._-]+\+?\}|[A-Za-z0-9._\-:~@$&'()*,;=!]+)$")

PATCH_SPEC: patch.Spec = {"pathPart": "str", "parentId": "str"}


def resource(doc: dict[str, Any], resource_id: str) -> dict[str, Any]:
    found = doc["resources"].get(resource_id)
    if found is None:
        raise not_found("Resource")
    return found


def is_variable(part: str | None) -> bool:
    return bool(part) and part.startswith("{")


def check_part(doc: dict[str, Any], parent_id: str, part: str, self_id: str | None = None) -> None:
    if not part or not _PART.match(part):
        raise bad("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end "
                  "and an optional plus sign before the closing brace.")
    parent = resource(doc, parent_id)
    if (parent.get("pathPart") or "").endswith("+}"):
        raise bad(f"Cannot create a child of a resource with a greedy path variable: {parent['pathPart']}")
    for sibling in doc["resources"].values():
        if sibling.get("parentId") != parent_id or sibling["id"] == self_id:
            continue
        if sibling.get("pathPart") == part:
            raise Conflict(f"Another resource with the same parent already has this name: {part}")
        if is_variable(part) and is_variable(sibling.get("pathPart")):
            raise bad(f"A sibling ({sibling['pathPart']}) of this resource already has a variable path part "
                      "-- only one is allowed")


def repath(doc: dict[str, Any]) -> None:
    """Recompute every ``path`` from the parents (after a move or a rename)."""
    resources = doc["resources"]

    def path_of(res: dict[str, Any], depth: int = 0) -> str:
        parent_id = res.get("parentId")
        if not parent_id or depth > 500:
            return "/"
        base = path_of(resources[parent_id], depth + 1)
        return base.rstrip("/") + "/" + res["pathPart"]

    for res in resources.values():
        res["path"] = path_of(res)


def shown(res: dict[str, Any], methods: str = "full") -> dict[str, Any]:
    """A Resource as the API shows it: ``methods`` is ``full`` (embedded), ``names`` (each method
    as an empty object, GetResources without ``embed``) or ``none``."""
    out = {k: res[k] for k in ("id", "parentId", "pathPart", "path") if res.get(k) is not None}
    found = res.get("resourceMethods") or {}
    if found and methods != "none":
        from squall.services.apigateway.methods import shown as method_shown

        out["resourceMethods"] = ({name: method_shown(m) for name, m in found.items()} if methods == "full"
                                  else {name: {} for name in found})
    return out


def add(doc: dict[str, Any], parent_id: str, part: str) -> dict[str, Any]:
    """Create a resource in ``doc`` (after the checks) and return it."""
    check_part(doc, parent_id, part)
    rid = store.new_id()
    while rid in doc["resources"]:
        rid = store.new_id()
    res = {"id": rid, "parentId": parent_id, "pathPart": part, "resourceMethods": {}}
    doc["resources"][rid] = res
    repath(doc)
    return res


# ---- operations -------------------------------------------------------------------------------
async def create_resource(ctx: Any, restApiId: str, parentId: str, pathPart: str) -> dict:
    return await store.change_api(ctx, restApiId, lambda tx, doc: shown(add(doc, parentId, pathPart)))


async def get_resource(ctx: Any, restApiId: str, resourceId: str, embed: list[str] | None = None) -> dict:
    return shown(resource(await store.read_api(ctx, restApiId), resourceId))


async def get_resources(ctx: Any, restApiId: str, position: str | None = None, limit: int | None = None,
                        embed: list[str] | None = None) -> dict:
    doc = await store.read_api(ctx, restApiId)
    mode = "full" if embed and "methods" in embed else "names"
    items = sorted(doc["resources"].values(), key=lambda r: r["path"])
    result = store.page(items, position, limit)
    result["items"] = [shown(r, mode) for r in result["items"]]
    return result


async def update_resource(ctx: Any, restApiId: str, resourceId: str,
                          patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        res = resource(doc, resourceId)
        if not res.get("parentId"):
            raise bad("Root resource cannot be modified")
        after = patch.apply(dict(res), patchOperations, PATCH_SPEC)
        check_part(doc, after["parentId"], after["pathPart"], resourceId)
        if _descends(doc, after["parentId"], resourceId):
            raise bad("Cannot move a resource under itself")
        res["pathPart"], res["parentId"] = after["pathPart"], after["parentId"]
        repath(doc)
        return shown(res)

    return await store.change_api(ctx, restApiId, work)


def _descends(doc: dict[str, Any], rid: str | None, ancestor: str) -> bool:
    while rid:
        if rid == ancestor:
            return True
        rid = doc["resources"][rid].get("parentId")
    return False


async def delete_resource(ctx: Any, restApiId: str, resourceId: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        res = resource(doc, resourceId)
        if not res.get("parentId"):
            raise bad("Cannot delete root resource")
        for rid in [r for r in doc["resources"] if _descends(doc, r, resourceId)]:
            del doc["resources"][rid]

    await store.change_api(ctx, restApiId, work)
    return {}
