"""JSON documents in the engine's records: what most services keep per resource.

A service's ``store`` module re-exports these (``store.load(tx, ns, key)``…) next to its own
key layout, so every service reads and writes its documents the same way.
"""

from __future__ import annotations

from typing import Any

import orjson

from squall.engine.api import Tx


def load(tx: Tx, ns: str, key: str) -> dict[str, Any] | None:
    """The document at ``key``, or None."""
    raw = tx.get(ns, key)
    return orjson.loads(raw) if raw is not None else None


def save(tx: Tx, ns: str, key: str, doc: dict[str, Any]) -> None:
    tx.put(ns, key, orjson.dumps(doc))


def scan(tx: Tx, ns: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """``(key, document)`` for every key starting with ``prefix``, in key order."""
    return [(k, orjson.loads(v)) for k, v in tx.scan(ns, prefix=prefix)]
