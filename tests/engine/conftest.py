"""Fixtures for the engine conformance suite: every test runs on each backend.

``run(body)`` starts a fresh engine of the parametrized backend, awaits
``body(engine)`` inside ``asyncio.run`` (no pytest-asyncio) and closes it.
PostgreSQL tests share the session database (``pg_url``) and start from
empty tables. ``clock`` is a settable fake clock installed on the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from squall.engine import Engine, open_engine

TABLES = "records, items, log_heads, logs, checkpoints, timers"


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend_spec(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        return url, tmp_path / "data"
    return request.param, tmp_path / "data"


def _truncate(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('items')").fetchone()[0] is not None:
            conn.execute(f"TRUNCATE {TABLES}")


@pytest.fixture
def make_engine(backend_spec: tuple[str, Path]) -> Callable[[], Engine]:
    backend, data_dir = backend_spec
    if backend.startswith("postgres"):
        _truncate(backend)
    return lambda: open_engine(backend, data_dir)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def run(make_engine: Callable[[], Engine], clock: Clock) -> Callable[[Callable[[Engine], Awaitable[None]]], None]:
    def runner(body: Callable[[Engine], Awaitable[None]], *, fake_clock: bool = True) -> None:
        async def main() -> None:
            engine = make_engine()
            if fake_clock:
                engine.clock = clock
            await engine.start()
            try:
                await asyncio.wait_for(body(engine), 60)
            finally:
                await engine.close()

        asyncio.run(main())

    return runner
