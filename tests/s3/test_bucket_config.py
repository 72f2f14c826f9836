"""Bucket sub-resources through the wire: each Put/Get/Delete, the 404 of an unset one, and
S3's validation errors (codes and messages as AWS answers them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.s3.conftest import error_code, status, unique

MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema"


@pytest.fixture(scope="session")
def loose(aws_client):
    """A client that sends what it is given (no client-side parameter validation)."""
    return aws_client("s3", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def error(exc: pytest.ExceptionInfo[ClientError]) -> dict:
    return exc.value.response["Error"]


# ---- tagging ----------------------------------------------------------------------------
def test_tagging_crud(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=b)
    assert error(exc) == {"Code": "NoSuchTagSet", "Message": "The TagSet does not exist", "BucketName": b}
    assert status(exc) == 404
    tags = [{"Key": "env", "Value": "dev"}, {"Key": "empty", "Value": ""}, {"Key": "a b:c/d=e+f-g@h_i.j", "Value": "ü"}]
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": tags})
    assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == tags
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "only", "Value": "1"}]})
    assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "only", "Value": "1"}]
    s3.delete_bucket_tagging(Bucket=b)
    s3.delete_bucket_tagging(Bucket=b)  # idempotent
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=b)
    assert error_code(exc) == "NoSuchTagSet"
    # an empty TagSet removes the tags
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": []})
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=b)
    assert error_code(exc) == "NoSuchTagSet"


@pytest.mark.parametrize("tags, expected", [
    ([{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
     {"Code": "InvalidTag", "Message": "Cannot provide multiple Tags with the same key", "TagKey": "k"}),
    ([{"Key": "k1,k2", "Value": "v"}],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is invalid", "TagKey": "k1,k2"}),
    ([{"Key": "k", "Value": "v1,v2"}],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is invalid", "TagKey": "k",
      "TagValue": "v1,v2"}),
    ([{"Key": "aws:x", "Value": "v"}],
     {"Code": "InvalidTag", "Message": "System tags cannot be added/updated by requester", "TagKey": "aws:x"}),
    ([{"Key": "k" * 129, "Value": "v"}],
     {"Code": "InvalidTag", "Message": "The TagKey you have provided is too long, max 128", "TagKey": "k" * 129}),
    ([{"Key": "k", "Value": "v" * 257}],
     {"Code": "InvalidTag", "Message": "The TagValue you have provided is too long, max 256", "TagKey": "k"}),
    ([{"Key": f"k{i}", "Value": "v"} for i in range(51)],
     {"Code": "BadRequest", "Message": "Bucket tag count cannot be greater than 50"}),
    ([{"Key": "k"}], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"Value": "v"}], {"Code": "MalformedXML", "Message": MALFORMED}),
])
def test_tagging_validation(loose, make_bucket, tags, expected):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_tagging(Bucket=b, Tagging={"TagSet": tags})
    assert error(exc) == expected and status(exc) == 400


def test_missing_bucket_answers_no_such_bucket(s3):
    b = unique("nobucket")
    for call in (lambda: s3.get_bucket_tagging(Bucket=b), lambda: s3.delete_bucket_cors(Bucket=b),
                 lambda: s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": []}),
                 lambda: s3.get_bucket_versioning(Bucket=b), lambda: s3.get_object_lock_configuration(Bucket=b),
                 lambda: s3.get_bucket_policy_status(Bucket=b), lambda: s3.get_bucket_acl(Bucket=b)):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == {"Code": "NoSuchBucket", "Message": "The specified bucket does not exist",
                              "BucketName": b}


def test_expected_bucket_owner(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=b, ExpectedBucketOwner="111122223333")
    assert error_code(exc) == "AccessDenied" and status(exc) == 403
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_notification_configuration(Bucket=b, ExpectedBucketOwner="111122223333")
    assert error_code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_encryption(Bucket=b, ExpectedBucketOwner="abc")
    assert error_code(exc) == "InvalidBucketOwnerAWSAccountID"


# ---- CORS configuration (preflights: test_cors.py) -----------------------------------------------
def test_cors_configuration(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=b)
    assert error(exc) == {"Code": "NoSuchCORSConfiguration", "Message": "The CORS configuration does not exist",
                          "BucketName": b}
    s3.delete_bucket_cors(Bucket=b)  # nothing to delete: still 204
    rules = [{"ID": "app", "AllowedOrigins": ["https://test.com", "http://test.com:80", ""],
              "AllowedMethods": ["GET", "PUT", "HEAD"], "MaxAgeSeconds": 3000,
              "AllowedHeaders": ["x-amz-*", "x-AMZ-server-SIDE-encryption"], "ExposeHeaders": ["ETag"]},
             {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=b)["CORSRules"] == rules
    s3.delete_bucket_cors(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=b)
    assert error_code(exc) == "NoSuchCORSConfiguration"


@pytest.mark.parametrize("rules, code, message", [
    ([], "MalformedXML", MALFORMED),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "MYMETHOD"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD"),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["get"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is get"),
    ([{"AllowedOrigins": ["*example*.com"], "AllowedMethods": ["GET"]}], "InvalidRequest",
     'AllowedOrigin "*example*.com" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-*-*"]}], "InvalidRequest",
     'AllowedHeader "x-*-*" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": ["*"]}], "InvalidRequest",
     "We currently do not support wildcard for ExposeHeader."),
    ([{"AllowedMethods": ["GET"]}], "MalformedXML", MALFORMED),
    ([{"AllowedOrigins": ["*"]}], "MalformedXML", MALFORMED),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101, "MalformedXML", MALFORMED),
])
def test_cors_validation(loose, make_bucket, rules, code, message):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": rules})
    assert error(exc)["Code"] == code and error(exc)["Message"] == message and status(exc) == 400


# ---- policy ------------------------------------------------------------------------------------------
def _policy(bucket: str, **stmt) -> str:
    base = {"Sid": "read", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [{**base, **stmt}]})


def test_policy_crud_and_status(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=b)
    assert error(exc) == {"Code": "NoSuchBucketPolicy", "Message": "The bucket policy does not exist", "BucketName": b}
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy_status(Bucket=b)
    assert error_code(exc) == "NoSuchBucketPolicy"
    text = _policy(b, Principal={"AWS": "*"})
    s3.put_bucket_policy(Bucket=b, Policy=text)
    assert s3.get_bucket_policy(Bucket=b)["Policy"] == text  # stored as sent
    assert s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"] == {"IsPublic": True}
    s3.put_bucket_policy(Bucket=b, Policy=_policy(b, Principal={"AWS": "arn:aws:iam::123456789012:root"}))
    assert s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"] == {"IsPublic": False}
    s3.put_bucket_policy(Bucket=b, Policy=_policy(b, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"] == {"IsPublic": False}
    s3.delete_bucket_policy(Bucket=b)
    s3.delete_bucket_policy(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=b)
    assert error_code(exc) == "NoSuchBucketPolicy"


@pytest.mark.parametrize("make_text, message", [
    (lambda b: "", "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: "invalid json", "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: " [1]", "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: "{not json", "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: "{}", "Missing required field Statement"),
    (lambda b: _policy(b, Resource="arn:aws:s3:::some-other-bucket/*"), "Policy has invalid resource"),
    (lambda b: _policy(b, Action="sqs:SendMessage"), "Policy has invalid action"),
    (lambda b: _policy(b, Effect="Maybe"), "Invalid effect: Maybe"),
])
def test_policy_validation(loose, make_bucket, make_text, message):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_policy(Bucket=b, Policy=make_text(b))
    assert error(exc)["Code"] == "MalformedPolicy" and error(exc)["Message"] == message and status(exc) == 400


def test_policy_missing_principal(s3, make_bucket):
    b = make_bucket()
    doc = json.loads(_policy(b))
    del doc["Statement"][0]["Principal"]
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=b, Policy=json.dumps(doc))
    assert error(exc)["Message"] == "Missing required field Principal"


# ---- lifecycle ------------------------------------------------------------------------------------------
def test_lifecycle_crud(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=b)
    assert error(exc) == {"Code": "NoSuchLifecycleConfiguration",
                          "Message": "The lifecycle configuration does not exist", "BucketName": b}
    s3.delete_bucket_lifecycle(Bucket=b)  # nothing to delete: still 204
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 7}},
        {"ID": "dated", "Status": "Disabled", "Filter": {},
         "Expiration": {"Date": datetime(2030, 1, 1, tzinfo=UTC)}},
        {"ID": "tagged", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "t", "Value": "1"}], "ObjectSizeGreaterThan": 10}},
         "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
         "NoncurrentVersionExpiration": {"NoncurrentDays": 3, "NewerNoncurrentVersions": 2}},
        {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
        {"ID": "markers", "Status": "Enabled", "Filter": {}, "Expiration": {"ExpiredObjectDeleteMarker": True}},
    ]
    out = s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    assert out["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=b)
    assert got["Rules"] == rules and got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    out = s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules[:1]},
                                                TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    assert out["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    got = s3.get_bucket_lifecycle_configuration(Bucket=b)
    assert got["Rules"] == rules[:1] and got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules},
                                              TransitionDefaultMinimumObjectSize="value")
    assert error(exc) == {"Code": "InvalidRequest", "Message": "Invalid TransitionDefaultMinimumObjectSize found: value"}
    s3.delete_bucket_lifecycle(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=b)
    assert error_code(exc) == "NoSuchLifecycleConfiguration"


def test_lifecycle_rule_without_id_gets_one(s3, make_bucket):
    b = make_bucket()
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
        {"Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}}]})
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
    assert rule["ID"] and rule["Filter"] == {"Prefix": "a/"}


def test_legacy_lifecycle(s3, make_bucket):
    """PutBucketLifecycle/GetBucketLifecycle share the URI of the current operations: a legacy
    document (top-level Prefix, single Transition) is accepted and read back in both forms."""
    b = make_bucket()
    s3.put_bucket_lifecycle(Bucket=b, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 3},
         "Transition": {"Days": 40, "StorageClass": "GLACIER"}}]})
    assert s3.get_bucket_lifecycle(Bucket=b)["Rules"] == [
        {"ID": "old", "Prefix": "logs/", "Status": "Enabled", "Expiration": {"Days": 3},
         "Transition": {"Days": 40, "StorageClass": "GLACIER"}}]
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
    assert rule["Prefix"] == "logs/" and rule["Transitions"] == [{"Days": 40, "StorageClass": "GLACIER"}]


_EXP = {"Expiration": {"Days": 7}}


@pytest.mark.parametrize("rules, expected", [
    ([], {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", **_EXP}], {"Code": "MalformedXML"}),  # neither Filter nor Prefix
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Prefix": "", **_EXP}], {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "enabled", "Filter": {}, **_EXP}], {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "", "And": {"Prefix": "a"}}, **_EXP}],
     {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "", "ObjectSizeGreaterThan": 5}, **_EXP}],
     {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}}],
     {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {}, **_EXP}],
     {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 40, "StorageClass": "NOPE"}]}],
     {"Code": "MalformedXML"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}}],
     {"Code": "InvalidRequest", "Message": "At least one action needs to be specified in a rule"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}],
     {"Code": "InvalidArgument", "Message": "'Days' for Expiration action must be a positive integer"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": datetime(2030, 1, 1, 2, 2, tzinfo=UTC)}}],
     {"Code": "InvalidArgument", "Message": "'Date' must be at midnight GMT", "ArgumentName": "Date"}),
    ([{"ID": "dup", "Status": "Enabled", "Filter": {}, **_EXP}, {"ID": "dup", "Status": "Enabled", "Filter": {}, **_EXP}],
     {"Code": "InvalidArgument", "Message": "Rule ID must be unique. Found same ID for more than one rule"}),
    ([{"ID": "x" * 256, "Status": "Enabled", "Filter": {}, **_EXP}],
     {"Code": "InvalidArgument", "Message": "ID length should not exceed allowed limit of 255"}),
    ([{"ID": "r", "Status": "Enabled", **_EXP,
       "Filter": {"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}}}],
     {"Code": "InvalidRequest", "Message": "Duplicate Tag Keys are not allowed."}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]}],
     {"Code": "InvalidArgument",
      "Message": "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'"}),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 0}}],
     {"Code": "InvalidArgument",
      "Message": "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"}),
])
def test_lifecycle_validation(loose, make_bucket, rules, expected):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    if expected["Code"] == "MalformedXML":
        expected = {**expected, "Message": MALFORMED}
    got = error(exc)
    assert {k: got.get(k) for k in expected} == expected and status(exc) == 400


# ---- versioning -----------------------------------------------------------------------------------------
def test_versioning_states(s3, loose, make_bucket):
    b = make_bucket()
    assert "Status" not in s3.get_bucket_versioning(Bucket=b)  # never versioned
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    got = s3.get_bucket_versioning(Bucket=b)
    assert got["Status"] == "Suspended" and "MFADelete" not in got
    for bad in ("enabled", "Disabled"):
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": bad})
        assert error(exc) == {"Code": "MalformedXML", "Message": MALFORMED}
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_versioning(Bucket=b, VersioningConfiguration={})
    assert error(exc) == {"Code": "IllegalVersioningConfigurationException",
                          "Message": "The Versioning element must be specified"}
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled", "MFADelete": "Disabled"})
    got = s3.get_bucket_versioning(Bucket=b)
    assert got["Status"] == "Enabled" and got["MFADelete"] == "Disabled"


def test_enabling_versioning_keeps_existing_objects_as_null_versions(s3, make_bucket):
    b = make_bucket()
    s3.put_object(Bucket=b, Key="before", Body=b"one")
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_object(Bucket=b, Key="before", VersionId="null")["Body"].read() == b"one"
    new = s3.put_object(Bucket=b, Key="before", Body=b"two")["VersionId"]
    assert new != "null"
    assert s3.get_object(Bucket=b, Key="before", VersionId="null")["Body"].read() == b"one"
    assert s3.get_object(Bucket=b, Key="before")["Body"].read() == b"two"


# ---- default encryption ------------------------------------------------------------------------------------
_DEFAULT_SSE = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}


def test_encryption(s3, make_bucket):
    b = make_bucket()
    assert s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"] == _DEFAULT_SSE
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"},
                      "BucketKeyEnabled": True}]}
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration=kms)
    assert s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"] == kms
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    assert s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"] == _DEFAULT_SSE
    s3.delete_bucket_encryption(Bucket=b)
    s3.delete_bucket_encryption(Bucket=b)
    assert s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"] == _DEFAULT_SSE


@pytest.mark.parametrize("rules, expected", [
    ([], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}},
      {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}], {"Code": "MalformedXML", "Message": MALFORMED}),
    ([{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}],
     {"Code": "InvalidArgument", "ArgumentName": "ApplyServerSideEncryptionByDefault",
      "Message": "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse"}),
])
def test_encryption_validation(s3, make_bucket, rules, expected):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": rules})
    assert error(exc) == expected


# ---- ownership controls, public access block ---------------------------------------------------------------
def test_ownership_controls(s3, make_bucket):
    b = make_bucket()
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    s3.delete_bucket_ownership_controls(Bucket=b)
    s3.delete_bucket_ownership_controls(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_ownership_controls(Bucket=b)
    assert error(exc) == {"Code": "OwnershipControlsNotFoundError",
                          "Message": "The bucket ownership controls were not found", "BucketName": b}
    assert status(exc) == 404
    for rules in ([], [{"ObjectOwnership": "RandomValue"}],
                  [{"ObjectOwnership": "ObjectWriter"}, {"ObjectOwnership": "BucketOwnerPreferred"}]):
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": rules})
        assert error(exc) == {"Code": "MalformedXML", "Message": MALFORMED}


def test_public_access_block(s3, make_bucket):
    b = make_bucket()
    everything = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                  "RestrictPublicBuckets": True}
    assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == everything
    s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    s3.delete_public_access_block(Bucket=b)
    s3.delete_public_access_block(Bucket=b)
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=b)
    assert error(exc) == {"Code": "NoSuchPublicAccessBlockConfiguration",
                          "Message": "The public access block configuration was not found", "BucketName": b}


# ---- ACL ------------------------------------------------------------------------------------------------------
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def test_acl_default_and_canned(s3, make_bucket):
    b = make_bucket()
    acl = s3.get_bucket_acl(Bucket=b)
    owner_id = acl["Owner"]["ID"]
    assert len(owner_id) == 64
    assert acl["Grants"] == [{"Grantee": {**acl["Owner"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]
    s3.put_bucket_acl(Bucket=b, ACL="private")  # an owner-only ACL is allowed with ACLs disabled
    # new buckets enforce bucket-owner ownership: ACLs are disabled
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, ACL="public-read")
    assert error(exc) == {"Code": "AccessControlListNotSupported", "Message": "The bucket does not allow ACLs"}
    s3.put_bucket_ownership_controls(Bucket=b, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    # ACLs enabled, but Block Public Access still refuses a public one
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, ACL="public-read")
    assert error_code(exc) == "AccessDenied" and status(exc) == 403
    s3.delete_public_access_block(Bucket=b)
    s3.put_bucket_acl(Bucket=b, ACL="public-read-write")
    grants = s3.get_bucket_acl(Bucket=b)["Grants"]
    assert [(g["Grantee"].get("URI", g["Grantee"].get("ID")), g["Permission"]) for g in grants] == [
        (owner_id, "FULL_CONTROL"), (ALL_USERS, "READ"), (ALL_USERS, "WRITE")]
    s3.put_bucket_acl(Bucket=b, GrantRead=f'uri="{LOG_DELIVERY}"', GrantFullControl=f'id="{owner_id}"')
    grants = s3.get_bucket_acl(Bucket=b)["Grants"]
    assert {(g["Grantee"].get("URI", g["Grantee"].get("ID")), g["Permission"]) for g in grants} == {
        (owner_id, "FULL_CONTROL"), (LOG_DELIVERY, "READ")}
    owner = s3.list_buckets()["Owner"]
    s3.put_bucket_acl(Bucket=b, AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"ID": owner["ID"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"URI": LOG_DELIVERY, "Type": "Group"}, "Permission": "WRITE"}]})
    grants = s3.get_bucket_acl(Bucket=b)["Grants"]
    assert [(g["Grantee"]["Type"], g["Permission"]) for g in grants] == [("CanonicalUser", "FULL_CONTROL"),
                                                                       ("Group", "WRITE")]


def test_acl_errors(s3, loose, make_bucket):
    b = make_bucket()
    owner = s3.list_buckets()["Owner"]
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, ACL="fake-acl")
    assert error(exc)["Code"] == "InvalidArgument" and error(exc)["ArgumentName"] == "x-amz-acl"
    assert error(exc)["ArgumentValue"] == "fake-acl"
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_acl(Bucket=b)
    assert error(exc) == {"Code": "MissingSecurityHeader", "Message": "Your request was missing a required header",
                          "MissingHeaderName": "x-amz-acl"}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, ACL="private", GrantRead=f'uri="{LOG_DELIVERY}"')
    assert error(exc) == {"Code": "InvalidRequest",
                          "Message": "Specifying both Canned ACLs and Header Grants is not allowed"}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, GrantWrite='uri="http://acs.amazonaws.com/groups/s3/FakeGroup"')
    assert error(exc) == {"Code": "InvalidArgument", "Message": "Invalid group uri", "ArgumentName": "uri",
                          "ArgumentValue": "http://acs.amazonaws.com/groups/s3/FakeGroup"}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, GrantWrite='fakekey="1234"')
    assert error(exc) == {"Code": "InvalidArgument", "Message": "Argument format not recognized",
                          "ArgumentName": "x-amz-grant-write", "ArgumentValue": 'fakekey="1234"'}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, GrantWrite='id="wrong-id"')
    assert error(exc) == {"Code": "InvalidArgument", "Message": "Invalid id", "ArgumentName": "id",
                          "ArgumentValue": "wrong-id"}
    with pytest.raises(ClientError) as exc:
        loose.put_bucket_acl(Bucket=b, AccessControlPolicy={"Grants": []})
    assert error(exc) == {"Code": "MalformedACLError", "Message": MALFORMED}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, AccessControlPolicy={"Owner": {"ID": "wrong-id"}, "Grants": []})
    assert error(exc) == {"Code": "InvalidArgument", "Message": "Invalid id", "ArgumentName": "CanonicalUser/ID",
                          "ArgumentValue": "wrong-id"}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"URI": LOG_DELIVERY, "Type": "Group"}, "Permission": "WRONG"}]})
    assert error(exc) == {"Code": "MalformedACLError", "Message": MALFORMED}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=b, ACL="private", AccessControlPolicy={"Owner": owner, "Grants": []})
    assert error(exc) == {"Code": "UnexpectedContent", "Message": "This request does not support content"}


# ---- logging, website, object lock, accelerate, request payment ---------------------------------------------------
def test_logging(s3, make_bucket, aws_client):
    b, target = make_bucket(), make_bucket()
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=b)
    s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target,
                                                                             "TargetPrefix": "log/"}})
    assert s3.get_bucket_logging(Bucket=b)["LoggingEnabled"] == {"TargetBucket": target, "TargetPrefix": "log/"}
    missing = unique("nolog")
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": missing,
                                                                                 "TargetPrefix": "log"}})
    assert error(exc) == {"Code": "InvalidTargetBucketForLogging",
                          "Message": "The target bucket for logging does not exist", "TargetBucket": missing}
    west = aws_client("s3", region="us-west-2")
    far = unique("west")
    west.create_bucket(Bucket=far, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    try:
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": far,
                                                                                     "TargetPrefix": "log"}})
        assert error(exc) == {"Code": "CrossLocationLoggingProhibitted",
                              "Message": "Cross S3 location logging not allowed. ", "TargetBucketLocation": "us-west-2"}
    finally:
        west.delete_bucket(Bucket=far)
    s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=b)


def test_website(s3, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_website(Bucket=b)
    assert error(exc) == {"Code": "NoSuchWebsiteConfiguration",
                          "Message": "The specified bucket does not have a website configuration", "BucketName": b}
    s3.delete_bucket_website(Bucket=b)
    config = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
              "RoutingRules": [{"Condition": {"KeyPrefixEquals": "docs/"},
                                "Redirect": {"ReplaceKeyPrefixWith": "documents/", "Protocol": "https"}}]}
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=b)
    assert {k: got[k] for k in config} == config
    s3.put_bucket_website(Bucket=b, WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "example.com"}})
    assert s3.get_bucket_website(Bucket=b)["RedirectAllRequestsTo"] == {"HostName": "example.com"}
    s3.delete_bucket_website(Bucket=b)
    with pytest.raises(ClientError):
        s3.get_bucket_website(Bucket=b)


@pytest.mark.parametrize("config, expected", [
    ({"IndexDocument": {"Suffix": "/index.html"}},
     {"Code": "InvalidArgument", "Message": "The IndexDocument Suffix is not well formed",
      "ArgumentName": "IndexDocument", "ArgumentValue": "/index.html"}),
    ({"RedirectAllRequestsTo": {"HostName": "test"}, "IndexDocument": {"Suffix": "index.html"}},
     {"Code": "InvalidArgument",
      "Message": "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
      "ArgumentName": "RedirectAllRequestsTo", "ArgumentValue": "not null"}),
    ({"ErrorDocument": {"Key": "e.html"}},
     {"Code": "InvalidArgument",
      "Message": "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
      "ArgumentName": "IndexDocument", "ArgumentValue": "null"}),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [{"Redirect": {"Protocol": "ftp"}}]},
     {"Code": "InvalidRequest", "Message": "Invalid protocol, protocol can be http or https. If not defined the "
                                           "protocol will be selected automatically."}),
    ({"IndexDocument": {"Suffix": "index.html"},
      "RoutingRules": [{"Redirect": {"ReplaceKeyPrefixWith": "a", "ReplaceKeyWith": "b"}}]},
     {"Code": "InvalidRequest", "Message": "You can only define ReplaceKeyPrefix or ReplaceKey but not both."}),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": []}, {"Code": "MalformedXML", "Message": MALFORMED}),
])
def test_website_validation(s3, make_bucket, config, expected):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_website(Bucket=b, WebsiteConfiguration=config)
    assert error(exc) == expected


def test_object_lock_configuration(s3, loose, make_bucket):
    b = make_bucket()
    with pytest.raises(ClientError) as exc:
        s3.get_object_lock_configuration(Bucket=b)
    assert error(exc) == {"Code": "ObjectLockConfigurationNotFoundError",
                          "Message": "Object Lock configuration does not exist for this bucket", "BucketName": b}
    with pytest.raises(ClientError) as exc:
        s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    assert error(exc) == {"Code": "InvalidBucketState",
                          "Message": "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"}
    assert status(exc) == 409
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    for bad in ({}, {"Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}},
                {"ObjectLockEnabled": "Enabled", "Rule": {}},
                {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE"}}},
                {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "BAD", "Days": 1}}},
                {"ObjectLockEnabled": "Enabled",
                 "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}}):
        with pytest.raises(ClientError) as exc:
            loose.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration=bad)
        assert error(exc) == {"Code": "MalformedXML", "Message": MALFORMED}, bad
    config = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 5}}}
    s3.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration=config)
    assert s3.get_object_lock_configuration(Bucket=b)["ObjectLockConfiguration"] == config
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
    assert error(exc) == {"Code": "InvalidBucketState", "Message": "An Object Lock configuration is present on this "
                                                                   "bucket, so the versioning state cannot be changed."}
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})


def test_accelerate_and_request_payment(s3, make_bucket):
    b = make_bucket()
    out = s3.get_bucket_accelerate_configuration(Bucket=b)
    assert "Status" not in out
    assert s3.get_bucket_request_payment(Bucket=b)["Payer"] == "BucketOwner"
