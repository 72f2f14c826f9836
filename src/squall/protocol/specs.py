"""botocore service models, loaded once, plus the per-service tables the handlers need.

``service_model(name)`` loads (and caches) a :class:`botocore.model.ServiceModel`
from botocore's bundled data. :class:`WireNames` answers "what is this member
called on the wire?" honouring the model's ``locationName``/``flattened`` traits
and the service's *name overrides*.

Name overrides
--------------
Some services still accept a legacy serialization that their current model no
longer describes (SQS's model is JSON-only, yet older SDKs send the query
protocol with names like ``Attribute.1.Name``). ``name_overrides`` maps a key to
the legacy wire name; keys name a place in the *current* model:

``"Shape.Member"``      serialized name of member ``Member`` of structure ``Shape``
                        (e.g. ``"SendMessageRequest.MessageAttributes": "MessageAttribute"``)
``"ListShape$member"``  serialized name of a list's element (for a flattened list this
                        also replaces the list's own name, as in botocore)
``"MapShape$key"``      serialized name of a map's key element (default ``key``)
``"MapShape$value"``    serialized name of a map's value element (default ``value``)
``"Shape$flattened"``   ``"true"``/``"false"``: override the list/map ``flattened`` trait

Overrides apply to the XML-ish protocols (``query``, ``rest-xml``) only; JSON and
CBOR use member names verbatim, as AWS does.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape

_loader = Loader()


@cache
def service_model(name: str) -> ServiceModel:
    """The botocore model of service ``name`` (e.g. ``"sqs"``), loaded once per process."""
    data = _loader.load_service_model(name, "service-2")
    return ServiceModel(data, service_name=name)


@cache
def operations(name: str) -> dict[str, OperationModel]:
    """Operation name → OperationModel (botocore caches these too; this avoids its lookups)."""
    model = service_model(name)
    return {op: model.operation_model(op) for op in model.operation_names}


class WireNames:
    """Serialized names for the XML/query protocols, with overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})

    def member(self, owner: Shape, name: str, shape: Shape) -> str:
        """Name of structure member ``name`` of ``owner`` (``locationName`` or the member name)."""
        found = self.overrides.get(f"{owner.name}.{name}")
        if found is not None:
            return found
        return shape.serialization.get("name", name)

    def list_member(self, shape: Shape) -> str | None:
        """Explicit element name of a list, or ``None`` when the model gives none."""
        found = self.overrides.get(f"{shape.name}$member")
        if found is not None:
            return found
        return shape.member.serialization.get("name")

    def map_key(self, shape: Shape) -> str:
        return self.overrides.get(f"{shape.name}$key") or shape.key.serialization.get("name", "key")

    def map_value(self, shape: Shape) -> str:
        return self.overrides.get(f"{shape.name}$value") or shape.value.serialization.get("name", "value")

    def flattened(self, shape: Shape) -> bool:
        found = self.overrides.get(f"{shape.name}$flattened")
        if found is not None:
            return found.lower() == "true"
        return bool(shape.serialization.get("flattened"))

    def xml_member_key(self, owner: Shape, name: str, shape: Shape) -> str:
        """Tag under which member ``name`` appears inside its parent element.

        A flattened list with an element name appears as repeated elements
        named after the element (botocore's ``_member_key_name``).
        """
        if shape.type_name == "list" and self.flattened(shape):
            element = self.list_member(shape)
            if element is not None:
                return element
        return self.member(owner, name, shape)
