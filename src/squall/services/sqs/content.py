"""A message's content: validation of body and attributes, its stored form, receipt handles.

Stored form (the engine queue item's body, orjson, short keys to stay small)::

    b   body                      mb  MD5 of body            s  sender id
    t   sent timestamp (ms)       a   [[name, type, str|None, base64|None], …]
    ma  MD5 of message attrs      th  AWSTraceHeader          msa MD5 of system attrs
    d   deduplication id          g   message group id
    src DeadLetterQueueSourceArn  rc  receives before a DLQ move   fr first receive (ms)

The MessageId is the engine item id. A receipt handle is the opaque base64 of
``engine queue \\0 item id \\0 lease token``: a handle is tied to one receive
(lease) of one message in one incarnation of one queue.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from squall.services.sqs.errors import (
    InvalidMessageContents,
    InvalidParameterValue,
    ReceiptHandleIsInvalid,
    SqsError,
    missing,
)
from squall.services.sqs.md5 import md5_of_attributes, md5_of_body

# Allowed characters: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
_INVALID_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
MAX_ATTRIBUTES = 10


def check_body(body: str | None) -> int:
    """Validate a body; returns its size in bytes."""
    if body is None or body == "":
        raise missing("MessageBody")
    if _INVALID_CHARS.search(body):
        raise InvalidMessageContents()
    return len(body.encode("utf-8", "surrogatepass")) if not body.isascii() else len(body)


def check_attributes(attrs: Mapping[str, Mapping[str, Any]]) -> tuple[list[list[Any]], int]:
    """Validate user message attributes; returns (stored form, size in bytes)."""
    if len(attrs) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attrs)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].")
    stored: list[list[Any]] = []
    size = 0
    for name in sorted(attrs):
        value = attrs[name] or {}
        lowered = name.lower()
        if (not _ATTR_NAME.fullmatch(name) or name.startswith(".") or name.endswith(".") or ".." in name
                or lowered.startswith(("aws.", "amazon."))):
            raise InvalidParameterValue(f"Message (user) attribute name '{name}' is invalid. Attribute name can "
                                        "contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) "
                                        "characters.")
        dtype = value.get("DataType") or ""
        if not dtype:
            raise InvalidParameterValue(f"The message attribute '{name}' must contain non-empty message "
                                        "attribute type.")
        if len(dtype) > 256 or _INVALID_CHARS.search(dtype):
            raise InvalidParameterValue(f"The message attribute '{name}' has an invalid message attribute type.")
        base = dtype.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise InvalidParameterValue(f"The message attribute '{name}' has an invalid message attribute type, "
                                        "the set of supported type prefixes is Binary, Number, and String.")
        if base == "Binary":
            data = value.get("BinaryValue")
            if isinstance(data, str):  # tolerate a base64 string from a lenient parser
                try:
                    data = base64.b64decode(data)
                except binascii.Error:
                    data = None
            if not data:
                raise InvalidParameterValue(f"The message attribute '{name}' with type 'Binary' must use "
                                            "field 'Binary'.")
            stored.append([name, dtype, None, base64.b64encode(bytes(data)).decode()])
            size += len(name) + len(dtype) + len(data)
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise InvalidParameterValue(f"The message attribute '{name}' with type '{base}' must use "
                                            "field 'String'.")
            if base == "Number" and not _NUMBER.fullmatch(text.strip()):
                raise InvalidParameterValue(f"Can't cast the value of message (user) attribute '{name}' to a "
                                            "number.")
            if _INVALID_CHARS.search(text):
                raise InvalidParameterValue(f"Message (user) attribute '{name}' value contains invalid "
                                            "characters.")
            stored.append([name, dtype, text, None])
            size += len(name) + len(dtype) + len(text.encode("utf-8", "surrogatepass"))
    return stored, size


def attributes_map(stored: list[list[Any]], wanted: set[str] | None = None,
                   prefixes: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The wire form of stored attributes, filtered by exact names / ``prefix.*`` (None = all)."""
    out: dict[str, dict[str, Any]] = {}
    for name, dtype, text, b64 in stored:
        if wanted is not None and name not in wanted and not name.startswith(prefixes or ("\0",)):
            continue
        if text is not None:
            out[name] = {"DataType": dtype, "StringValue": text}
        else:
            out[name] = {"DataType": dtype, "BinaryValue": base64.b64decode(b64)}
    return out


def check_system_attributes(attrs: Mapping[str, Mapping[str, Any]]) -> tuple[str | None, str | None]:
    """Only ``AWSTraceHeader`` (type String) may be sent; returns (trace header, its MD5)."""
    trace = None
    for name, value in attrs.items():
        if name != "AWSTraceHeader":
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        if (value or {}).get("DataType") != "String" or not value.get("StringValue"):
            raise InvalidParameterValue("Message system attribute 'AWSTraceHeader' must be of type 'String' with "
                                        "a non-empty value.")
        trace = value["StringValue"]
    if trace is None:
        return None, None
    return trace, md5_of_attributes({"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})


# plain aliases: these run once per message on the send path
body_md5 = md5_of_body
encode: Callable[[dict[str, Any]], bytes] = orjson.dumps


def decode(raw: bytes) -> dict[str, Any]:
    return orjson.loads(raw)


# ---- receipt handles -----------------------------------------------------------------
def make_handle(engine_queue: str, item_id: str, token: str | None) -> str:
    return base64.urlsafe_b64encode(f"{engine_queue}\0{item_id}\0{token or ''}".encode()).decode()


def parse_handle(engine_queue: str, handle: str | None) -> tuple[str, str]:
    """(item id, lease token) of a handle issued for ``engine_queue``, else ReceiptHandleIsInvalid."""
    if not handle:
        raise missing("ReceiptHandle")
    try:
        queue, item_id, token = base64.urlsafe_b64decode(handle.encode()).decode().split("\0")
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_handle(handle) from None
    if queue != engine_queue or not item_id:
        raise invalid_handle(handle)
    return item_id, token


def invalid_handle(handle: str) -> SqsError:
    return ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.')
