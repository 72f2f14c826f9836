"""Small property helpers every handler module of this package uses: tags, JSON documents,
replacement checks, deleting what may already be gone."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from typing import Any

import orjson

from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement


def require_unchanged(old: Mapping[str, Any], new: Mapping[str, Any], names: Iterable[str]) -> None:
    """Raise :class:`NeedsReplacement` when a property marked "Update requires: Replacement" changed."""
    changed = [name for name in names if old.get(name) != new.get(name)]
    if changed:
        raise NeedsReplacement(", ".join(changed))


def tag_map(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """CloudFormation's ``[{"Key", "Value"}]`` tag list (or a plain map) as a dict."""
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags or ()}


def tag_changes(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(tags to set, keys to remove) to go from ``old`` to ``new``."""
    return ({k: v for k, v in new.items() if old.get(k) != v}, [k for k in old if k not in new])


def json_text(value: Any) -> str:
    """A ``Json`` property (an object, or already JSON text) as JSON text."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def flag(value: Any) -> bool:
    """A Boolean property, which templates give as ``true`` or ``"true"``."""
    return str(value).lower() == "true" if not isinstance(value, bool) else value


async def unless_gone(call: Awaitable[Any], *codes: str) -> None:
    """Await a delete call; a resource already gone (404, or one of ``codes``) counts as deleted,
    as CloudFormation treats it."""
    try:
        await call
    except ServiceError as err:
        if err.status != 404 and err.code not in codes:
            raise


# ---- AWS::SQS::Queue -----------------------------------------------------------------------------
#: the queue attributes CloudFormation manages (property name = attribute name)
