"""Drive our handlers with botocore's own client-side serializers and parsers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from squall.gateway.http import Request, Response
from squall.protocol import ProtocolHandler
from squall.protocol.specs import service_model


def botocore_request(
    model: ServiceModel, op_name: str, params: dict[str, Any], protocol: str | None = None
) -> Request:
    """What a botocore client would send for ``op_name(**params)``, as our Request."""
    op = model.operation_model(op_name)
    serializer = create_serializer(protocol or model.protocol, include_validation=True)
    request_dict = serializer.serialize_to_request(params, op)
    prepare_request_dict(request_dict, endpoint_url="http://localhost:4566")
    prepared = create_request_object(request_dict).prepare()
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif hasattr(body, "read"):
        body = body.read()
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()}
    return Request(prepared.method, url.path or "/", url.query, headers, body)


def botocore_parse(protocol: str, op: OperationModel, resp: Response) -> dict[str, Any]:
    """What a botocore client makes of our response."""
    parser = create_parser(protocol)
    return parser.parse(
        {"status_code": resp.status, "headers": HeadersDict(resp.headers), "body": resp.body},
        op.output_shape,
    )


def roundtrip_request(
    handler: ProtocolHandler,
    model_name: str,
    op_name: str,
    params: dict[str, Any],
    protocol: str | None = None,
    model: ServiceModel | None = None,
) -> tuple[OperationModel, dict]:
    req = botocore_request(model or service_model(model_name), op_name, params, protocol)
    op = handler.operation_for(req)
    assert op.name == op_name, (op.name, op_name)
    return op, handler.parse(req, op)


def strip_meta(parsed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
