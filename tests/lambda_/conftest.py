"""Helpers for the Lambda management API tests: a client, zips built in memory, a function factory."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLER_CODE = "def handler(event, context):\n    return {'ok': True, 'event': event}\n"
FAST = {"Delay": 0.1, "MaxAttempts": 100}  # waiter settings: squall activates in milliseconds


def make_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A zip holding ``files`` (name → content), optional unix modes per name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_of(exc: ClientError) -> tuple[int, str, str]:
    err = exc.response["Error"]
    return exc.response["ResponseMetadata"]["HTTPStatusCode"], err["Code"], err["Message"]


@pytest.fixture(scope="session")
def lam(aws_client):
    return aws_client("lambda")


@pytest.fixture(scope="session")
def zip_of() -> Callable[..., bytes]:
    return make_zip


@pytest.fixture
def make_function(lam) -> Iterator[Callable[..., dict]]:
    """``make_function(**create_kwargs) -> CreateFunction response``; deleted after the test.
    Defaults: a python3.12 handler ``app.handler``; ``wait=False`` skips waiting until Active."""
    made: list[str] = []

    def make(wait: bool = True, **kw) -> dict:
        kw.setdefault("FunctionName", unique())
        kw.setdefault("Runtime", "python3.12")
        kw.setdefault("Role", ROLE)
        kw.setdefault("Handler", "app.handler")
        kw.setdefault("Code", {"ZipFile": make_zip({"app.py": HANDLER_CODE})})
        out = lam.create_function(**kw)
        made.append(kw["FunctionName"])
        if wait:
            lam.get_waiter("function_active_v2").wait(FunctionName=kw["FunctionName"], WaiterConfig=FAST)
        return out

    yield make
    for name in made:
        try:
            lam.delete_function(FunctionName=name)
        except ClientError:
            pass
