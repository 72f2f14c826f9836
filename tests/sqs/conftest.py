"""Helpers for the SQS wire tests: unique queue names, a queue factory, error codes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_queue(sqs) -> Iterator[Callable[..., str]]:
    """``make_queue(fifo=False, **attributes) -> url``; queues are deleted after the test."""
    made: list[str] = []

    def make(fifo: bool = False, name: str | None = None, **attrs: str) -> str:
        qname = name or unique("fifo" if fifo else "q")
        if fifo:
            if not qname.endswith(".fifo"):
                qname += ".fifo"
            attrs.setdefault("FifoQueue", "true")
        url = sqs.create_queue(QueueName=qname, Attributes={k: str(v) for k, v in attrs.items()})["QueueUrl"]
        made.append(url)
        return url

    yield make
    for url in made:
        try:
            sqs.delete_queue(QueueUrl=url)
        except ClientError:
            pass


def error_of(exc_info: pytest.ExceptionInfo) -> tuple[str, str, int]:
    """(modeled error name or code, message, HTTP status) of a ClientError.

    botocore puts SQS's legacy query code in ``Error.Code`` and the JSON shape name in
    ``Error.QueryErrorCode``; the modeled name is what users match on."""
    err = exc_info.value.response["Error"]
    code = err.get("QueryErrorCode") or err.get("Code")
    return code, err.get("Message", ""), exc_info.value.response["ResponseMetadata"]["HTTPStatusCode"]
