"""Buckets through the wire: create/head/list/delete, naming and region rules, errors."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status, unique


def test_create_head_list_delete(s3):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert name in names and names == sorted(names)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=name)
    assert status(exc) == 404
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=name)
    assert error_code(exc) == "NoSuchBucket"


def test_us_east_1_recreate_is_ok_elsewhere_owned_by_you(s3, aws_client):
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)  # us-east-1: 200 for a bucket you own
    s3.delete_bucket(Bucket=name)
    eu = aws_client("s3", region="eu-west-1")
    name2 = unique()
    eu.create_bucket(Bucket=name2, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert eu.get_bucket_location(Bucket=name2)["LocationConstraint"] == "eu-west-1"
    with pytest.raises(ClientError) as exc:
        eu.create_bucket(Bucket=name2, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert error_code(exc) == "BucketAlreadyOwnedByYou" and status(exc) == 409
    eu.delete_bucket(Bucket=name2)


def test_region_rules(aws_client, s3):
    eu = aws_client("s3", region="eu-west-1")
    with pytest.raises(ClientError) as exc:
        eu.create_bucket(Bucket=unique())
    assert error_code(exc) == "IllegalLocationConstraintException"
    with pytest.raises(ClientError) as exc:
        eu.create_bucket(Bucket=unique(), CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert error_code(exc) == "IllegalLocationConstraintException"
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=unique(), CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert error_code(exc) == "InvalidLocationConstraint"


@pytest.mark.parametrize("name", ["ab", "a" * 64, "Upper-case", "has_underscore", "-start", "end-", "a..b",
                                  "192.168.1.1", "xn--punycode", "bucket-s3alias"])
def test_invalid_names(s3, name):
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert error_code(exc) == "InvalidBucketName" and status(exc) == 400


def test_bucket_not_empty(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=b)
    assert error_code(exc) == "BucketNotEmpty" and status(exc) == 409


def test_create_with_object_lock_and_ownership(s3):
    name = unique()
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True, ObjectOwnership="ObjectWriter")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}]
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=unique(), ObjectOwnership="Nobody")
    assert error_code(exc) == "InvalidArgument"
