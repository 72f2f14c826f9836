"""Objects through the wire with boto3: put/get/head/delete/copy, metadata, ranges, conditions,
checksums, tagging, attributes, and keys that must be stored exactly."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status


def test_put_get_head_delete(s3, make_bucket):
    b = make_bucket()
    r = s3.put_object(Bucket=b, Key="hello.txt", Body=b"hello world", ContentType="text/plain",
                      Metadata={"color": "blue"}, CacheControl="max-age=60", ContentDisposition="inline")
    assert r["ETag"] == '"{}"'.format(hashlib.md5(b"hello world").hexdigest())
    got = s3.get_object(Bucket=b, Key="hello.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"color": "blue"}
    assert got["CacheControl"] == "max-age=60" and got["ContentDisposition"] == "inline"
    assert got["ContentLength"] == 11 and got["ETag"] == r["ETag"]
    head = s3.head_object(Bucket=b, Key="hello.txt")
    assert head["ContentLength"] == 11 and head["ETag"] == r["ETag"] and head["Metadata"] == {"color": "blue"}
    s3.delete_object(Bucket=b, Key="hello.txt")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="hello.txt")
    assert error_code(exc) == "NoSuchKey" and status(exc) == 404
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=b, Key="hello.txt")
    assert status(exc) == 404
    s3.delete_object(Bucket=b, Key="hello.txt")  # deleting a missing key succeeds


def test_default_content_type_and_empty_object(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="empty", Body=b"")
    got = s3.get_object(Bucket=b, Key="empty")
    assert got["Body"].read() == b"" and got["ContentLength"] == 0
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_no_such_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="no-such-bucket-squall", Key="k", Body=b"x")
    assert error_code(exc) == "NoSuchBucket" and status(exc) == 404


@pytest.mark.parametrize("key", [
    "unicode/日本語/ファイル.txt", "dots/../escape", "../../etc/passwd", "double//slash", "trailing/",
    "space and+plus", "emoji-\U0001F600", "k" * 1024, "%2F-literal", "?question#hash",
])
def test_keys_stored_exactly(s3, make_bucket, key):
    b = make_bucket()
    s3.put_object(Bucket=b, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=b, Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=b).get("Contents", [])]
    assert listed == [key]


def test_key_too_long(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="k" * 1025, Body=b"x")
    assert error_code(exc) == "KeyTooLongError"


def test_ranges(s3, make_bucket):
    b = make_bucket()
    data = bytes(range(256)) * 4
    s3.put_object(Bucket=b, Key="r", Body=data)
    r = s3.get_object(Bucket=b, Key="r", Range="bytes=10-19")
    assert r["Body"].read() == data[10:20] and r["ContentRange"] == "bytes 10-19/1024"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=1000-")["Body"].read() == data[1000:]
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=-24")["Body"].read() == data[-24:]
    assert s3.get_object(Bucket=b, Key="r", Range="bytes=1000-5000")["Body"].read() == data[1000:]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="r", Range="bytes=5000-")
    assert error_code(exc) == "InvalidRange" and status(exc) == 416
    whole = s3.get_object(Bucket=b, Key="r", Range="bytes=abc")
    assert whole["Body"].read() == data


def test_conditional_reads(s3, make_bucket):
    b = make_bucket()
    etag = s3.put_object(Bucket=b, Key="c", Body=b"cond")["ETag"]
    assert s3.get_object(Bucket=b, Key="c", IfMatch=etag)["Body"].read() == b"cond"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="c", IfMatch='"nope"')
    assert status(exc) == 412 and error_code(exc) == "PreconditionFailed"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="c", IfNoneMatch=etag)
    assert status(exc) == 304
    future = datetime.now(UTC) + timedelta(days=1)
    past = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="c", IfModifiedSince=future)
    assert status(exc) == 304
    assert s3.get_object(Bucket=b, Key="c", IfModifiedSince=past)["Body"].read() == b"cond"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="c", IfUnmodifiedSince=past)
    assert status(exc) == 412


def test_conditional_writes(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="w", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="w", Body=b"2", IfNoneMatch="*")
    assert status(exc) == 412
    etag = s3.head_object(Bucket=b, Key="w")["ETag"]
    s3.put_object(Bucket=b, Key="w", Body=b"3", IfMatch=etag)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="w", Body=b"4", IfMatch=etag)
    assert status(exc) == 412
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="missing", Body=b"4", IfMatch=etag)
    assert error_code(exc) == "NoSuchKey"
    assert s3.get_object(Bucket=b, Key="w")["Body"].read() == b"3"


def test_checksums_verified_and_returned(s3, make_bucket):
    b = make_bucket()
    data = os.urandom(5000)
    r = s3.put_object(Bucket=b, Key="sum", Body=data, ChecksumAlgorithm="SHA256")
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert r["ChecksumSHA256"] == expected
    head = s3.head_object(Bucket=b, Key="sum", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected
    crc = base64.b64encode(zlib.crc32(b"abc").to_bytes(4, "big")).decode()
    assert s3.put_object(Bucket=b, Key="crc", Body=b"abc", ChecksumCRC32=crc)["ChecksumCRC32"] == crc
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="bad", Body=b"abc", ChecksumCRC32="AAAAAA==")
    assert error_code(exc) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=b, Key="bad")
    assert status(exc) == 404


def test_content_md5(s3, make_bucket):
    b = make_bucket()
    good = base64.b64encode(hashlib.md5(b"m").digest()).decode()
    s3.put_object(Bucket=b, Key="m", Body=b"m", ContentMD5=good)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=b, Key="m2", Body=b"m", ContentMD5=base64.b64encode(b"0" * 16).decode())
    assert error_code(exc) == "BadDigest"


def test_copy_object(s3, make_bucket):
    b, b2 = make_bucket(), make_bucket()
    s3.put_object(Bucket=b, Key="src", Body=b"copy me", ContentType="text/x", Metadata={"a": "1"},
                  Tagging="t=1")
    r = s3.copy_object(Bucket=b2, Key="dst", CopySource={"Bucket": b, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == s3.head_object(Bucket=b, Key="src")["ETag"]
    got = s3.get_object(Bucket=b2, Key="dst")
    assert got["Body"].read() == b"copy me" and got["ContentType"] == "text/x" and got["Metadata"] == {"a": "1"}
    assert s3.get_object_tagging(Bucket=b2, Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src", MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="text/y")
    head = s3.head_object(Bucket=b, Key="src")
    assert head["Metadata"] == {"b": "2"} and head["ContentType"] == "text/y"
    assert s3.get_object(Bucket=b, Key="src")["Body"].read() == b"copy me"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=b, Key="src", CopySource=f"{b}/src")
    assert error_code(exc) == "InvalidRequest"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=b, Key="x", CopySource=f"{b}/missing")
    assert error_code(exc) == "NoSuchKey"


def test_delete_objects(s3, make_bucket):
    b = make_bucket()
    for i in range(5):
        s3.put_object(Bucket=b, Key=f"d{i}", Body=b"x")
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": f"d{i}"} for i in range(3)] + [{"Key": "nope"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["d0", "d1", "d2", "nope"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=b)["Contents"]] == ["d3", "d4"]
    r = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "d3"}], "Quiet": True})
    assert "Deleted" not in r


def test_object_tagging(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="a=1&b=two")
    assert sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=b, Key="t")["TagSet"]) == [
        ("a", "1"), ("b", "two")]
    assert s3.head_object(Bucket=b, Key="t").get("TagCount") is None or True
    s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "z", "Value": "9"}]})
    assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == [{"Key": "z", "Value": "9"}]
    s3.delete_object_tagging(Bucket=b, Key="t")
    assert s3.get_object_tagging(Bucket=b, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"}
                                                                      for i in range(11)]})
    assert status(exc) == 400


def test_get_object_attributes(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="a", Body=b"attrs", ChecksumAlgorithm="CRC32")
    r = s3.get_object_attributes(Bucket=b, Key="a", ObjectAttributes=["ETag", "ObjectSize", "StorageClass",
                                                                      "Checksum"])
    assert r["ETag"] == hashlib.md5(b"attrs").hexdigest() and r["ObjectSize"] == 5
    assert r["StorageClass"] == "STANDARD" and "ChecksumCRC32" in r["Checksum"]


def test_large_object_streams_through_a_blob(s3, make_bucket):
    b = make_bucket()
    data = os.urandom(3 * 1024 * 1024 + 17)
    r = s3.put_object(Bucket=b, Key="big", Body=data)
    assert r["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert s3.get_object(Bucket=b, Key="big")["Body"].read() == data
    part = s3.get_object(Bucket=b, Key="big", Range="bytes=1048570-2097160")["Body"].read()
    assert part == data[1048570:2097161]
    s3.put_object(Bucket=b, Key="big", Body=b"small now")
    assert s3.get_object(Bucket=b, Key="big")["Body"].read() == b"small now"


def _signed(method: str, host: str, path: str, body: bytes = b"") -> dict[str, str]:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method=method, url=f"http://{host}{path}", data=body)
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    return {**dict(req.headers.items()), "Host": host}


def test_virtual_host_addressing(server, s3, make_bucket):
    """``bucket.localhost`` and ``bucket.s3.localhost`` hosts address the bucket (this machine
    does not resolve *.localhost, so the Host header is set by hand, signed as boto3 would)."""
    import httpx

    b = make_bucket()
    port = server.endpoint.rsplit(":", 1)[1]
    for host in (f"{b}.localhost:{port}", f"{b}.s3.localhost.localstack.cloud:{port}"):
        headers = _signed("PUT", host, "/vh/key.txt", b"virtual")
        r = httpx.put(f"{server.endpoint}/vh/key.txt", content=b"virtual", headers=headers)
        assert r.status_code == 200, r.text
        r = httpx.get(f"{server.endpoint}/vh/key.txt", headers=_signed("GET", host, "/vh/key.txt"))
        assert r.status_code == 200 and r.content == b"virtual"
        r = httpx.get(f"{server.endpoint}/?list-type=2", headers=_signed("GET", host, "/?list-type=2"))
        assert r.status_code == 200 and b"<Key>vh/key.txt</Key>" in r.content
    assert s3.get_object(Bucket=b, Key="vh/key.txt")["Body"].read() == b"virtual"


def _signed_streaming(host: str, path: str, headers: dict[str, str]) -> dict[str, str]:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class Trailer(S3SigV4Auth):
        def payload(self, request):
            return "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

    req = AWSRequest(method="PUT", url=f"http://{host}{path}", data=b"", headers=headers)
    Trailer(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    return {**dict(req.headers.items()), "Host": host}


@pytest.mark.parametrize("good", [True, False])
def test_aws_chunked_upload_with_trailer_checksum(server, s3, make_bucket, good):
    """What SDKs send over HTTPS: aws-chunked framing with the checksum in a trailer."""
    import httpx

    b = make_bucket()
    data = b"hello trailer" * 1000
    crc = base64.b64encode(zlib.crc32(data if good else b"other").to_bytes(4, "big")).decode()
    body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
    host = server.endpoint.split("://")[1]
    headers = _signed_streaming(host, f"/{b}/t", {
        "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": str(len(data)),
        "X-Amz-Trailer": "x-amz-checksum-crc32", "Content-Length": str(len(body))})
    r = httpx.put(f"{server.endpoint}/{b}/t", content=body, headers=headers)
    if good:
        assert r.status_code == 200, r.text
        assert s3.get_object(Bucket=b, Key="t")["Body"].read() == data
        assert s3.head_object(Bucket=b, Key="t", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    else:
        assert r.status_code == 400 and b"BadDigest" in r.content
