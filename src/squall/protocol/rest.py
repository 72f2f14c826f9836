"""The REST protocols: ``rest-json`` (Lambda, API Gateway, Scheduler) and ``rest-xml`` (S3).

Input members live in a *location*: a URI label (``{Key+}`` greedy), the query
string, a header (``jsonvalue`` headers are base64 JSON), a prefix-header map
(``x-amz-meta-*``), or the body — either one ``payload`` member (a raw
blob/streaming body, a string, or a structure document) or the remaining
members as one JSON object / XML element. Output is the mirror image, plus an
optional ``statusCode`` member. Timestamps default to ISO 8601 in URIs and
query strings, RFC 822 in headers, and the body format's default otherwise.

    RestHandler ─┬─ RestJsonHandler   body = JSON (DocumentCodec)
                 └─ RestXmlHandler    body = XML  (XmlCodec); S3's bare <Error> documents
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson
from botocore.model import OperationModel, Shape

from squall.errors import ServiceError
from squall.gateway.http import Request, Response
from squall.protocol import values
from squall.protocol.base import ProtocolHandler
from squall.protocol.document import DocumentCodec
from squall.protocol.errors import BadValue, OperationNotFound
from squall.protocol.restroute import RestRouter
from squall.protocol.xmlcodec import XmlCodec

#: A result key an operation may set to answer with a status its output shape has no
#: member for (S3 GetObject's 206 Partial Content).
STATUS = "__status__"


class RestHandler(ProtocolHandler):
    body_content_type = "application/json"

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.router = RestRouter(self.operations)
        self._layouts: dict[tuple[str, bool], tuple[dict[str, list[tuple[str, Shape]]], list[str]]] = {}
        self._header_indexes: dict[tuple[str, bool], dict[str, tuple[Any, Any]]] = {}

    # ---- routing ----
    def _find_operation(self, request: Request) -> OperationModel:
        found = self.router.match(request.method, request.path, request.query, request.headers)
        if found is None:
            raise OperationNotFound(
                f"No operation matches {request.method} {request.path}", code=self.not_found_code, status=404
            )
        op, labels = found
        request.__dict__["_squall_labels"] = (op.name, labels)
        return op

    not_found_code = "UnknownOperationException"

    def _labels(self, request: Request, op: OperationModel) -> dict[str, str]:
        cached = request.__dict__.get("_squall_labels")
        if cached and cached[0] == op.name:
            return cached[1]
        for route in self.router.by_method.get(request.method.upper(), ()):
            if route.op is op:
                found = route.match(request.path, request.query, request.headers)
                if found is not None:
                    return found
        return {}

    def _header_index(self, shape: Shape, groups: dict, output: bool) -> dict[str, tuple[Any, Any]]:
        """Header members of ``shape``: by lower-cased wire name → (name, member) for requests,
        by member name → (lower-cased wire name, member) for responses. Cached per shape."""
        key = (shape.name, output)
        found = self._header_indexes.get(key)
        if found is None:
            found = {}
            for name, member in groups.get("header", ()):
                wire = member.serialization.get("name", name).lower()
                if output:
                    found[name] = (wire, member)
                else:
                    found[wire] = (name, member)
            self._header_indexes[key] = found
        return found

    def layout(self, shape: Shape, output: bool) -> tuple[dict[str, list[tuple[str, Shape]]], list[str]]:
        """Members of ``shape`` grouped by location, and the names of the body members."""
        key = (shape.name, output)
        found = self._layouts.get(key)
        if found is None:
            groups: dict[str, list[tuple[str, Shape]]] = {}
            body: list[str] = []
            for name, member in shape.members.items():
                loc = member.serialization.get("location")
                if loc:
                    groups.setdefault(loc, []).append((name, member))
                elif name != shape.serialization.get("payload"):
                    body.append(name)
            found = self._layouts[key] = (groups, body)
        return found

    # ---- requests ----
    def _parse(self, request: Request, op: OperationModel) -> dict[str, Any]:
        shape = op.input_shape
        if shape is None:
            return {}
        groups, body_members = self.layout(shape, False)
        out: dict[str, Any] = {}
        labels = self._labels(request, op)
        for name, member in groups.get("uri", ()):
            wire = member.serialization.get("name", name)
            if wire in labels:
                out[name] = self._text(labels[wire], member, name)
        claimed: set[str] = set()
        query = request.query
        for name, member in groups.get("querystring", ()):
            if member.type_name != "map":
                claimed.add(member.serialization.get("name", name))
        for name, member in groups.get("querystring", ()):
            if member.type_name == "map":
                rest = {k: v for k, v in query.items() if k not in claimed}
                if rest:
                    many = member.value.type_name == "list"
                    out[name] = {k: (v if many else v[-1]) for k, v in rest.items()}
                continue
            got = query.get(member.serialization.get("name", name))
            if got is None:
                continue
            if member.type_name == "list":
                out[name] = [self._text(v, member.member, name) for v in got]
            else:
                out[name] = self._text(got[-1], member, name)
        headers = request.headers
        by_wire = self._header_index(shape, groups, False)
        for wire, raw in headers.items():  # a request has fewer headers than S3 inputs have members
            spec = by_wire.get(wire)
            if spec is None:
                continue
            name, member = spec
            if member.type_name == "list":
                out[name] = [self._text(v.strip(), member.member, name) for v in raw.split(",") if v.strip()]
            elif member.serialization.get("jsonvalue"):
                try:
                    out[name] = orjson.loads(base64.b64decode(raw))
                except (binascii.Error, ValueError):
                    raise BadValue("invalid base64-encoded JSON header", name) from None
            else:
                out[name] = self._text(raw, member, name)
        for name, member in groups.get("headers", ()):
            prefix = member.serialization.get("name", "").lower()
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                out[name] = found
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            if member.type_name == "blob":
                out[payload] = request.body
            elif member.type_name == "string":
                if request.body:
                    out[payload] = request.body.decode("utf-8", "replace")
            elif request.body.strip():
                out[payload] = self.decode_payload(request.body, member)
        elif body_members and request.body.strip():
            out.update(self.decode_body(request.body, shape, body_members))
        return out

    def _text(self, text: str, member: Shape, name: str) -> Any:
        try:
            return values.parse_scalar_text(text, member.type_name)
        except BadValue as exc:
            exc.path = name
            raise

    def decode_payload(self, body: bytes, member: Shape) -> Any:
        raise NotImplementedError

    def decode_body(self, body: bytes, shape: Shape, members: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    # ---- responses ----
    def _serialize(self, op: OperationModel, result: Mapping[str, Any], request_id: str) -> Response:
        status = int(op.http.get("responseCode", 200))
        headers = self.base_headers(request_id)
        body = b""
        stream = None
        shape = op.output_shape
        if shape is not None:
            groups, body_members = self.layout(shape, True)
            for name, member in groups.get("statusCode", ()):
                if result.get(name) is not None:
                    status = int(result[name])
            if STATUS in result:
                status = int(result[STATUS])
            by_name = self._header_index(shape, groups, True)
            for name, value in result.items():  # results are sparser than output shapes
                spec = by_name.get(name)
                if spec is not None and value is not None:
                    headers[spec[0]] = self.header_text(value, spec[1])
            for name, member in groups.get("headers", ()):
                prefix = member.serialization.get("name", "").lower()
                for k, v in (result.get(name) or {}).items():
                    headers[f"{prefix}{k}"] = str(v)
            payload = shape.serialization.get("payload")
            if payload:
                member = shape.members[payload]
                value = result.get(payload)
                if value is not None:
                    if hasattr(value, "__aiter__"):  # a streamed blob (S3 GetObject): sent as it is read
                        stream = value
                        headers.setdefault("content-type", "application/octet-stream")
                    elif member.type_name in ("blob", "string"):
                        body = values.to_bytes(value)
                        headers.setdefault("content-type", "application/octet-stream")
                    else:
                        body = self.encode_payload(value, member, payload)
                        headers.setdefault("content-type", self.body_content_type)
            elif body_members:
                body = self.encode_body(result, shape, body_members)
                headers.setdefault("content-type", self.body_content_type)
        return Response(status, headers, body, stream)

    def header_text(self, value: Any, member: Shape) -> str:
        if member.serialization.get("jsonvalue"):
            return base64.b64encode(orjson.dumps(value)).decode()
        if member.type_name == "list":
            return ",".join(values.scalar_text(v, member.member.type_name) for v in value)
        fmt = member.serialization.get("timestampFormat", "rfc822")
        return values.scalar_text(value, member.type_name, fmt)

    def base_headers(self, request_id: str) -> dict[str, str]:
        return {"x-amzn-requestid": request_id}

    def encode_payload(self, value: Any, member: Shape, name: str) -> bytes:
        raise NotImplementedError

    def encode_body(self, result: Mapping[str, Any], shape: Shape, members: list[str]) -> bytes:
        raise NotImplementedError


class RestJsonHandler(RestHandler):
    protocol = "rest-json"

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.codec = DocumentCodec()

    def _load(self, body: bytes) -> Any:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise self.malformed("Malformed JSON request body") from None
        return doc

    def decode_payload(self, body: bytes, member: Shape) -> Any:
        return self.codec.decoder(member)(self._load(body))

    def decode_body(self, body: bytes, shape: Shape, members: list[str]) -> dict[str, Any]:
        doc = self._load(body)
        if not isinstance(doc, dict):
            raise self.malformed("The request body must be a JSON object")
        return self.codec.decoder(shape, members)(doc)

    def encode_payload(self, value: Any, member: Shape, name: str) -> bytes:
        return orjson.dumps(self.codec.encoder(member)(value))

    def encode_body(self, result: Mapping[str, Any], shape: Shape, members: list[str]) -> bytes:
        return orjson.dumps(self.codec.encoder(shape, members)(result))

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        doc: dict[str, Any] = {"__type": error.code, "message": error.message}
        doc.update({k: v for k, v in error.extra.items() if v is not None})
        headers = {
            "content-type": "application/json",
            "x-amzn-requestid": request_id,
            "x-amzn-errortype": error.code,
        }
        if self.query_compatible:
            headers["x-amzn-query-error"] = f"{error.query_code or error.code};{self.error_type(error)}"
        return Response(error.status, headers, orjson.dumps(doc, default=str))


class RestXmlHandler(RestHandler):
    protocol = "rest-xml"
    body_content_type = "application/xml"
    malformed_code = "MalformedXML"
    not_found_code = "MethodNotAllowed"

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.xml = XmlCodec(self.names)
        self.is_s3 = self.model.metadata.get("serviceId") in ("S3", "S3 Control")

    def base_headers(self, request_id: str) -> dict[str, str]:
        headers = {"x-amzn-requestid": request_id, "x-amz-request-id": request_id}
        if self.is_s3:
            headers["x-amz-id-2"] = request_id
        return headers

    def decode_payload(self, body: bytes, member: Shape) -> Any:
        return self.xml.decode(self.xml.parse_document(body), member)

    def decode_body(self, body: bytes, shape: Shape, members: list[str]) -> dict[str, Any]:
        return self.xml.decode(self.xml.parse_document(body), shape)

    def _xmlns(self, shape: Shape) -> str | None:
        ns = shape.serialization.get("xmlNamespace")
        if isinstance(ns, dict):
            return ns.get("uri")
        return ns

    def encode_payload(self, value: Any, member: Shape, name: str) -> bytes:
        tag = member.serialization.get("name", name)
        return (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            + self.xml.element(tag, value, member, self._xmlns(member)).encode()
        )

    def encode_body(self, result: Mapping[str, Any], shape: Shape, members: list[str]) -> bytes:
        tag = shape.serialization.get("name") or shape.name.removesuffix("Output")
        ns = self._xmlns(shape) or ("http://s3.amazonaws.com/doc/2006-03-01/" if self.is_s3 else None)
        return b'<?xml version="1.0" encoding="UTF-8"?>' + self.xml.element(tag, result, shape, ns).encode()

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        from xml.sax.saxutils import escape

        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in error.extra.items() if v is not None)
        inner = f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>{extra}"
        if self.is_s3:
            doc = f"<Error>{inner}<RequestId>{request_id}</RequestId></Error>"
        else:
            doc = (
                f"<ErrorResponse><Error><Type>{self.error_type(error)}</Type>{inner}</Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        headers = self.base_headers(request_id)
        headers["content-type"] = "application/xml"
        body = (
            b""
            if op is not None and op.http.get("method") == "HEAD"
            else b'<?xml version="1.0" encoding="UTF-8"?>' + doc.encode()
        )
        return Response(error.status, headers, body)
