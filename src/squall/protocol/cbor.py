"""Smithy RPC v2 CBOR (``POST /service/{ServiceName}/operation/{Operation}``), e.g. CloudWatch.

The document model is the JSON protocol's, encoded as CBOR: blobs are byte
strings and timestamps epoch seconds in tag 1 (cbor2 decodes those to
``datetime``). Responses carry ``smithy-protocol: rpc-v2-cbor``; errors are a
CBOR map with ``__type`` and ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import cbor2
from botocore.model import OperationModel

from squall.errors import ServiceError
from squall.gateway.http import Request, Response
from squall.protocol import values
from squall.protocol.document import DocumentCodec
from squall.protocol.errors import BadValue, OperationNotFound
from squall.protocol.jsonrpc import JsonHandler


class CborCodec(DocumentCodec):
    def decode_blob(self, value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        raise BadValue("expected a byte string")

    def decode_timestamp(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return values.parse_timestamp(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return values.parse_timestamp(value)
        raise BadValue("expected a timestamp")

    def encode_blob(self, value: Any) -> Any:
        return values.to_bytes(value)

    def encode_timestamp(self, value: Any, fmt: str | None) -> Any:
        return cbor2.CBORTag(1, values.epoch(value))


class CborHandler(JsonHandler):
    protocol = "smithy-rpc-v2-cbor"
    codec_class = CborCodec

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.content_type = "application/cbor"
        service = self.model.metadata.get("targetPrefix", "")
        self.by_path = {f"/service/{service}/operation/{name}": op for name, op in self.operations.items()}

    def _find_operation(self, request: Request) -> OperationModel:
        op = self.by_path.get(request.path.rstrip("/"))
        if op is None:
            raise OperationNotFound(f"Unknown operation path {request.path!r}", status=404)
        return op

    def load_body(self, body: bytes) -> Any:
        try:
            return cbor2.loads(body)
        except Exception:  # noqa: BLE001 - cbor2 raises many types on garbage
            raise self.malformed("Malformed CBOR request body") from None

    def dump_body(self, doc: Any) -> bytes:
        return cbor2.dumps(doc)

    def _serialize(self, op: OperationModel, result: Mapping[str, Any], request_id: str) -> Response:
        resp = super()._serialize(op, result, request_id)
        resp.headers["smithy-protocol"] = "rpc-v2-cbor"
        return resp

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        headers = self.error_headers(error, request_id)
        headers["smithy-protocol"] = "rpc-v2-cbor"
        body = cbor2.dumps(self.error_document(error), default=lambda enc, v: enc.encode(str(v)))
        return Response(error.status, headers, body)
