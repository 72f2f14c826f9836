"""AWS JSON 1.0 / 1.1 (``X-Amz-Target: Prefix.Operation``), e.g. SQS, DynamoDB, EventBridge.

Requests are one JSON object of input members; responses one JSON object of
output members. Errors are ``{"__type": code, "message": msg}`` with the
``x-amzn-ErrorType`` header; for ``awsQueryCompatible`` services the
``x-amzn-query-error: <legacy code>;Sender|Receiver`` header lets botocore
report the legacy query code (botocore ``parsers._do_query_compatible_error_parse``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel

from squall.errors import ServiceError
from squall.gateway.http import Request, Response
from squall.protocol.base import ProtocolHandler
from squall.protocol.document import DocumentCodec
from squall.protocol.errors import OperationNotFound


class JsonHandler(ProtocolHandler):
    protocol = "json"
    codec_class = DocumentCodec

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.codec = self.codec_class()
        prefix = self.model.metadata.get("targetPrefix", "")
        self.content_type = f"application/x-amz-json-{self.model.metadata.get('jsonVersion', '1.0')}"
        self.by_target = {f"{prefix}.{name}": op for name, op in self.operations.items()}
        # per-operation walkers, compiled on first use of the operation
        self._in: dict[str, Any] = {}
        self._out: dict[str, Any] = {}

    # ---- routing ----
    def _find_operation(self, request: Request) -> OperationModel:
        target = request.headers.get("x-amz-target", "")
        op = self.by_target.get(target)
        if op is None:
            raise OperationNotFound(f"Unknown operation {target!r}" if target else "Missing X-Amz-Target")
        return op

    # ---- requests ----
    def _input_decoder(self, op: OperationModel) -> Any:
        dec = self._in.get(op.name)
        if dec is None:
            shape = op.input_shape
            dec = self.codec.decoder(shape) if shape is not None else (lambda v: {})
            self._in[op.name] = dec
        return dec

    def load_body(self, body: bytes) -> Any:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise self.malformed("Malformed JSON request body") from None

    def _parse(self, request: Request, op: OperationModel) -> dict[str, Any]:
        body = request.body
        if not body or body.isspace():
            return {}
        doc = self.load_body(body)
        if not isinstance(doc, dict):
            raise self.malformed("The request body must be a JSON object")
        return self._input_decoder(op)(doc)

    # ---- responses ----
    def _output_encoder(self, op: OperationModel) -> Any:
        enc = self._out.get(op.name)
        if enc is None:
            shape = op.output_shape
            enc = self.codec.encoder(shape) if shape is not None else (lambda v: {})
            self._out[op.name] = enc
        return enc

    def dump_body(self, doc: Any) -> bytes:
        return orjson.dumps(doc)

    def _serialize(self, op: OperationModel, result: Mapping[str, Any], request_id: str) -> Response:
        body = self.dump_body(self._output_encoder(op)(result))
        return Response(200, {"content-type": self.content_type, "x-amzn-requestid": request_id}, body)

    def error_document(self, error: ServiceError) -> dict[str, Any]:
        doc: dict[str, Any] = {"__type": error.code, "message": error.message}
        for k, v in error.extra.items():
            if v is not None:
                doc[k] = v
        return doc

    def error_headers(self, error: ServiceError, request_id: str) -> dict[str, str]:
        headers = {
            "content-type": self.content_type,
            "x-amzn-requestid": request_id,
            "x-amzn-errortype": error.code,
        }
        if self.query_compatible:
            headers["x-amzn-query-error"] = f"{error.query_code or error.code};{self.error_type(error)}"
        return headers

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        body = orjson.dumps(self.error_document(error), default=str)
        return Response(error.status, self.error_headers(error, request_id), body)
