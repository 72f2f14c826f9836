"""CORS end to end (configuration, a browser preflight, CORS headers on a presigned GET) and
presigned URLs. Each sub-resource's own rules are in test_bucket_config.py and test_cors.py."""

from __future__ import annotations

import time

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code


def test_cors_configuration_and_preflight(s3, make_bucket, server):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=b)
    assert error_code(exc) == "NoSuchCORSConfiguration"
    url = f"{server.endpoint}/{b}/file.txt"
    pre = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
    assert httpx.options(url, headers=pre).status_code == 403
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300}]})
    assert s3.get_bucket_cors(Bucket=b)["CORSRules"][0]["MaxAgeSeconds"] == 300
    r = httpx.options(url, headers={**pre, "Access-Control-Request-Headers": "Content-Type, X-Amz-Date"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "PUT" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-max-age"] == "300"
    assert r.headers["access-control-allow-headers"] == "content-type, x-amz-date"
    bad = httpx.options(url, headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"})
    assert bad.status_code == 403 and b"AccessForbidden" in bad.content
    assert httpx.options(url, headers={**pre, "Access-Control-Request-Method": "DELETE"}).status_code == 403
    s3.put_object(Bucket=b, Key="file.txt", Body=b"cors")
    got = httpx.get(s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "file.txt"}),
                    headers={"Origin": "https://app.example.com"})
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "https://app.example.com"
    assert got.headers["access-control-expose-headers"] == "ETag"
    s3.delete_bucket_cors(Bucket=b)
    assert httpx.options(url, headers=pre).status_code == 403


def test_presigned_get_and_put(s3, make_bucket):
    b = make_bucket()
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "p.txt"}, ExpiresIn=60)
    assert httpx.put(put_url, content=b"presigned").status_code == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"}, ExpiresIn=60)
    r = httpx.get(get_url)
    assert r.status_code == 200 and r.content == b"presigned"
    tampered = get_url.replace("p.txt", "q.txt")
    assert httpx.get(tampered).status_code == 403
    short = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "p.txt"}, ExpiresIn=1)
    time.sleep(2.1)
    expired = httpx.get(short)
    assert expired.status_code == 403 and b"expired" in expired.content


def test_presigned_put_of_a_large_body_streams(s3, make_bucket):
    """A presigned PUT carries no payload hash: it must stream, not be buffered."""
    import os

    b = make_bucket()
    data = os.urandom(70 * 1024 * 1024)  # above the 64 MiB buffering limit
    url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "big"}, ExpiresIn=60)
    assert httpx.put(url, content=data, timeout=60).status_code == 200
    assert s3.head_object(Bucket=b, Key="big")["ContentLength"] == len(data)
