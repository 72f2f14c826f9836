"""boto3's managed transfers of a multi-GB file: concurrent multipart upload with checksums,
concurrent ranged download, bytes identical; the server's memory stays flat meanwhile."""

from __future__ import annotations

import hashlib
import os

from tests.s3.conftest import unique

GIB = 1024**3
BLOCK = 8 * 1024 * 1024


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_two_gib_upload_and_download(s3, server, tmp_path):
    from boto3.s3.transfer import TransferConfig

    b = unique()
    s3.create_bucket(Bucket=b)
    src = tmp_path / "big.bin"
    block = os.urandom(BLOCK)
    digest = hashlib.sha256()
    with open(src, "wb") as f:
        for i in range(2 * GIB // BLOCK):
            chunk = i.to_bytes(8, "big") + block[8:]  # every block differs
            f.write(chunk)
            digest.update(chunk)
    before = _rss_mb(server.proc.pid)
    cfg = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024,
                         max_concurrency=4)
    s3.upload_file(str(src), b, "big.bin", Config=cfg, ExtraArgs={"ChecksumAlgorithm": "CRC32"})
    head = s3.head_object(Bucket=b, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == 2 * GIB and head["ETag"].endswith('-32"')
    assert head.get("ChecksumCRC32", "").endswith("-32")
    src.unlink()
    dst = tmp_path / "back.bin"
    s3.download_file(b, "big.bin", str(dst), Config=cfg)
    got = hashlib.sha256()
    with open(dst, "rb") as f:
        while chunk := f.read(BLOCK):
            got.update(chunk)
    assert got.digest() == digest.digest()
    grown = _rss_mb(server.proc.pid) - before
    assert grown < 100, f"server memory must stay flat during transfers (grew {grown:.0f} MB)"
    s3.delete_object(Bucket=b, Key="big.bin")
    s3.delete_bucket(Bucket=b)
