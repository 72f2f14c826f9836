"""MD5 digests exactly as SQS computes them (SDKs such as the Java SDK verify them).

* ``MD5OfMessageBody``: hex MD5 of the UTF-8 body.
* ``MD5OfMessageAttributes`` / ``MD5OfMessageSystemAttributes``: attributes sorted
  by name; for each, the name and then the data type as ``4-byte big-endian length +
  UTF-8 bytes``, then a transport byte (1 = string value, 2 = binary value,
  3 / 4 = string / binary list) and the value(s), each length-prefixed likewise.
  See "Calculating the MD5 message digest for message attributes",
  https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

_STRING, _BINARY, _STRING_LIST, _BINARY_LIST = b"\x01", b"\x02", b"\x03", b"\x04"


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _lv(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]] | None) -> str | None:
    """Digest of a ``{name: {"DataType", "StringValue" | "BinaryValue" | …}}`` map; None if empty."""
    if not attributes:
        return None
    parts: list[bytes] = []
    for name in sorted(attributes):
        attr = attributes[name]
        parts.append(_lv(name.encode()))
        parts.append(_lv(str(attr.get("DataType", "")).encode()))
        if attr.get("StringValue") is not None:
            parts.append(_STRING)
            parts.append(_lv(attr["StringValue"].encode("utf-8", "surrogatepass")))
        elif attr.get("BinaryValue") is not None:
            parts.append(_BINARY)
            parts.append(_lv(bytes(attr["BinaryValue"])))
        elif attr.get("StringListValues"):
            parts.append(_STRING_LIST)
            parts.extend(_lv(v.encode()) for v in attr["StringListValues"])
        elif attr.get("BinaryListValues"):
            parts.append(_BINARY_LIST)
            parts.extend(_lv(bytes(v)) for v in attr["BinaryListValues"])
    return md5_hex(b"".join(parts))
