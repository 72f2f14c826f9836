"""SigV4 verification against requests signed by botocore (in process, no server)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from botocore.config import Config

from squall.errors import ServiceError
from squall.gateway import auth, canonical
from squall.gateway.http import Request
from tests.gateway.capture import capture
from tests.gateway.signing import ENDPOINT, UNKNOWN, settings, signed

JSON = {"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}


def check(req: Request, strict: bool = False, **kw) -> auth.AuthResult:
    s = settings(strict)
    return auth.verify(req, s, auth.KeyStore(s), **kw)


def fails(req: Request, code: str, strict: bool = False, **kw) -> ServiceError:
    """``code`` is the code a query-protocol client (or boto3 on SQS) sees, or the JSON one."""
    with pytest.raises(ServiceError) as info:
        check(req, strict, **kw)
    err = info.value
    assert code in (err.code, err.query_code), (err.code, err.query_code, err.message)
    return err


def tampered(req: Request, **changes) -> Request:
    return replace(req, **changes)


# ---------------------------------------------------------------- header-signed


def test_json_request_verifies_and_names_account_region_service():
    req = signed(data=b'{"QueueUrl":"x","MessageBody":"hi"}', headers=JSON, region="eu-west-1")
    res = check(req)
    assert (res.access_key, res.account_id, res.region, res.service) == (
        "AKIDKNOWN",
        "111122223333",
        "eu-west-1",
        "sqs",
    )
    assert res.verified and res.signing_key and res.scope == f"{res.amz_date[:8]}/eu-west-1/sqs/aws4_request"


def test_query_form_request_verifies():
    req = signed(
        data=b"Action=ListQueues&Version=2012-11-05",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert check(req).verified


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"QueueUrl":"x","MessageBody":"HI"}'},
        {"method": "PUT"},
        {"path": "/other"},
        {"query_string": "a=1"},
    ],
)
def test_tampered_request_is_rejected(change):
    req = signed(data=b'{"QueueUrl":"x","MessageBody":"hi"}', headers=JSON)
    err = fails(tampered(req, **change), "SignatureDoesNotMatch")
    assert err.status == 403
    assert err.message == (
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details."
    )


def test_tampered_signed_header_and_signature():
    req = signed(data=b"{}", headers=JSON)
    fails(
        tampered(req, headers={**req.headers, "x-amz-target": "AmazonSQS.DeleteQueue"}),
        "SignatureDoesNotMatch",
    )
    bad = req.headers["authorization"][:-4] + "0000"
    fails(tampered(req, headers={**req.headers, "authorization": bad}), "SignatureDoesNotMatch")


def test_unsigned_header_may_change_and_whitespace_is_trimmed():
    req = signed(data=b"{}", headers={**JSON, "X-Custom": "a   b "})
    check(tampered(req, headers={**req.headers, "user-agent": "other"}))
    # the header was signed as "a b"; the same value with other spacing verifies
    check(tampered(req, headers={**req.headers, "x-custom": " a b"}))


def test_wrong_secret_for_known_key():
    from botocore.credentials import Credentials

    req = signed(data=b"{}", headers=JSON, creds=Credentials("AKIDKNOWN", "not-the-secret"))
    fails(req, "SignatureDoesNotMatch")


def test_unknown_key_default_vs_strict():
    req = signed(data=b"{}", headers=JSON, creds=UNKNOWN, region="ap-south-1")
    res = check(req)
    assert (res.access_key, res.account_id, res.region, res.verified) == (
        "AKIDUNKNOWN",
        "000000000000",
        "ap-south-1",
        False,
    )
    err = fails(req, "InvalidClientTokenId", strict=True)
    assert (err.status, err.message) == (403, "The security token included in the request is invalid.")
    s3 = signed("GET", ENDPOINT + "/bucket", service="s3", creds=UNKNOWN)
    err = fails(s3, "InvalidAccessKeyId", strict=True)
    assert err.message == "The AWS Access Key Id you provided does not exist in our records."


def test_key_added_at_runtime():
    from botocore.credentials import Credentials

    s = settings(strict=True)
    keys = auth.KeyStore(s)
    req = signed(data=b"{}", headers=JSON, creds=Credentials("AKIDNEW", "s3cr3t"))
    with pytest.raises(ServiceError):
        auth.verify(req, s, keys)
    keys.add("AKIDNEW", "s3cr3t", "999999999999")
    assert keys.lookup("AKIDNEW") == ("s3cr3t", "999999999999")
    assert auth.verify(req, s, keys).account_id == "999999999999"


def test_unsigned_default_vs_strict():
    req = Request("POST", "/", "", {"host": "localhost:4566", "x-amz-target": "AmazonSQS.ListQueues"}, b"{}")
    res = check(req)
    assert (res.access_key, res.account_id, res.region) == (None, "000000000000", "us-east-1")
    err = fails(req, "MissingAuthenticationTokenException", strict=True)
    assert (err.status, err.message) == (403, "Missing Authentication Token")
    fails(req, "AccessDenied", strict=True, service="s3")


@pytest.mark.parametrize(
    "header",
    [
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc",
        "AWS4-HMAC-SHA256 Credential=AKIDKNOWN/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=AKIDKNOWN/us-east-1, SignedHeaders=host, Signature=abc",
    ],
)
def test_malformed_authorization(header):
    req = Request(
        "POST", "/", "", {"host": "localhost", "authorization": header, "x-amz-date": "20240101T000000Z"}
    )
    err = fails(req, "IncompleteSignature")
    assert err.status == 400


def test_skew():
    req = signed(data=b"{}", headers=JSON)
    err = fails(req, "InvalidSignatureException", now=time.time() + 3600)
    assert err.status == 403
    assert err.message.startswith(f"Signature expired: {req.headers['x-amz-date']} is now earlier than ")
    assert err.message.endswith(" - 15 min.)")
    fails(req, "InvalidSignatureException", now=time.time() - 3600)
    check(req, now=time.time() + 600)  # within 15 minutes
    s3 = signed("GET", ENDPOINT + "/bucket", service="s3")
    assert fails(s3, "RequestTimeTooSkewed", now=time.time() + 3600).status == 403


def test_scope_date_must_match_amz_date():
    req = signed(data=b"{}", headers=JSON)
    h = dict(req.headers)
    h["authorization"] = h["authorization"].replace(f"/{h['x-amz-date'][:8]}/", "/20000101/")
    fails(tampered(req, headers=h), "SignatureDoesNotMatch")


# ---------------------------------------------------------------- paths and queries


@pytest.mark.parametrize(
    "path",
    [
        "/a%20b/c",
        "/caf%C3%A9/%E2%9C%93",
        "/a+b",
        "/a%2Fb/c",
        "/with%25percent",
        "/a//b/./c",
        "/x/~y_z-.",
        "/",
    ],
)
@pytest.mark.parametrize("service", ["lambda", "s3"])
def test_paths(path, service):
    req = signed("GET", ENDPOINT + path, service=service)
    assert req.path == path
    assert check(req).verified
    fails(tampered(req, path=path + "x"), "SignatureDoesNotMatch")


@pytest.mark.parametrize(
    "query",
    [
        "a=1&a=0&b=",
        "b&a=",
        "k=v%20w&k=v%2Bw&%C3%A9=%E2%9C%93",
        "x=a+b",
        "prefix=a%2Fb&delimiter=%2F",
        "list-type=2&max-keys=5",
    ],
)
@pytest.mark.parametrize("service", ["apigateway", "s3"])
def test_queries(query, service):
    req = signed("GET", f"{ENDPOINT}/p?{query}", service=service)
    assert check(req).verified
    fails(tampered(req, query_string=query + "&z=1"), "SignatureDoesNotMatch")


def test_canonical_query_normalizes_encoding():
    assert auth.canonical_query("b=2&a=%7e&a=1&c=x y&d") == "a=1&a=~&b=2&c=x%20y&d="


# ---------------------------------------------------------------- real boto3 requests


@pytest.mark.parametrize(
    "service,operation,params",
    [
        ("sqs", "list_queues", {}),
        (
            "sqs",
            "send_message",
            {"QueueUrl": "http://localhost:4566/000000000000/q", "MessageBody": "é ✓ +/"},
        ),
        ("s3", "put_object", {"Bucket": "b", "Key": "dir/a b+c%é?.txt", "Body": b"hello"}),
        ("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a/b c", "Delimiter": "/"}),
        ("lambda", "get_function", {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f"}),
        (
            "s3",
            "upload_part",
            {"Bucket": "b", "Key": "a b/é", "UploadId": "u+p/l=", "PartNumber": 2, "Body": b"x" * 100},
        ),
        ("s3", "copy_object", {"Bucket": "b", "Key": "k", "CopySource": {"Bucket": "src", "Key": "x y/é+1"}}),
        ("s3", "delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b c"}]}}),
        ("s3", "head_object", {"Bucket": "b", "Key": "~tilde*star'quote(paren)!"}),
        ("apigateway", "get_resource", {"restApiId": "a b", "resourceId": "é/+%"}),
        ("lambda", "invoke", {"FunctionName": "f", "Qualifier": "$LATEST", "Payload": b'{"a": 1}'}),
        ("dynamodb", "list_tables", {}),
        ("sns", "list_topics", {}),
        ("sts", "get_caller_identity", {}),
    ],
)
def test_boto3_requests_verify(service, operation, params):
    req = capture(service, operation, **params)
    res = check(req, strict=True)
    assert res.verified and res.account_id == "111122223333"


def test_boto3_s3_trailer_checksum_request_verifies():
    req = capture(
        "s3",
        "put_object",
        endpoint="https://localhost:4566",
        config=Config(request_checksum_calculation="when_supported"),
        Bucket="b",
        Key="k",
        Body=b"hello",
    )
    assert req.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    res = check(req, strict=True)
    assert res.content_sha256 == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def test_s3_body_hash_mismatch():
    req = capture("s3", "put_object", Bucket="b", Key="k", Body=b"hello")
    err = fails(tampered(req, body=b"HELLO"), "XAmzContentSHA256Mismatch")
    assert err.status == 400


# ---------------------------------------------------------------- presigned


def test_presigned_s3_get():
    req = signed("GET", ENDPOINT + "/bucket/a%20b.txt", service="s3", presign=True)
    res = check(req, strict=True)
    assert res.presigned and res.verified and res.account_id == "111122223333"
    fails(tampered(req, path="/bucket/other"), "SignatureDoesNotMatch")
    qs = req.query_string.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")
    fails(tampered(req, query_string=qs), "SignatureDoesNotMatch")


@pytest.mark.parametrize("version", ["s3v4", None])  # None: boto3's default for S3 presigning (SigV2 query)
@pytest.mark.parametrize("addressing", ["path", "virtual"])
def test_presigned_with_boto3_generate_presigned_url(version, addressing):
    from urllib.parse import urlsplit

    import boto3

    client = boto3.client(
        "s3",
        endpoint_url="http://s3.localhost.localstack.cloud:4566",
        region_name="us-east-1",
        aws_access_key_id="AKIDKNOWN",
        aws_secret_access_key="known-secret",
        config=Config(signature_version=version, s3={"addressing_style": addressing}),
    )
    url = client.generate_presigned_url(
        "get_object",
        Params={"Bucket": "b", "Key": "x y/é+z", "ResponseContentType": "text/plain"},
        ExpiresIn=60,
    )
    parts = urlsplit(url)
    req = Request("GET", parts.path, parts.query, {"host": parts.netloc})
    res = check(req, strict=True)
    assert res.presigned and res.verified and res.account_id == "111122223333"
    fails(tampered(req, path=parts.path + "x"), "SignatureDoesNotMatch")
    err = fails(req, "AccessDenied", now=time.time() + 61)
    assert (err.status, err.message) == (403, "Request has expired")


def test_presigned_non_s3():
    req = signed("GET", ENDPOINT + "/", service="sqs", presign=True, params={"Action": "ListQueues"})
    assert check(req).presigned


def test_presigned_unknown_key():
    req = signed("GET", ENDPOINT + "/b/k", service="s3", presign=True, creds=UNKNOWN)
    assert check(req).account_id == "000000000000"
    fails(req, "InvalidAccessKeyId", strict=True)


def test_presigned_expired():
    req = signed("GET", ENDPOINT + "/b/k", service="s3", presign=True, expires=10)
    err = fails(req, "AccessDenied", now=time.time() + 11)
    assert err.message == "Request has expired"


# ---------------------------------------------------------------- perf


def test_verify_is_fast():
    req = signed(
        data=b'{"QueueUrl":"http://localhost:4566/000000000000/q","MessageBody":"hello"}', headers=JSON
    )
    s = settings()
    keys = auth.KeyStore(s)
    auth.verify(req, s, keys)
    n = 2000
    t = time.perf_counter()
    for _ in range(n):
        auth.verify(req, s, keys)
    per = (time.perf_counter() - t) / n * 1e6
    print(f"verify: {per:.1f} µs")
    assert per < 200  # generous for slow CI; ~10 µs on a dev machine


# ---------------------------------------------------------------- error codes as clients see them


def _client_code(err: ServiceError, model: str, protocol: str) -> str:
    """The error code boto3 shows after our serializer writes ``err`` and botocore parses it."""
    from botocore.parsers import create_parser

    from squall.protocol import get_handler

    resp = get_handler(model, protocol).serialize_error(err, None, "req-1")
    # botocore's JSON parser maps x-amzn-query-error (sent for awsQueryCompatible SQS)
    parsed = create_parser(protocol).parse(
        {"status_code": resp.status, "headers": resp.headers, "body": resp.body}, None
    )
    return parsed["Error"]["Code"]


@pytest.mark.parametrize(
    ("model", "protocol", "mismatch", "unknown", "missing"),
    [
        ("sqs", "json", "SignatureDoesNotMatch", "InvalidClientTokenId", "MissingAuthenticationToken"),
        ("sqs", "query", "SignatureDoesNotMatch", "InvalidClientTokenId", "MissingAuthenticationToken"),
        ("sts", "query", "SignatureDoesNotMatch", "InvalidClientTokenId", "MissingAuthenticationToken"),
        (
            "dynamodb",
            "json",
            "InvalidSignatureException",
            "UnrecognizedClientException",
            "MissingAuthenticationTokenException",
        ),
        (
            "lambda",
            "rest-json",
            "InvalidSignatureException",
            "UnrecognizedClientException",
            "MissingAuthenticationTokenException",
        ),
    ],
)
def test_auth_error_codes_per_protocol(model, protocol, mismatch, unknown, missing):
    """JSON services say InvalidSignatureException/UnrecognizedClientException, query ones (and
    SQS, which is query-compatible) SignatureDoesNotMatch/InvalidClientTokenId — as AWS does."""
    req = signed(data=b"{}", headers=JSON)
    bad = tampered(req, body=b"{ }")
    assert _client_code(fails(bad, "SignatureDoesNotMatch"), model, protocol) == mismatch
    skewed = fails(req, "InvalidSignatureException", now=time.time() + 3600)
    assert _client_code(skewed, model, protocol) == mismatch
    unk = signed(data=b"{}", headers=JSON, creds=UNKNOWN)
    assert _client_code(fails(unk, "InvalidClientTokenId", strict=True), model, protocol) == unknown
    unsigned = Request("POST", "/", "", {"host": "localhost"}, b"{}")
    err = fails(unsigned, "MissingAuthenticationToken", strict=True)
    assert _client_code(err, model, protocol) == missing


def test_canonical_encoding_fast_path_agrees_with_reencoding():
    """``_enc`` skips re-encoding strings that are already canonical; check that shortcut
    against the slow path on every single-byte escape and a few random mixes."""
    import random
    from urllib.parse import quote, unquote_to_bytes

    def slow(s: str) -> str:
        return quote(unquote_to_bytes(s), safe="-_.~")

    samples = [f"a%{i:02X}b" for i in range(256)] + [f"%{i:02x}" for i in range(256)]
    alphabet = [
        "a",
        "Z",
        "9",
        "-",
        "_",
        ".",
        "~",
        "%2F",
        "%41",
        "%7e",
        "%7E",
        "%20",
        " ",
        "+",
        "é",
        "%",
        "%G1",
    ]
    rng = random.Random(7)
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(2000)]
    for s in samples:
        assert canonical._enc(s) == slow(s), s
