"""The base every protocol handler shares.

:class:`ProtocolHandler` fixes the contract (``operation_for``, ``parse``,
``serialize``, ``serialize_error``) and the error discipline: subclasses
implement ``_find_operation``/``_parse``/``_serialize``/``_serialize_error``;
the public methods turn a :class:`BadValue` into the protocol's 400 and any
other unexpected exception into a logged :class:`ProtocolBug`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from squall.errors import ServiceError
from squall.gateway.http import Request, Response
from squall.protocol import specs
from squall.protocol.errors import BadValue, ProtocolBug, ProtocolClientError

log = logging.getLogger("squall.protocol")


class ProtocolHandler:
    """Parses requests for and serializes responses of one service in one protocol."""

    protocol: str = ""
    #: error code for a malformed request body/value in this protocol
    malformed_code: str = "SerializationException"

    def __init__(self, model_name: str, name_overrides: Mapping[str, str] | None = None) -> None:
        self.model_name = model_name
        self.model: ServiceModel = specs.service_model(model_name)
        self.operations: dict[str, OperationModel] = specs.operations(model_name)
        self.names = specs.WireNames(name_overrides)
        self.query_compatible = "awsQueryCompatible" in self.model.metadata

    # ---- contract ----
    def operation_for(self, request: Request) -> OperationModel:
        """The operation ``request`` addresses; raises a ServiceError when there is none."""
        try:
            return self._find_operation(request)
        except ServiceError:
            raise
        except Exception as exc:
            log.exception("protocol %s failed to route a request", self.protocol)
            raise ProtocolBug("The request could not be routed.") from exc

    def parse(self, request: Request, op: OperationModel) -> dict[str, Any]:
        """The operation's input members as Python values (``dict``), types checked."""
        try:
            return self._parse(request, op)
        except BadValue as exc:
            raise self.malformed(exc.describe()) from None
        except ServiceError:
            raise
        except Exception as exc:
            log.exception("protocol %s failed to parse %s", self.protocol, op.name)
            raise ProtocolBug("The request could not be parsed.") from exc

    def serialize(self, op: OperationModel, result: Mapping[str, Any] | None, request_id: str) -> Response:
        """The successful HTTP response for ``result`` (the operation's output members)."""
        return self._serialize(op, result or {}, request_id)

    def serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        """The protocol's error document for ``error``; ``op`` may be ``None`` (routing failed)."""
        resp = self._serialize_error(error, op, request_id)
        for k, v in error.headers.items():
            resp.headers[k.lower()] = v
        return resp

    # ---- helpers ----
    def malformed(self, message: str) -> ServiceError:
        return ProtocolClientError(message, code=self.malformed_code)

    def error_type(self, error: ServiceError) -> str:
        return "Sender" if error.sender_fault else "Receiver"

    # ---- subclass hooks ----
    def _find_operation(self, request: Request) -> OperationModel:
        raise NotImplementedError

    def _parse(self, request: Request, op: OperationModel) -> dict[str, Any]:
        raise NotImplementedError

    def _serialize(self, op: OperationModel, result: Mapping[str, Any], request_id: str) -> Response:
        raise NotImplementedError

    def _serialize_error(self, error: ServiceError, op: OperationModel | None, request_id: str) -> Response:
        raise NotImplementedError
