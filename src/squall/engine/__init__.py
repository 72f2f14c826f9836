"""The engine: durable primitives behind one transaction API (see :mod:`squall.engine.api`).

:func:`open_engine` picks the backend from the configured ``backend`` string:

* ``"sqlite"``  — ``<data_dir>/squall.db`` (the default, one process per data dir)
* ``"memory"``  — SQLite in memory: the same code, nothing on disk (fast tests)
* ``"postgresql://…"`` / ``"postgres://…"`` — PostgreSQL (many nodes)
"""

from __future__ import annotations

from pathlib import Path

from squall.engine.api import (
    DuplicateItem,
    Engine,
    EngineError,
    EngineLocked,
    LogRecord,
    QueueItem,
    QueueStats,
    Timer,
    Tx,
    queue_channel,
)

__all__ = [
    "DuplicateItem", "Engine", "EngineError", "EngineLocked", "LogRecord", "QueueItem", "QueueStats",
    "Timer", "Tx", "open_engine", "queue_channel",
]


def open_engine(backend: str, data_dir: Path) -> Engine:
    """An unstarted engine for ``backend``; call ``await engine.start()`` next."""
    if backend == "sqlite":
        from squall.engine.sqlite import SqliteEngine

        return SqliteEngine(Path(data_dir) / "squall.db")
    if backend == "memory":
        from squall.engine.sqlite import SqliteEngine

        return SqliteEngine(None, name="memory")
    if backend.startswith(("postgresql://", "postgres://")):
        from squall.engine.postgres import PostgresEngine

        return PostgresEngine(backend)
    raise ValueError(f"unknown engine backend {backend!r} (sqlite, memory, postgresql://…)")
