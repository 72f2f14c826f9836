"""Scalar conversions shared by every protocol: timestamps, blobs, booleans, numbers.

Parsing functions raise :class:`~squall.protocol.errors.BadValue` for client
garbage; formatting functions accept what a service naturally returns
(``datetime``, epoch numbers, ISO strings; ``bytes`` or ``str`` for blobs).
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from squall.protocol.errors import BadValue


def parse_timestamp(value: object) -> datetime:
    """Epoch seconds (number or numeric string), ISO 8601, or RFC 822 → aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise BadValue("expected a timestamp")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise BadValue("timestamp out of range") from exc
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except (OverflowError, OSError):
            raise BadValue("timestamp out of range") from None
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
        try:
            return parsedate_to_datetime(text).astimezone(UTC)
        except (TypeError, ValueError, IndexError):
            pass
    raise BadValue(f"invalid timestamp {value!r}")


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_timestamp(value)


def epoch(value: object) -> int | float:
    """A timestamp as epoch seconds (an int when whole, as AWS sends them)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    seconds = _as_datetime(value).timestamp()
    return int(seconds) if seconds.is_integer() else round(seconds, 3)


def iso8601(value: object) -> str:
    dt = _as_datetime(value).astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def rfc822(value: object) -> str:
    return format_datetime(_as_datetime(value).astimezone(UTC), usegmt=True)


def format_timestamp(value: object, fmt: str) -> str | int | float:
    """Format per the model's ``timestampFormat`` (``iso8601``, ``rfc822``, ``unixTimestamp``)."""
    if fmt == "unixTimestamp":
        return epoch(value)
    if fmt == "rfc822":
        return rfc822(value)
    return iso8601(value)


def b64decode(value: object) -> bytes:
    if not isinstance(value, str):
        raise BadValue("expected a base64-encoded string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadValue("invalid base64") from exc


def b64encode(value: object) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode("ascii")  # type: ignore[arg-type]


def to_bytes(value: object) -> bytes:
    """A service's blob result (bytes, str, bytearray, file-like) as bytes."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    read = getattr(value, "read", None)
    if read is not None:
        data = read()
        return data.encode() if isinstance(data, str) else bytes(data)
    raise TypeError(f"cannot use {type(value).__name__} as a blob")


_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def parse_scalar_text(text: str, type_name: str, timestamp_format: str | None = None) -> object:
    """A scalar that arrived as text (query string, header, URI label, XML, form)."""
    if type_name == "string":
        return text
    if type_name in ("integer", "long", "short", "byte"):
        try:
            return int(text)
        except ValueError:
            raise BadValue(f"invalid integer {text!r}") from None
    if type_name in ("float", "double"):
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        try:
            return float(text)
        except ValueError:
            raise BadValue(f"invalid number {text!r}") from None
    if type_name == "boolean":
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        raise BadValue(f"invalid boolean {text!r}")
    if type_name == "timestamp":
        return parse_timestamp(text)
    if type_name == "blob":
        return b64decode(text)
    return text


def scalar_text(value: object, type_name: str, timestamp_format: str = "iso8601") -> str:
    """A scalar output value as text (XML, headers)."""
    if type_name == "boolean":
        return "true" if value else "false"
    if type_name == "timestamp":
        return str(format_timestamp(value, timestamp_format))
    if type_name == "blob":
        return b64encode(value)
    if type_name in ("float", "double") and isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return str(value)
