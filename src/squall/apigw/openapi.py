"""Reading OpenAPI documents, for both API Gateway flavours: REST APIs' ImportRestApi / PutRestApi
and HTTP APIs' ImportApi / ReimportApi take the same kind of text — OpenAPI 3 or Swagger 2, JSON or
YAML — and refuse anything else with the same BadRequest. What each flavour makes of the document
lives with its service (``services/apigateway/openapi.py``, ``services/apigatewayv2/openapi_import.py``).
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from squall.apigw.errors import BadRequest

NOT_OPENAPI = "Invalid OpenAPI input: the document is neither OpenAPI 3 nor Swagger 2 (JSON or YAML)"


async def read(body: Any) -> bytes:
    """The document: the model streams this payload (a ``Payload``), small as it is."""
    if hasattr(body, "read"):
        return await body.read()
    return body if isinstance(body, bytes) else str(body or "").encode()


def parse(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The document as a dict (one already parsed — a template's ``Body`` — is taken as it is)."""
    if isinstance(body, dict):
        doc: Any = body
    else:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError:
                doc = None
    if not isinstance(doc, dict) or not ("swagger" in doc or "openapi" in doc):
        raise BadRequest(NOT_OPENAPI)
    return doc
