"""The services squall serves, imported lazily by name."""

from __future__ import annotations

import importlib
from functools import cache

from squall.services.base import Service

# signing name -> module holding SERVICE
SERVICES: dict[str, str] = {
    "apigateway": "squall.services.apigateway.service",
    "apigatewayv2": "squall.services.apigatewayv2.service",  # signs as "apigateway"; the router sends /v2/… here
    "cloudformation": "squall.services.cloudformation.service",
    "lambda": "squall.services.lambda_.service",
    "logs": "squall.services.logs.service",
    "s3": "squall.services.s3.service",
    "sqs": "squall.services.sqs.service",
}


@cache
def get_service(name: str) -> Service | None:
    module = SERVICES.get(name)
    if module is None:
        return None
    return importlib.import_module(module).SERVICE


def service_names() -> list[str]:
    return sorted(SERVICES)
