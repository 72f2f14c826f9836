"""Models: CreateModel, GetModel, GetModels, UpdateModel, DeleteModel.

A model is a JSON Schema (draft 4, as API Gateway uses) that a method's ``requestModels``
names per content type; with a request validator that validates bodies, requests that do not
match are refused (:mod:`.validation`). Every new API has the models ``Empty`` and ``Error``.
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from squall.engine.api import Tx
from squall.services.apigateway import patch, store
from squall.services.apigateway.errors import Conflict, NotFound, bad

_NAME = re.compile(r"^[A-Za-z0-9]+$")
PATCH_SPEC: patch.Spec = {"schema": "str", "description": "str"}

DEFAULT_MODELS = {
    "Empty": ('{"$schema": "http://json-schema.org/draft-04/schema#", "title" : "Empty Schema", "type" : "object"}',
              "This is a default empty schema model"),
    "Error": (('{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n'
               '  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}'),
              "This is a default error schema model"),
}


def default_models() -> dict[str, dict[str, Any]]:
    return {name: {"id": store.new_id(), "name": name, "schema": schema, "contentType": "application/json",
                   "description": description} for name, (schema, description) in DEFAULT_MODELS.items()}


def check_schema(schema: str | None) -> None:
    if schema is None:
        return
    try:
        doc = orjson.loads(schema)
    except orjson.JSONDecodeError:
        raise bad("Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema "
                  "specified]") from None
    if not isinstance(doc, dict):
        raise bad("Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema "
                  "specified. Model schema must be a JSON object]")


def model(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found = doc["models"].get(name)
    if found is None:
        raise NotFound(f"Invalid model name specified: {name}")
    return found


def shown(m: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in m.items() if v is not None}


def add(doc: dict[str, Any], name: str, schema: str | None, content_type: str | None,
        description: str | None) -> dict[str, Any]:
    if not _NAME.match(name or ""):
        raise bad("Invalid model name specified, must be alphanumeric: " + str(name))
    if name in doc["models"]:
        raise Conflict("Model name already exists for this REST API")
    check_schema(schema)
    m = {"id": store.new_id(), "name": name, "schema": schema, "contentType": content_type or "application/json",
         "description": description}
    doc["models"][name] = m
    return m


async def create_model(ctx: Any, restApiId: str, name: str, contentType: str, description: str | None = None,
                       schema: str | None = None) -> dict:
    return await store.change_api(ctx, restApiId,
                                  lambda tx, doc: shown(add(doc, name, schema, contentType, description)))


async def get_model(ctx: Any, restApiId: str, modelName: str, flatten: bool | None = None) -> dict:
    return shown(model(await store.read_api(ctx, restApiId), modelName))


async def get_models(ctx: Any, restApiId: str, position: str | None = None, limit: int | None = None) -> dict:
    doc = await store.read_api(ctx, restApiId)
    return store.page([shown(m) for _, m in sorted(doc["models"].items())], position, limit)


async def update_model(ctx: Any, restApiId: str, modelName: str, patchOperations: list[dict] | None = None) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> dict[str, Any]:
        m = patch.apply(model(doc, modelName), patchOperations, PATCH_SPEC)
        check_schema(m.get("schema"))
        return shown(m)

    return await store.change_api(ctx, restApiId, work)


async def delete_model(ctx: Any, restApiId: str, modelName: str) -> dict:
    def work(tx: Tx, doc: dict[str, Any]) -> None:
        model(doc, modelName)
        for res in doc["resources"].values():
            for name, m in (res.get("resourceMethods") or {}).items():
                if modelName in (m.get("requestModels") or {}).values():
                    raise Conflict(f"Cannot delete model '{modelName}', is referenced in method request: "
                                   f"{res['path']}/{name}")
        del doc["models"][modelName]

    await store.change_api(ctx, restApiId, work)
    return {}
