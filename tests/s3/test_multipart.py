"""Multipart uploads through the wire: the API rules, and boto3's managed transfers."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code

MIB = 1024 * 1024


def _mpu(s3, bucket, key, parts, **kw):
    up = s3.create_multipart_upload(Bucket=bucket, Key=key, **kw)
    done = []
    for i, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=data)
        done.append({"PartNumber": i, "ETag": r["ETag"]})
    return up["UploadId"], done


def test_complete_etag_and_content(s3, make_bucket):
    b = make_bucket()
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    upload_id, done = _mpu(s3, b, "mp", parts, ContentType="text/x", Metadata={"m": "1"})
    listed = s3.list_parts(Bucket=b, Key="mp", UploadId=upload_id)["Parts"]
    assert [p["PartNumber"] for p in listed] == [1, 2, 3] and listed[2]["Size"] == 4
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=b)["Uploads"]] == [upload_id]
    r = s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": done})
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    assert r["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    got = s3.get_object(Bucket=b, Key="mp")
    assert got["Body"].read() == b"".join(parts) and got["ContentType"] == "text/x"
    assert got["Metadata"] == {"m": "1"}
    whole = b"".join(parts)
    assert s3.get_object(Bucket=b, Key="mp", Range=f"bytes={5 * MIB - 3}-{5 * MIB + 2}")["Body"].read() == \
        whole[5 * MIB - 3:5 * MIB + 3]
    second = s3.get_object(Bucket=b, Key="mp", PartNumber=2)
    assert second["Body"].read() == parts[1] and second["PartsCount"] == 3
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=b, Key="mp", UploadId=upload_id)
    assert error_code(exc) == "NoSuchUpload"


def test_rules(s3, make_bucket):
    b = make_bucket()
    upload_id, done = _mpu(s3, b, "r", [b"small", b"also small"])
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=b, Key="r", UploadId=upload_id, MultipartUpload={"Parts": done})
    assert error_code(exc) == "EntityTooSmall"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=b, Key="r", UploadId=upload_id,
                                     MultipartUpload={"Parts": list(reversed(done))})
    assert error_code(exc) == "InvalidPartOrder"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=b, Key="r", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]})
    assert error_code(exc) == "InvalidPart"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=b, Key="r", UploadId=upload_id, PartNumber=10001, Body=b"x")
    assert error_code(exc) == "InvalidArgument"
    s3.abort_multipart_upload(Bucket=b, Key="r", UploadId=upload_id)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=b, Key="r", UploadId=upload_id, PartNumber=1, Body=b"x")
    assert error_code(exc) == "NoSuchUpload"
    # a single small part is a valid upload
    upload_id, done = _mpu(s3, b, "one", [b"only"])
    s3.complete_multipart_upload(Bucket=b, Key="one", UploadId=upload_id, MultipartUpload={"Parts": done})
    assert s3.get_object(Bucket=b, Key="one")["Body"].read() == b"only"


def test_upload_part_copy(s3, make_bucket):
    b = make_bucket()
    src = os.urandom(6 * MIB)
    s3.put_object(Bucket=b, Key="src", Body=src)
    up = s3.create_multipart_upload(Bucket=b, Key="dst")
    p1 = s3.upload_part_copy(Bucket=b, Key="dst", UploadId=up["UploadId"], PartNumber=1,
                             CopySource={"Bucket": b, "Key": "src"}, CopySourceRange=f"bytes=0-{5 * MIB - 1}")
    p2 = s3.upload_part_copy(Bucket=b, Key="dst", UploadId=up["UploadId"], PartNumber=2,
                             CopySource={"Bucket": b, "Key": "src"}, CopySourceRange=f"bytes={5 * MIB}-{6 * MIB - 1}")
    s3.complete_multipart_upload(Bucket=b, Key="dst", UploadId=up["UploadId"], MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
        {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=b, Key="dst")["Body"].read() == src


def test_checksums_composite_and_full_object(s3, make_bucket):
    b = make_bucket()
    parts = [os.urandom(5 * MIB), b"end"]
    up = s3.create_multipart_upload(Bucket=b, Key="c", ChecksumAlgorithm="CRC32")
    done = []
    for i, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=b, Key="c", UploadId=up["UploadId"], PartNumber=i, Body=data,
                           ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    r = s3.complete_multipart_upload(Bucket=b, Key="c", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    raw = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts)
    assert r["ChecksumCRC32"] == base64.b64encode(zlib.crc32(raw).to_bytes(4, "big")).decode() + "-2"
    up = s3.create_multipart_upload(Bucket=b, Key="f", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    done = []
    for i, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=b, Key="f", UploadId=up["UploadId"], PartNumber=i, Body=data,
                           ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    r = s3.complete_multipart_upload(Bucket=b, Key="f", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
    whole = zlib.crc32(b"".join(parts)).to_bytes(4, "big")
    assert r["ChecksumCRC32"] == base64.b64encode(whole).decode()


def test_managed_transfer(s3, make_bucket, tmp_path):
    from boto3.s3.transfer import TransferConfig

    b = make_bucket()
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(40 * MIB + 123))
    cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=4)
    s3.upload_file(str(src), b, "big/file.bin", Config=cfg)
    head = s3.head_object(Bucket=b, Key="big/file.bin")
    assert head["ContentLength"] == 40 * MIB + 123 and head["ETag"].endswith('-6"')
    dst = tmp_path / "dst.bin"
    s3.download_file(b, "big/file.bin", str(dst), Config=cfg)
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()


def test_delete_bucket_drops_open_uploads_and_their_part_files(s3, make_bucket, server):
    """S3 deletes a bucket whose only content is unfinished uploads; their parts go with it."""
    b = make_bucket()
    blob_root = server.data_dir / "blobs"

    def part_files() -> set[str]:
        return {p.name for p in blob_root.glob("??/*")}

    before = part_files()
    up = s3.create_multipart_upload(Bucket=b, Key="open")["UploadId"]
    s3.upload_part(Bucket=b, Key="open", UploadId=up, PartNumber=1, Body=os.urandom(300 * 1024))
    added = part_files() - before
    assert len(added) == 1
    s3.delete_bucket(Bucket=b)
    assert not added & part_files()
    s3.create_bucket(Bucket=b)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=b, Key="open", UploadId=up)
    assert error_code(exc) == "NoSuchUpload"
