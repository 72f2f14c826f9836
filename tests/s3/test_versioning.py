"""Versioning through the wire: version ids, delete markers, ListObjectVersions, reads and
deletes by version, suspension and the null version."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status


def test_versions_and_delete_markers(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="k", Body=b"before")  # becomes the "null" version
    assert s3.get_bucket_versioning(Bucket=b).get("Status") is None
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read() == b"before"
    listed = s3.list_object_versions(Bucket=b)
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(v2, True), (v1, False),
                                                                             ("null", False)]
    marker = s3.delete_object(Bucket=b, Key="k")
    assert marker["DeleteMarker"] is True and marker["VersionId"]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="k")
    assert error_code(exc) == "NoSuchKey"
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker") == "true"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=b, Key="k", VersionId=marker["VersionId"])
    assert status(exc) == 405
    assert "Contents" not in s3.list_objects_v2(Bucket=b)
    listed = s3.list_object_versions(Bucket=b)
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]
    assert listed["DeleteMarkers"][0]["IsLatest"] is True
    # removing the marker brings the object back
    s3.delete_object(Bucket=b, Key="k", VersionId=marker["VersionId"])
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"two"
    # removing the current version makes the previous one current
    s3.delete_object(Bucket=b, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=b, Key="k")["Body"].read() == b"one"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="k", VersionId=v2)
    assert error_code(exc) == "NoSuchVersion"


def test_suspended_writes_the_null_version(s3, make_bucket):
    b = make_bucket()
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=b, Key="s", Body=b"v1")["VersionId"]
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert "VersionId" not in s3.put_object(Bucket=b, Key="s", Body=b"n1")
    s3.put_object(Bucket=b, Key="s", Body=b"n2")  # replaces the null version
    ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=b)["Versions"]]
    assert ids == ["null", v1]
    assert s3.get_object(Bucket=b, Key="s")["Body"].read() == b"n2"


def test_version_listing_pages(s3, make_bucket):
    b = make_bucket()
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    expected = []
    for key in ("a", "b", "c"):
        ids = [s3.put_object(Bucket=b, Key=key, Body=str(i).encode())["VersionId"] for i in range(3)]
        expected += [(key, v) for v in reversed(ids)]
    got = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 2}):
        got += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    assert got == expected


def test_invalid_version_id_on_unversioned_bucket(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="u", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=b, Key="u", VersionId="abc")
    assert status(exc) == 400
    assert s3.get_object(Bucket=b, Key="u", VersionId="null")["Body"].read() == b"x"
