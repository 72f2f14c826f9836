"""Browser POST uploads with boto3's generate_presigned_post, sent as a real multipart form."""

from __future__ import annotations

import httpx
import pytest

from tests.s3.conftest import unique


@pytest.fixture
def bucket(s3, make_bucket):
    return make_bucket()


def test_post_policy_upload(s3, bucket):
    post = s3.generate_presigned_post(
        bucket, "uploads/${filename}", Fields={"success_action_status": "201", "Content-Type": "text/plain"},
        Conditions=[["starts-with", "$key", "uploads/"], {"success_action_status": "201"},
                    {"Content-Type": "text/plain"}, ["content-length-range", 1, 1024]], ExpiresIn=60)
    r = httpx.post(post["url"], data=post["fields"], files={"file": ("hello.txt", b"hi from a form")})
    assert r.status_code == 201, r.text
    assert b"<Key>uploads/hello.txt</Key>" in r.content
    got = s3.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"hi from a form" and got["ContentType"] == "text/plain"


def test_post_policy_refusals(s3, bucket):
    post = s3.generate_presigned_post(bucket, "only/this", Conditions=[["content-length-range", 1, 5]],
                                      ExpiresIn=60)
    too_big = httpx.post(post["url"], data=post["fields"], files={"file": ("f", b"123456789")})
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content
    other_key = httpx.post(post["url"], data={**post["fields"], "key": "elsewhere"}, files={"file": ("f", b"1")})
    assert other_key.status_code == 403 and b"AccessDenied" in other_key.content
    extra = httpx.post(post["url"], data={**post["fields"], "x-amz-meta-x": "1"}, files={"file": ("f", b"1")})
    assert extra.status_code == 403 and b"Extra input fields" in extra.content
    forged = httpx.post(post["url"], data={**post["fields"], "x-amz-signature": "0" * 64},
                        files={"file": ("f", b"1")})
    assert forged.status_code in (204, 403)  # unknown keys are accepted unverified outside --strict-auth
    ok = httpx.post(post["url"], data=post["fields"], files={"file": ("f", b"1")})
    assert ok.status_code == 204, ok.text
    assert s3.get_object(Bucket=bucket, Key="only/this")["Body"].read() == b"1"
    assert unique()


def test_large_post_upload_streams(s3, bucket):
    import os

    data = os.urandom(70 * 1024 * 1024)  # above the 64 MiB buffering limit
    post = s3.generate_presigned_post(bucket, "big/${filename}", ExpiresIn=60)
    r = httpx.post(post["url"], data=post["fields"], files={"file": ("blob.bin", data)}, timeout=60)
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=bucket, Key="big/blob.bin")["ContentLength"] == len(data)
    assert s3.get_object(Bucket=bucket, Key="big/blob.bin", Range="bytes=-16")["Body"].read() == data[-16:]
