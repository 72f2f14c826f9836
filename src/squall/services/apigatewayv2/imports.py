"""ImportApi and ReimportApi: an HTTP API made from, or replaced by, an OpenAPI definition.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html

The document is read by :mod:`.openapi_import`; here its parts are stored. ImportApi makes a new
API (no stage: as after CreateApi, a stage is created apart — SAM's ``$default`` stage is its own
resource). ReimportApi keeps the API's id, stages and deployments and replaces what the document
defines: routes, integrations, authorizers, CORS, the name, version, description and endpoint
switch (and the tags, when the document has some); stages' route settings of routes that are gone
go with them, and auto-deploy stages are redeployed as after any other change
(:func:`.deployments.changed`). Both answer the API as GetApi does, with ``ImportInfo`` and
``Warnings`` when the import has any (the API keeps them, as API Gateway's does).
"""

from __future__ import annotations

import copy
from typing import Any

from squall.apigw.openapi import parse
from squall.engine.api import Tx
from squall.services.apigatewayv2 import apis, authorizers, deployments, routes, store
from squall.services.apigatewayv2.errors import BadRequest
from squall.services.apigatewayv2.openapi_import import Definition, read_definition

#: API members a (re)import sets from the document
_DEFINED = ("CorsConfiguration", "Description", "DisableExecuteApiEndpoint", "Name", "Version")


def _definition(body: Any, basepath: str | None, fail_on_warnings: bool | None) -> Definition:
    definition = read_definition(parse(body), basepath)
    if fail_on_warnings and definition.warnings:
        raise BadRequest("Warnings found during import:\n\t" + "\n\t".join(definition.warnings))
    return definition


def _set_findings(api: dict[str, Any], definition: Definition) -> None:
    for member, found in (("ImportInfo", definition.info), ("Warnings", definition.warnings)):
        if found:
            api[member] = list(found)
        else:
            api.pop(member, None)


def _store_parts(tx: Tx, api_id: str, definition: Definition) -> None:
    """Integrations and authorizers first: :func:`.routes.check` finds what each route names."""
    for ns, docs, key in ((store.NS_INTEGRATIONS, definition.integrations, "IntegrationId"),
                          (store.NS_AUTHORIZERS, definition.authorizers, "AuthorizerId")):
        for doc in docs:
            store.save(tx, ns, f"{api_id}/{doc[key]}", doc)
    for route in definition.routes:
        routes.check(tx, api_id, route)
        store.save(tx, store.NS_ROUTES, f"{api_id}/{route['RouteId']}", route)


async def import_api(ctx: Any, Body: Any, Basepath: str | None = None,
                     FailOnWarnings: bool | None = None) -> dict[str, Any]:
    definition = _definition(Body, Basepath, FailOnWarnings)
    members = dict(definition.api)
    doc = apis.new_api(ctx, members.pop("Name"), members.pop("CorsConfiguration", None), members.pop("Tags"),
                       **members)
    _set_findings(doc, definition)

    def work(tx: Tx) -> dict[str, Any]:  # may run twice: works on copies
        api, parts = copy.deepcopy(doc), copy.deepcopy(definition)
        apis.insert(tx, ctx, api)
        _store_parts(tx, api["ApiId"], parts)
        deployments.changed(tx, ctx, api)
        return store.public(api)

    return await ctx.engine.transact(work)


async def reimport_api(ctx: Any, ApiId: str, Body: Any, Basepath: str | None = None,
                       FailOnWarnings: bool | None = None) -> dict[str, Any]:
    definition = _definition(Body, Basepath, FailOnWarnings)

    def work(tx: Tx) -> dict[str, Any]:
        api, parts = store.api_of(tx, ctx, ApiId), copy.deepcopy(definition)
        for ns in (store.NS_ROUTES, store.NS_INTEGRATIONS, store.NS_AUTHORIZERS):
            tx.delete_prefix(ns, f"{ApiId}/")
        for member in _DEFINED:
            if member in parts.api:
                api[member] = parts.api[member]
            else:
                api.pop(member, None)
        if parts.api["Tags"]:
            api["Tags"] = parts.api["Tags"]
        _set_findings(api, parts)
        _store_parts(tx, ApiId, parts)
        routes.prune_route_settings(tx, ApiId)
        authorizers.forget_results(tx, ctx, ApiId)
        deployments.changed(tx, ctx, api)
        return store.public(api)

    return await ctx.engine.transact(work)
