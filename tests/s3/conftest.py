"""Helpers for the S3 wire tests: a client, unique bucket names, a bucket factory, error codes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError


def unique(prefix: str = "b") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def s3(aws_client):
    """Path-style (the endpoint is an IP address, so boto3 cannot use virtual hosts)."""
    return aws_client("s3")


@pytest.fixture
def make_bucket(s3) -> Iterator[Callable[..., str]]:
    """``make_bucket(name=None) -> name``; buckets are emptied and deleted after the test."""
    made: list[str] = []

    def make(name: str | None = None) -> str:
        bucket = name or unique()
        s3.create_bucket(Bucket=bucket)
        made.append(bucket)
        return bucket

    yield make
    for bucket in made:
        try:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
                for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                    s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
        except ClientError:
            pass
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                for o in page.get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=o["Key"])
            s3.delete_bucket(Bucket=bucket)
        except ClientError:
            pass


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def status(exc: pytest.ExceptionInfo[ClientError]) -> int:
    return exc.value.response["ResponseMetadata"]["HTTPStatusCode"]
