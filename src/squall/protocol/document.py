"""Compiled walkers between a decoded document (JSON or CBOR values) and params.

A :class:`DocumentCodec` compiles, once per shape, a pair of closures:

* ``decoder(shape)`` – checks the types of a client document and converts
  blobs/timestamps (raises :class:`BadValue` with the offending path);
* ``encoder(shape)`` – turns a service's result into a document (drops
  ``None`` and unknown members, formats blobs/timestamps).

Leaves that need no conversion compile to cheap ``isinstance`` checks, so the
per-request cost is one dict/list comprehension per container. Recursive shapes
(DynamoDB's ``AttributeValue``) are handled with forwarding cells.

Subclasses pick the blob/timestamp representation: JSON uses base64 strings and
epoch seconds, CBOR native byte strings and tag-1 datetimes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from botocore.model import Shape

from squall.protocol import values
from squall.protocol.errors import BadValue

Conv = Callable[[Any], Any]

_INTS = ("integer", "long", "short", "byte")
_FLOATS = ("float", "double")
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _at(exc: BadValue, key: object) -> BadValue:
    exc.path = f"{key}.{exc.path}" if exc.path else str(key)
    return exc


class DocumentCodec:
    """Compiles decoders/encoders per shape; one instance per protocol flavour."""

    def __init__(self) -> None:
        self._dec: dict[tuple[str, tuple[str, ...] | None, str | None], Conv] = {}
        self._enc: dict[tuple[str, tuple[str, ...] | None, str | None], Conv] = {}

    # ---- representation hooks (JSON defaults) ----
    def decode_blob(self, value: Any) -> bytes:
        return values.b64decode(value)

    def decode_timestamp(self, value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return values.parse_timestamp(value)
        raise BadValue("expected a timestamp")

    def encode_blob(self, value: Any) -> Any:
        return values.b64encode(value)

    def encode_timestamp(self, value: Any, fmt: str | None) -> Any:
        return values.format_timestamp(value, fmt or "unixTimestamp")

    # ---- decoding ----
    def decoder(self, shape: Shape, only: Iterable[str] | None = None) -> Conv:
        key = (
            shape.name,
            tuple(only) if only is not None else None,
            shape.serialization.get("timestampFormat"),
        )
        found = self._dec.get(key)
        if found is None:
            found = self._compile_dec(shape, key[1])
        return found

    def _compile_dec(self, shape: Shape, only: tuple[str, ...] | None) -> Conv:
        key = (shape.name, only, shape.serialization.get("timestampFormat"))
        t = shape.type_name
        if t == "structure" and not getattr(shape, "is_document_type", False):
            cell: list[Conv] = []
            self._dec[key] = lambda v: cell[0](v)  # forwarder while compiling recursive shapes
            names = only if only is not None else tuple(shape.members)
            # JSON keys are the members' serialized names (``locationName``), rarely different
            members = {
                shape.members[n].serialization.get("name", n): (n, self.decoder(shape.members[n]))
                for n in names
            }

            def dec_struct(v: Any) -> dict:
                if not isinstance(v, dict):
                    raise BadValue("expected an object")
                out = {}
                for k, item in v.items():
                    found = members.get(k)
                    if found is None or item is None:
                        continue  # unknown members are ignored (forward compatibility)
                    conv = found[1]
                    if conv is _dec_string and type(item) is str:  # the common leaf: no call
                        out[found[0]] = item
                        continue
                    try:
                        out[found[0]] = conv(item)
                    except BadValue as exc:
                        raise _at(exc, k) from None
                return out

            cell.append(dec_struct)
            self._dec[key] = dec_struct
            return dec_struct
        if t == "structure":  # smithy document: any JSON value
            fn: Conv = lambda v: v
        elif t == "list":
            self._dec[key] = lambda v: cell2[0](v)
            cell2: list[Conv] = []
            inner = self.decoder(shape.member)

            def fn(v: Any) -> list:
                if not isinstance(v, list):
                    raise BadValue("expected a list")
                try:
                    return [inner(i) for i in v]
                except BadValue as exc:
                    raise _at(exc, "[]") from None

            cell2.append(fn)
        elif t == "map":
            cell3: list[Conv] = []
            self._dec[key] = lambda v: cell3[0](v)
            kdec, vdec = self.decoder(shape.key), self.decoder(shape.value)

            def fn(v: Any) -> dict:
                if not isinstance(v, dict):
                    raise BadValue("expected a map")
                try:
                    return {kdec(k): vdec(i) for k, i in v.items()}
                except BadValue as exc:
                    raise _at(exc, "{}") from None

            cell3.append(fn)
        else:
            fn = self._leaf_dec(t)
        self._dec[key] = fn
        return fn

    def _leaf_dec(self, t: str) -> Conv:
        if t == "string":
            fn = _dec_string
        elif t in _INTS:

            def fn(v: Any) -> int:
                if type(v) is not int:
                    if type(v) is float and v.is_integer():
                        return int(v)
                    raise BadValue("expected an integer")
                return v
        elif t in _FLOATS:

            def fn(v: Any) -> float:
                if type(v) is float or type(v) is int:
                    return v
                if isinstance(v, str) and v in _SPECIAL:
                    return _SPECIAL[v]
                raise BadValue("expected a number")
        elif t == "boolean":

            def fn(v: Any) -> bool:
                if type(v) is not bool:
                    raise BadValue("expected a boolean")
                return v
        elif t == "blob":
            fn = self.decode_blob
        elif t == "timestamp":
            fn = self.decode_timestamp
        else:
            fn = lambda v: v
        return fn

    # ---- encoding ----
    def encoder(self, shape: Shape, only: Iterable[str] | None = None) -> Conv:
        key = (
            shape.name,
            tuple(only) if only is not None else None,
            shape.serialization.get("timestampFormat"),
        )
        found = self._enc.get(key)
        if found is None:
            found = self._compile_enc(shape, key[1])
        return found

    def _compile_enc(self, shape: Shape, only: tuple[str, ...] | None) -> Conv:
        key = (shape.name, only, shape.serialization.get("timestampFormat"))
        t = shape.type_name
        cell: list[Conv] = []
        self._enc[key] = lambda v: cell[0](v)
        if t == "structure" and not getattr(shape, "is_document_type", False):
            names = only if only is not None else tuple(shape.members)
            members = {
                n: (shape.members[n].serialization.get("name", n), self.encoder(shape.members[n]))
                for n in names
            }

            def fn(v: Any) -> dict:
                out = {}
                for k, i in v.items():
                    found = members.get(k)
                    if found is not None and i is not None:
                        conv = found[1]
                        out[found[0]] = i if conv is _identity else conv(i)
                return out
        elif t == "list":
            inner = self.encoder(shape.member)

            def fn(v: Any) -> list:
                return [inner(i) for i in v]
        elif t == "map":
            vinner = self.encoder(shape.value)

            def fn(v: Any) -> dict:
                return {k: vinner(i) for k, i in v.items()}
        elif t == "blob":
            fn = self.encode_blob
        elif t == "timestamp":
            fmt = shape.serialization.get("timestampFormat")

            def fn(v: Any) -> Any:
                return self.encode_timestamp(v, fmt)
        elif t in _FLOATS:

            def fn(v: Any) -> Any:
                if isinstance(v, float) and not math.isfinite(v):
                    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
                return v
        else:
            fn = _identity
        cell.append(fn)
        self._enc[key] = fn
        return fn


def _identity(v: Any) -> Any:
    return v


def _dec_string(v: Any) -> str:
    if type(v) is not str:
        raise BadValue("expected a string")
    return v
