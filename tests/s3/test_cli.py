"""The AWS CLI's high-level S3 commands against the live server: cp (single and multipart),
sync (both directions, with deletes), ls, presign, rm."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.s3.conftest import unique

AWS = Path(sys.executable).with_name("aws")
pytestmark = pytest.mark.skipif(not AWS.exists(), reason="awscli not installed in this environment")


def _aws(endpoint: str, *args: str) -> str:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([str(AWS), "--endpoint-url", endpoint, *args], check=False, capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_cp_sync_ls_presign_rm(server, s3, tmp_path):
    b = unique()
    _aws(server.endpoint, "s3", "mb", f"s3://{b}")
    small = tmp_path / "small.txt"
    small.write_text("hello cli")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024 + 5))  # the CLI uses multipart above 8 MiB
    _aws(server.endpoint, "s3", "cp", str(small), f"s3://{b}/one/small.txt")
    _aws(server.endpoint, "s3", "cp", str(big), f"s3://{b}/one/big.bin")
    assert s3.head_object(Bucket=b, Key="one/big.bin")["ETag"].endswith('-3"')
    back = tmp_path / "back.bin"
    _aws(server.endpoint, "s3", "cp", f"s3://{b}/one/big.bin", str(back))
    assert back.read_bytes() == big.read_bytes()

    src = tmp_path / "site"
    (src / "css").mkdir(parents=True)
    (src / "index.html").write_text("<h1>hi</h1>")
    (src / "css" / "a b.css").write_text("body{}")
    _aws(server.endpoint, "s3", "sync", str(src), f"s3://{b}/site")
    listing = _aws(server.endpoint, "s3", "ls", "--recursive", f"s3://{b}/site/")
    assert "site/index.html" in listing and "site/css/a b.css" in listing
    (src / "index.html").unlink()
    _aws(server.endpoint, "s3", "sync", "--delete", str(src), f"s3://{b}/site")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=b, Prefix="site/")["Contents"]]
    assert keys == ["site/css/a b.css"]
    dest = tmp_path / "down"
    _aws(server.endpoint, "s3", "sync", f"s3://{b}/one", str(dest))
    assert (dest / "small.txt").read_text() == "hello cli" and (dest / "big.bin").stat().st_size == big.stat().st_size

    url = _aws(server.endpoint, "s3", "presign", f"s3://{b}/one/small.txt", "--expires-in", "60").strip()
    assert httpx.get(url).content == b"hello cli"

    _aws(server.endpoint, "s3", "rm", "--recursive", f"s3://{b}")
    _aws(server.endpoint, "s3", "rb", f"s3://{b}")
