"""Virtual-hosted-style requests become path-style before the operation is found.

boto3 addresses ``https://bucket.s3.amazonaws.com/key`` by default and
``http://bucket.localhost:4566/key`` against a local endpoint whose host name
allows it; ``addressing_style="path"`` sends ``/bucket/key``. The botocore
model's request URIs are path-style (``/{Bucket}/{Key+}``), so a request whose
Host names a bucket gets that bucket put in front of its path. This runs after
SigV4 verification, because the signature covers the path as sent.

Host forms taken as virtual-hosted (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html):

* ``<bucket>.s3.<anything>`` / ``<bucket>.s3-<region>.<anything>`` /
  ``<bucket>.s3.<region>.amazonaws.com``;
* ``<bucket>.localhost`` (any port), the form browsers and boto3 resolve locally.

Plain IPs, ``localhost`` and ``s3.…`` hosts are path-style.
"""

from __future__ import annotations

from typing import Any

from squall.gateway.http import Request

_S3_LABELS = ("s3", "s3-external-1", "s3-website")


def bucket_from_host(host: str) -> str | None:
    host = host.lower().partition(":")[0] if not host.startswith("[") else ""
    if not host or host.replace(".", "").isdigit():
        return None
    labels = host.split(".")
    for i, label in enumerate(labels):
        if i and (label in _S3_LABELS or (label.startswith("s3-") and label[3:4].isalpha())
                  or label.startswith("s3.")):
            return ".".join(labels[:i])
    if len(labels) >= 2 and labels[-1] == "localhost":
        return ".".join(labels[:-1])
    return None


def rewrite(request: Request, settings: Any) -> None:
    bucket = bucket_from_host(request.host)
    if bucket:
        path = request.path
        request.path = f"/{bucket}" if path in ("", "/") else f"/{bucket}{path}"
