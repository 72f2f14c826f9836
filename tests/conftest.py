"""Fixtures shared by the whole suite.

* ``pg_url`` — a fresh PostgreSQL database for this test session (per xdist worker).
* ``backend`` — parametrized over ``sqlite`` and ``postgres``: every test that
  uses ``server`` (or a client fixture) runs against both backends.
* ``server`` — a real ``squall up`` process on a free port, one per backend per
  session; ``fresh_server`` gives a private one (for crash and lifecycle tests).
* ``aws_client(service, **kw)`` — a boto3 client pointed at ``server``;
  ``sqs`` — the SQS client.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.postgres import create_database, drop_database
from tests.support.server import ServerProcess, start_server

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# Lambda's async retries wait 1 and 2 minutes on AWS; the servers the tests start wait 0.3 s and 0.6 s.
os.environ.setdefault("SQUALL_LAMBDA_RETRY_DELAYS", "0.3,0.6")
# An async event leased by a killed server is run again after this lease (30 s by default).
os.environ.setdefault("SQUALL_LAMBDA_ASYNC_LEASE", "3")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url, name = create_database()
    yield url
    drop_database(name)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def backend_url(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        url, name = create_database()
        request.addfinalizer(lambda: drop_database(name))
        return url
    return backend


@pytest.fixture(scope="session")
def server(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"squall-{backend}")
    proc = start_server(data_dir, backend_url(backend, request))
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(backend: str, request: pytest.FixtureRequest, tmp_path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path / "data", backend_url(backend, request))
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def aws_client(server: ServerProcess):
    import boto3
    from botocore.config import Config

    def make(service: str, region: str = "us-east-1", **kw):
        cfg = kw.pop("config", None) or Config(retries={"max_attempts": 1}, read_timeout=70)
        return boto3.client(
            service,
            endpoint_url=server.endpoint,
            region_name=region,
            aws_access_key_id=kw.pop("aws_access_key_id", "test"),
            aws_secret_access_key=kw.pop("aws_secret_access_key", "test"),
            config=cfg,
            **kw,
        )

    return make


@pytest.fixture(scope="session")
def sqs(aws_client):
    return aws_client("sqs")
