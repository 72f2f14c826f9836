"""A fresh PostgreSQL database per test session (or a skip when there is no server).

``SQUALL_TEST_PG`` names the server (default ``postgresql://127.0.0.1:5432/test``,
trust auth as on the project's machines). ``SQUALL_REQUIRE_SERVICES=1`` (set by
``.ci/run``) turns "no server" from a skip into a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest

ADMIN_URL = os.environ.get("SQUALL_TEST_PG", "postgresql://127.0.0.1:5432/test")


def _admin_connect():
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)


def require_services() -> bool:
    return os.environ.get("SQUALL_REQUIRE_SERVICES", "") in ("1", "true", "yes")


def create_database() -> tuple[str, str]:
    """Create an empty database; returns (url, name). Skips (or fails in CI) without a server."""
    try:
        conn = _admin_connect()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        msg = f"PostgreSQL not reachable at {ADMIN_URL}: {exc}"
        if require_services():
            pytest.fail(msg + " (SQUALL_REQUIRE_SERVICES=1)")
        pytest.skip(msg)
    name = "squall_test_" + uuid.uuid4().hex[:12]
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}", name


def drop_database(name: str) -> None:
    try:
        with _admin_connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001, S110 - best effort cleanup
        pass
