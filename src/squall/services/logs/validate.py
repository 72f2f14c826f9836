"""Input checks shared by the operations: the model's constraints (which the wire layer does
not enforce), log-group references by name or ARN, limits and paging tokens.

Every failure is AWS's ``InvalidParameterException`` (see :func:`.errors.constraint`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from squall.services.logs.errors import (
    InvalidParameterException,
    ResourceNotFoundException,
    bad_token,
    constraint,
)

GROUP_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]+")
STREAM_NAME = re.compile(r"[^:*]*")
MAX_NAME = 512

# PutRetentionPolicy's allowed values (the model's documentation of ``Days``).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
LOG_GROUP_CLASSES = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS")


def group_name(name: Any, member: str = "logGroupName") -> str:
    if not isinstance(name, str) or not name:
        raise constraint(member, name or "", "Member must have length greater than or equal to 1")
    if len(name) > MAX_NAME:
        raise constraint(member, name, "Member must have length less than or equal to 512")
    if not GROUP_NAME.fullmatch(name):
        raise constraint(member, name, "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
    return name


def stream_name(name: Any, member: str = "logStreamName") -> str:
    if not isinstance(name, str) or not name:
        raise constraint(member, name or "", "Member must have length greater than or equal to 1")
    if len(name) > MAX_NAME:
        raise constraint(member, name, "Member must have length less than or equal to 512")
    if not STREAM_NAME.fullmatch(name):
        raise constraint(member, name, "Member must satisfy regular expression pattern: [^:*]*")
    return name


def limit(value: int | None, member: str, maximum: int, default: int) -> int:
    if value is None:
        return default
    if value < 1:
        raise constraint(member, value, "Member must have value greater than or equal to 1")
    if value > maximum:
        raise constraint(member, value, f"Member must have value less than or equal to {maximum}")
    return value


def timestamp(value: int | None, member: str) -> int | None:
    if value is not None and value < 0:
        raise constraint(member, value, "Member must have value greater than or equal to 0")
    return value


def group_ref(account: str, region: str, name: str | None, identifier: str | None) -> tuple[str, str, str]:
    """(account, region, group name) from ``logGroupName`` or ``logGroupIdentifier`` (a name or an
    ARN, with or without the trailing ``:*``); exactly one of them must be given."""
    if name is not None and identifier is not None:
        raise InvalidParameterException("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if name is not None:
        return account, region, group_name(name)
    if identifier is None:
        raise InvalidParameterException("Should provide either name or ARN of the log group.")
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 6)
        if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
            raise InvalidParameterException(f"Invalid log group ARN: {identifier}")
        target = parts[6]
        target = target.removesuffix(":*")
        return parts[4] or account, parts[3] or region, group_name(target, "logGroupIdentifier")
    return account, region, group_name(identifier, "logGroupIdentifier")


def group_from_arn(arn: str, member: str = "resourceArn") -> tuple[str, str, str]:
    """(account, region, name) of a log-group ARN given to the tagging operations."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "logs":
        raise InvalidParameterException(f"Invalid ARN: {arn}")
    if parts[5] != "log-group":  # a destination: squall has none
        raise ResourceNotFoundException("The specified resource does not exist.")
    name = parts[6].removesuffix(":*")
    return parts[4], parts[3], group_name(name, member)


def encode_token(*parts: str) -> str:
    """An opaque paging token: the parts, joined and base64url-encoded."""
    return base64.urlsafe_b64encode("\x1f".join(parts).encode()).decode().rstrip("=")


def decode_token(token: str | None, count: int) -> list[str] | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_token() from None
    parts = raw.split("\x1f")
    if len(parts) != count:
        raise bad_token()
    return parts


MAX_TAGS = 50
_TAG_CHARS = frozenset("_.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    # the model's pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ (letters, separators, digits and a few symbols)
    return all(c.isalnum() or c.isspace() or c in _TAG_CHARS for c in text)


def tags(value: dict[str, str] | None, member: str = "tags") -> dict[str, str]:
    """Checks a tag map's keys (1–128 characters) and values (0–256) against the model."""
    value = value or {}
    for key, val in value.items():
        if not 1 <= len(key) <= 128 or not _tag_text_ok(key):
            raise constraint(f"{member}.key", key,
                             "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$")
        if len(val) > 256 or not _tag_text_ok(val):
            raise constraint(f"{member}.{key}.member", val,
                             "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$")
    return value
