"""The AWS query protocol: form-encoded ``Action``/``Version`` in, XML out (SNS, legacy SQS).

Input names follow botocore's ``QuerySerializer``: ``Struct.Member``,
``List.member.N`` (flattened: ``List.N``, or ``Element.N`` when the element is
named), ``Map.entry.N.key``/``.value`` (flattened: ``Map.N.key``). Service
name overrides (see :mod:`squall.protocol.specs`) let SQS accept its legacy
names (``Attribute.1.Name``) on top of its JSON-only model.

Responses::

    <OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>

Errors::

    <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from botocore.model import OperationModel, Shape

from squall.errors import ServiceError
from squall.gateway.http import Request, Response
from squall.protocol import values
from squall.protocol.base import ProtocolHandler
from squall.protocol.errors import BadValue, ProtocolClientError
from squall.protocol.xmlcodec import XmlCodec

_XML = "text/xml"


class QueryHandler(ProtocolHandler):
    protocol = "query"
    malformed_code = "InvalidParameterValue"

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(model_name, name_overrides)
        self.xml = XmlCodec(self.names)
        # "$xmlns" in the overrides names a legacy namespace the model no longer carries.
        ns = self.names.overrides.get("$xmlns") or self.model.metadata.get("xmlNamespace")
        if not ns:
            ns = (
                f"http://{self.model.metadata.get('endpointPrefix', model_name)}.amazonaws.com/doc/"
                f"{self.model.metadata.get('apiVersion', '')}/"
            )
        self.xmlns = ns

    # ---- routing ----
    def params(self, request: Request) -> dict[str, str]:
        """Query-string and form parameters merged (the form wins)."""
        merged = {k: v[-1] for k, v in request.query.items()} if request.query_string else {}
        if request.body:
            merged.update(request.form)
        return merged

    def _find_operation(self, request: Request) -> OperationModel:
        action = self.params(request).get("Action")
        if not action:
            raise ProtocolClientError("No action was supplied with this request.", code="MissingAction")
        op = self.operations.get(action)
        if op is None:
            raise ProtocolClientError(
                f"The action {action} is not valid for this endpoint.", code="InvalidAction"
            )
        return op

    # ---- requests ----
    def _parse(self, request: Request, op: OperationModel) -> dict[str, Any]:
        shape = op.input_shape
        if shape is None:
            return {}
        form = self.params(request)
        present: set[str] = set()
        for key in form:
            parts = key.split(".")
            for i in range(1, len(parts) + 1):
                present.add(".".join(parts[:i]))
        return self._struct(form, present, shape, "")

    def _value(self, form: dict[str, str], present: set[str], shape: Shape, key: str) -> Any:
        t = shape.type_name
        if t == "structure":
            return self._struct(form, present, shape, key)
        if t == "list":
            return self._list(form, present, shape, key)
        if t == "map":
            return self._map(form, present, shape, key)
        text = form.get(key)
        if text is None:
            raise ProtocolClientError(
                f"Parameter {key} must be a single value.", code="InvalidParameterValue"
            )
        try:
            return values.parse_scalar_text(text, t)
        except BadValue as exc:
            raise ProtocolClientError(
                f"Value ({text}) for parameter {key} is invalid. {exc.message}",
                code="InvalidParameterValue",
            ) from None

    def _struct(self, form: dict[str, str], present: set[str], shape: Shape, prefix: str) -> dict:
        out = {}
        for name, member in shape.members.items():
            wire = self.names.member(shape, name, member)
            key = f"{prefix}.{wire}" if prefix else wire
            if member.type_name == "list" and self.names.flattened(member):
                element = self.names.list_member(member)
                if element is not None:  # a named flattened element replaces the member's name
                    alt = f"{prefix}.{element}" if prefix else element
                    if alt in present:
                        key = alt
            if key in present:
                out[name] = self._value(form, present, member, key)
        return out

    def _list(self, form: dict[str, str], present: set[str], shape: Shape, key: str) -> list:
        if form.get(key) == "":
            return []
        if self.names.flattened(shape):
            base = key
        else:
            base = f"{key}.{self.names.list_member(shape) or 'member'}"
        out = []
        i = 1
        while f"{base}.{i}" in present:
            out.append(self._value(form, present, shape.member, f"{base}.{i}"))
            i += 1
        return out

    def _map(self, form: dict[str, str], present: set[str], shape: Shape, key: str) -> dict:
        base = key if self.names.flattened(shape) else f"{key}.entry"
        kname, vname = self.names.map_key(shape), self.names.map_value(shape)
        out = {}
        i = 1
        while f"{base}.{i}" in present:
            entry = f"{base}.{i}"
            if f"{entry}.{kname}" not in form:
                raise ProtocolClientError(f"Map entry {entry} has no {kname}.", code="InvalidParameterValue")
            k = self._value(form, present, shape.key, f"{entry}.{kname}")
            if f"{entry}.{vname}" in present:
                out[k] = self._value(form, present, shape.value, f"{entry}.{vname}")
            i += 1
        return out

    # ---- responses ----
    def _serialize(self, op: OperationModel, result: Mapping[str, Any], request_id: str) -> Response:
        name = op.name
        parts = [f'<?xml version="1.0" encoding="UTF-8"?><{name}Response xmlns="{self.xmlns}">']
        shape = op.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper") or f"{name}Result"
            parts.append(f"<{wrapper}>{self.xml.members(result, shape)}</{wrapper}>")
        parts.append(
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>"
        )
        return Response(200, {"content-type": _XML, "x-amzn-requestid": request_id}, "".join(parts).encode())

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        code = error.query_code or error.code
        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in error.extra.items() if v is not None)
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="{self.xmlns}"><Error>'
            f"<Type>{self.error_type(error)}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(error.message)}</Message>{extra}<Detail/></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Response(error.status, {"content-type": _XML, "x-amzn-requestid": request_id}, body.encode())
