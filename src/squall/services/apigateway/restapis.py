"""REST APIs: CreateRestApi, GetRestApi, GetRestApis, UpdateRestApi, DeleteRestApi.

A new API has its root resource ``/`` (its id is ``rootResourceId``). ``cloneFrom`` copies
another API's resources, methods, models, validators, authorizers and gateway responses.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateRestApi.html
"""

from __future__ import annotations

import copy
from typing import Any

from squall.engine.api import Tx
from squall.services.apigateway import models, patch, store
from squall.services.apigateway.errors import bad

_API_KEY_SOURCES = ("HEADER", "AUTHORIZER")
_ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")

PATCH_SPEC: patch.Spec = {
    "name": "str", "description": "str", "version": "str", "apiKeySource": "str", "policy": "str",
    "minimumCompressionSize": "int", "disableExecuteApiEndpoint": "bool", "binaryMediaTypes": "set",
    "endpointConfiguration/types": "list", "endpointConfiguration/vpcEndpointIds": "list",
    "endpointConfiguration/ipAddressType": "str", "securityPolicy": "str", "endpointAccessMode": "str",
}


def empty_document(api: dict[str, Any], root_id: str) -> dict[str, Any]:
    """A new API: its root resource and the default models ``Empty`` and ``Error``."""
    return {"api": api, "resources": {root_id: {"id": root_id, "path": "/", "resourceMethods": {}}},
            "authorizers": {}, "models": models.default_models(), "validators": {}, "responses": {}}


def check(api: dict[str, Any]) -> None:
    if not api.get("name"):
        raise bad("Invalid REST API name specified")
    if api.get("apiKeySource") not in _API_KEY_SOURCES:
        raise bad(f"Invalid API Key source specified: {api.get('apiKeySource')}")
    types = (api.get("endpointConfiguration") or {}).get("types") or []
    if len(types) != 1 or types[0] not in _ENDPOINT_TYPES:
        raise bad("Invalid endpoint configuration: exactly one of EDGE, REGIONAL or PRIVATE is expected")
    size = api.get("minimumCompressionSize")
    if size is not None and not 0 <= size <= 10485760:
        raise bad("Invalid minimum compression size, must be between 0 and 10485760")


def insert(tx: Tx, ctx: Any, doc: dict[str, Any]) -> None:
    """Store a new API document (and its owner index) under a fresh id set in ``doc``."""
    api = doc["api"]
    while tx.get(store.NS_IDS, api["id"]) is not None:  # ten random characters: practically never
        api["id"] = store.new_id(10)
    tx.put(store.NS_IDS, api["id"], store.owner(ctx).encode())
    store.save(tx, store.NS_APIS, store.api_key(ctx, api["id"]), doc)
    store.changed(tx, ctx.runtime)


def new_api(name: str | None, description: str | None = None, version: str | None = None,
            binary_media_types: list[str] | None = None, minimum_compression_size: int | None = None,
            api_key_source: str | None = None, endpoint_configuration: dict[str, Any] | None = None,
            policy: str | None = None, tags: dict[str, str] | None = None,
            disable_execute_api_endpoint: bool | None = None, now: float = 0.0) -> tuple[dict[str, Any], str]:
    """The RestApi members of a new API, and its root resource id."""
    root = store.new_id(10)
    endpoint = dict(endpoint_configuration or {"types": ["EDGE"]})
    endpoint.setdefault("ipAddressType", "ipv4")
    api = {"id": store.new_id(10), "name": name, "description": description, "version": version,
           "createdDate": round(now, 3), "binaryMediaTypes": list(binary_media_types or []),
           "minimumCompressionSize": minimum_compression_size, "apiKeySource": api_key_source or "HEADER",
           "endpointConfiguration": endpoint, "policy": policy, "tags": dict(tags or {}),
           "disableExecuteApiEndpoint": bool(disable_execute_api_endpoint), "rootResourceId": root}
    check(api)
    return api, root


def shown(api: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in api.items() if v is not None}
    if not out.get("binaryMediaTypes"):
        out.pop("binaryMediaTypes", None)
    return out


# ---- operations -------------------------------------------------------------------------------
async def create_rest_api(ctx: Any, name: str, description: str | None = None, version: str | None = None,
                          cloneFrom: str | None = None, binaryMediaTypes: list[str] | None = None,
                          minimumCompressionSize: int | None = None, apiKeySource: str | None = None,
                          endpointConfiguration: dict[str, Any] | None = None, policy: str | None = None,
                          tags: dict[str, str] | None = None, disableExecuteApiEndpoint: bool | None = None,
                          securityPolicy: str | None = None, endpointAccessMode: str | None = None) -> dict:
    api, root = new_api(name, description, version, binaryMediaTypes, minimumCompressionSize, apiKeySource,
                        endpointConfiguration, policy, tags, disableExecuteApiEndpoint, ctx.engine.now())

    def work(tx: Tx) -> dict[str, Any]:
        doc = empty_document(api, root)
        if cloneFrom:
            source = store.get_api(tx, ctx, cloneFrom)
            for part in ("resources", "authorizers", "models", "validators", "responses"):
                doc[part] = copy.deepcopy(source[part])
            source_root = source["api"]["rootResourceId"]
            doc["resources"] = _rename_root(doc["resources"], source_root, root)
            if not binaryMediaTypes:
                api["binaryMediaTypes"] = list(source["api"].get("binaryMediaTypes") or [])
        insert(tx, ctx, doc)
        return shown(api)

    return await ctx.engine.transact(work)


def _rename_root(resources: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    out = {}
    for rid, res in resources.items():
        if res.get("parentId") == old:
            res["parentId"] = new
        if rid == old:
            res["id"] = rid = new
        out[rid] = res
    return out


async def get_rest_api(ctx: Any, restApiId: str) -> dict:
    return shown((await store.read_api(ctx, restApiId))["api"])


async def get_rest_apis(ctx: Any, position: str | None = None, limit: int | None = None) -> dict:
    prefix = store.owner(ctx) + "/"
    docs = await ctx.engine.read(lambda tx: store.scan(tx, store.NS_APIS, prefix))
    apis = sorted((shown(doc["api"]) for _, doc in docs), key=lambda a: (a["createdDate"], a["id"]))
    return store.page(apis, position, limit)


async def update_rest_api(ctx: Any, restApiId: str, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        api = patch.apply(doc["api"], patchOperations, PATCH_SPEC)
        check(api)
        return shown(api)

    return await store.change_api(ctx, restApiId, work)


async def delete_rest_api(ctx: Any, restApiId: str) -> dict:
    def work(tx: Tx) -> None:
        store.get_api(tx, ctx, restApiId)
        tx.delete(store.NS_APIS, store.api_key(ctx, restApiId))
        tx.delete(store.NS_IDS, restApiId)
        tx.delete_prefix(store.NS_DEPLOYMENTS, restApiId + "/")
        tx.delete_prefix(store.NS_STAGES, restApiId + "/")
        store.changed(tx, ctx.runtime)

    await ctx.engine.transact(work)
    return {}
