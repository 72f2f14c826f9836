"""Bucket sub-resources through the wire: tagging, CORS (and browser preflights), policy,
lifecycle, encryption, ownership, public access block, ACL; presigned URLs."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status


def test_tagging(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=b)
    assert error_code(exc) == "NoSuchTagSet" and status(exc) == 404
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]})
    assert error_code(exc) == "InvalidTag"
    s3.delete_bucket_tagging(Bucket=b)
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket=b)


def test_policy_and_status(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=b)
    assert error_code(exc) == "NoSuchBucketPolicy"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}]})
    s3.put_bucket_policy(Bucket=b, Policy=policy)
    assert json.loads(s3.get_bucket_policy(Bucket=b)["Policy"]) == json.loads(policy)
    assert s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"] is True
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=b, Policy="not json")
    assert error_code(exc) == "MalformedPolicy"


def test_lifecycle(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=b)
    assert error_code(exc) == "NoSuchLifecycleConfiguration"
    rules = [{"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 7}}]
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"] == rules
    with pytest.raises(ClientError):
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules + rules})


def test_defaults_encryption_ownership_public_access_acl(s3, make_bucket):
    b = make_bucket()
    rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    owner = s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"][0]
    assert owner["ObjectOwnership"] == "BucketOwnerEnforced"
    assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    acl = s3.get_bucket_acl(Bucket=b)
    assert acl["Grants"][0]["Permission"] == "FULL_CONTROL"
    assert s3.get_bucket_request_payment(Bucket=b)["Payer"] == "BucketOwner"


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
