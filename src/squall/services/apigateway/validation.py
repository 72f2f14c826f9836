"""Request validation on the data plane: a method's request validator may require its
required request parameters (400 ``Missing required request parameters: [a, b]``) and a body
matching the request model for its content type, a JSON Schema draft 4 (400 ``Invalid request
body``).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html

Models may refer to each other (``"$ref": "https://apigateway.amazonaws.com/restapis/{api}/models/{name}"``);
the compiled validator of each model is kept with its deployment.
"""

from __future__ import annotations

from typing import Any

import orjson
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from squall.services.apigateway.call import Call
from squall.services.apigateway.deployed import Deployment
from squall.services.apigateway.mapping import content_type


def check(call: Call) -> tuple[str, str] | None:
    """None when the request passes, else (gateway response type, message)."""
    method = call.method
    validator = call.deployment.validators.get(method.get("requestValidatorId") or "")
    if validator is None:
        return None
    if validator.get("validateRequestParameters"):
        missing = [expr.rsplit(".", 1)[-1] for expr, required in (method.get("requestParameters") or {}).items()
                   if required and call.source(expr) is None]
        if missing:
            return "BAD_REQUEST_PARAMETERS", f"Missing required request parameters: [{', '.join(missing)}]"
    if validator.get("validateRequestBody"):
        models = method.get("requestModels") or {}
        name = models.get(content_type(call)) or models.get("$default")
        if name and not _valid(call.deployment, name, call.body):
            return "BAD_REQUEST_BODY", "Invalid request body"
    return None


def _valid(deployment: Deployment, name: str, body: bytes) -> bool:
    schema_validator = _validator(deployment, name)
    if schema_validator is None:
        return True
    try:
        doc = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        return False
    return schema_validator.is_valid(doc)


def _validator(deployment: Deployment, name: str) -> Draft4Validator | None:
    key = ("schema", name)
    if key in deployment.memo:
        return deployment.memo[key]
    model = deployment.models.get(name)
    found = None
    if model and model.get("schema"):
        try:
            schema = orjson.loads(model["schema"])
            found = Draft4Validator(schema, registry=Registry(retrieve=lambda uri: _model_resource(deployment, uri)))
        except (orjson.JSONDecodeError, TypeError, ValueError):
            found = None
    deployment.memo[key] = found
    return found


def _model_resource(deployment: Deployment, uri: str) -> Resource[Any]:
    """``…/models/{name}`` → that model's schema (an unknown one is an empty schema)."""
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    model = deployment.models.get(name) or {}
    try:
        schema = orjson.loads(model.get("schema") or "{}")
    except orjson.JSONDecodeError:
        schema = {}
    return Resource.from_contents(schema, default_specification=DRAFT4)
