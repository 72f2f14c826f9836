"""Checks shared by the batch operations, and the per-entry failure shape.

Batch-level problems fail the whole request (``EmptyBatchRequest``,
``TooManyEntriesInBatchRequest``, ``BatchEntryIdsNotDistinct``,
``InvalidBatchEntryId``); a problem with one entry's content is reported in
``Failed`` with ``SenderFault``, ``Code`` and ``Message`` while the others succeed.
"""

from __future__ import annotations

import re
from typing import Any

from squall.services.sqs.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    SqsError,
    TooManyEntriesInBatchRequest,
)

MAX_ENTRIES = 10
_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def check_entries(entries: list[dict[str, Any]] | None, entry_name: str) -> None:
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_name} in the request.")
    if len(entries) > MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent {len(entries)}.")
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not _ID.fullmatch(entry_id):
            raise InvalidBatchEntryId()
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)


def failure(entry_id: str, err: SqsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": err.sender_fault, "Code": err.code, "Message": err.message}
