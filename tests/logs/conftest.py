"""Helpers for the CloudWatch Logs tests: unique names, a group factory, error shapes, engines.

Wire tests use the session server (``aws_client`` from ``tests/conftest.py``, both backends);
in-process tests of the sink and the retention sweep get an engine per backend from
``open_logs_engine`` (SQLite in a temp dir, or a fresh PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from squall.engine import Engine, open_engine
from tests.support.postgres import create_database, drop_database


def unique(prefix: str = "/test/g") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_ms() -> int:
    return int(time.time() * 1000)


def error_of(exc_info: pytest.ExceptionInfo) -> tuple[str, str, int]:
    """(error code, message, HTTP status) of a ClientError."""
    err = exc_info.value.response["Error"]
    return err.get("Code", ""), err.get("Message", ""), exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="session")
def logs(aws_client):
    return aws_client("logs")


@pytest.fixture
def make_group(logs) -> Iterator[Callable[..., str]]:
    """``make_group(name=None, streams=(), **create_kwargs) -> name``; deleted after the test."""
    made: list[str] = []

    def make(name: str | None = None, streams: tuple[str, ...] = (), **kw: object) -> str:
        group = name or unique()
        logs.create_log_group(logGroupName=group, **kw)
        made.append(group)
        for stream in streams:
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        return group

    yield make
    for group in made:
        try:
            logs.delete_log_group(logGroupName=group)
        except ClientError:
            pass


def put(logs, group: str, stream: str, *messages: str, ts: int | None = None, step: int = 1) -> int:
    """Put ``messages`` one ``step`` ms apart starting at ``ts`` (default now); returns the first timestamp."""
    start = now_ms() if ts is None else ts
    events = [{"timestamp": start + i * step, "message": m} for i, m in enumerate(messages)]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    return start


@pytest.fixture(params=["sqlite", "postgres"])
def engine_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(backend, data dir) for an in-process engine: SQLite, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        url, name = create_database()
        yield url, tmp_path / "data"
        drop_database(name)
    else:
        yield "sqlite", tmp_path / "data"


@pytest.fixture
def open_logs_engine(engine_backend: tuple[str, Path]) -> Callable[[], Engine]:
    backend, data_dir = engine_backend
    data_dir.mkdir(parents=True, exist_ok=True)
    return lambda: open_engine(backend, data_dir)


@pytest.fixture
def run_engine(open_logs_engine: Callable[[], Engine]) -> Callable[[Callable[[Engine], Awaitable[Any]]], Any]:
    """``run_engine(body)``: start an engine, ``await body(engine)`` in ``asyncio.run``, close it."""

    def run(body: Callable[[Engine], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            engine = open_logs_engine()
            await engine.start()
            try:
                return await body(engine)
            finally:
                await engine.close()

        return asyncio.run(main())

    return run


def op_ctx(engine: Engine, account: str = "000000000000", region: str = "us-east-1") -> SimpleNamespace:
    """What an operation reads from its request context, for calling operations in process."""
    return SimpleNamespace(engine=engine, account_id=account, region=region)
