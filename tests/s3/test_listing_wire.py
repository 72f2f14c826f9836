"""ListObjectsV2 / ListObjects through the wire: order, prefixes, delimiters, paging, markers,
encoding-type=url."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code

KEYS = ["a", "a/b", "a/b/c", "a/d", "b", "b/", "c/x/y", "c/z", "é", "z", "日本", "\U0001F600", "sp ace", "q?x"]


@pytest.fixture(scope="module")
def filled(s3, request):
    from tests.s3.conftest import unique

    b = unique("list")
    s3.create_bucket(Bucket=b)
    for k in KEYS:
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    yield b
    for k in KEYS:
        s3.delete_object(Bucket=b, Key=k)
    s3.delete_bucket(Bucket=b)


def _utf8(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


def test_order_is_utf8_binary(s3, filled):
    got = [o["Key"] for o in s3.list_objects_v2(Bucket=filled)["Contents"]]
    assert got == _utf8(KEYS)


def test_prefix_and_delimiter(s3, filled):
    r = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "c/"]
    assert [o["Key"] for o in r["Contents"]] == _utf8(["a", "b", "é", "z", "日本", "\U0001F600", "sp ace", "q?x"])
    assert r["KeyCount"] == len(r["Contents"]) + 3
    r = s3.list_objects_v2(Bucket=filled, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/b", "a/d"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"]
    r = s3.list_objects_v2(Bucket=filled, Prefix="c/", Delimiter="x")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["c/x"] and [o["Key"] for o in r["Contents"]] == ["c/z"]


@pytest.mark.parametrize("page", [1, 2, 3, 5])
@pytest.mark.parametrize("delimiter", [None, "/"])
def test_v2_paging_matches_unpaged(s3, filled, page, delimiter):
    kw = {"Delimiter": delimiter} if delimiter else {}
    whole = s3.list_objects_v2(Bucket=filled, **kw)
    want = ([o["Key"] for o in whole.get("Contents", [])], [p["Prefix"] for p in whole.get("CommonPrefixes", [])])
    keys, prefixes = [], []
    for r in s3.get_paginator("list_objects_v2").paginate(Bucket=filled, PaginationConfig={"PageSize": page},
                                                          **kw):
        assert r["KeyCount"] <= page
        keys += [o["Key"] for o in r.get("Contents", [])]
        prefixes += [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    assert (keys, prefixes) == want


@pytest.mark.parametrize("page", [1, 4])
@pytest.mark.parametrize("delimiter", [None, "/"])
def test_v1_paging_matches_unpaged(s3, filled, page, delimiter):
    kw = {"Delimiter": delimiter} if delimiter else {}
    whole = s3.list_objects(Bucket=filled, **kw)
    want = ([o["Key"] for o in whole.get("Contents", [])], [p["Prefix"] for p in whole.get("CommonPrefixes", [])])
    keys, prefixes = [], []
    for r in s3.get_paginator("list_objects").paginate(Bucket=filled, PaginationConfig={"PageSize": page}, **kw):
        keys += [o["Key"] for o in r.get("Contents", [])]
        prefixes += [p["Prefix"] for p in r.get("CommonPrefixes", [])]
    assert (keys, prefixes) == want


def test_start_after_max_keys_and_errors(s3, filled):
    r = s3.list_objects_v2(Bucket=filled, StartAfter="b/", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["c/x/y", "c/z"] and r["IsTruncated"] is True
    r = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert "Contents" not in r and r["IsTruncated"] is False
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="!!not-a-token!!")
    assert error_code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="no-such-bucket-list")
    assert error_code(exc) == "NoSuchBucket"


def test_encoding_type_url(s3, filled):
    from urllib.parse import unquote_plus

    # asked for explicitly, the keys come back encoded (boto3 decodes only when it asked itself)
    r = s3.list_objects_v2(Bucket=filled, EncodingType="url")
    keys = [o["Key"] for o in r["Contents"]]
    assert "sp+ace" in keys and all(k.isascii() for k in keys)  # S3 encodes like a form: space → +
    assert [unquote_plus(k) for k in keys] == _utf8(KEYS)
