"""CORS through the wire: browser preflights (unsigned OPTIONS, answered from the bucket's
rules) and the CORS headers added to actual responses, as S3 answers them
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.s3.conftest import unique

VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
               "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
               "whitelisted by the resource's CORS spec.")
ORIGIN = "https://localhost:4200"


def preflight(url: str, origin: str | None = ORIGIN, method: str | None = "GET", headers: str | None = None,
              **extra: str) -> httpx.Response:
    h = dict(extra)
    if origin is not None:
        h["Origin"] = origin
    if method is not None:
        h["Access-Control-Request-Method"] = method
    if headers is not None:
        h["Access-Control-Request-Headers"] = headers
    return httpx.options(url, headers=h)


def signed_options(url: str, headers: dict[str, str]) -> httpx.Response:
    """An OPTIONS request signed with SigV4 (the gateway routes an unsigned one to S3 only
    when it is a full preflight: Origin and Access-Control-Request-Method)."""
    req = AWSRequest(method="OPTIONS", url=url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD", **headers})
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(req)
    return httpx.options(url, headers=dict(req.headers.items()))


def error_of(resp: httpx.Response) -> dict[str, str]:
    root = ET.fromstring(resp.content)
    return {child.tag: child.text or "" for child in root}


def cors_headers(resp: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.startswith("access-control-") or k == "vary"}


@pytest.fixture
def cors_bucket(s3, make_bucket):
    def make(*rules: dict) -> str:
        b = make_bucket()
        s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": list(rules)})
        return b

    return make


def test_preflight_without_configuration(server, make_bucket):
    b = make_bucket()
    r = preflight(f"{server.endpoint}/{b}/some/key", method="PUT")
    assert r.status_code == 403
    err = error_of(r)
    assert err["Code"] == "AccessForbidden" and err["Message"] == "CORSResponse: CORS is not enabled for this bucket."
    assert err["Method"] == "PUT" and err["ResourceType"] == "BUCKET" and err["RequestId"] and err["HostId"]
    assert list(err) == ["Code", "Message", "Method", "ResourceType", "RequestId", "HostId"]
    assert not cors_headers(r)
    r = signed_options(f"{server.endpoint}/{b}/some/key", {"Origin": ORIGIN})  # no method asked for
    assert r.status_code == 403 and error_of(r)["Method"] == "OPTIONS"


def test_preflight_bucket_not_found(server):
    r = preflight(f"{server.endpoint}/{unique('nocors')}/key")
    assert r.status_code == 403
    err = error_of(r)
    assert err["Message"] == "CORSResponse: Bucket not found" and err["ResourceType"] == "BUCKET"
    assert err["Method"] == "GET"


def test_preflight_matching_rule(server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "PUT"], "MaxAgeSeconds": 3000,
                     "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag", "x-amz-request-id"]})
    r = preflight(f"{server.endpoint}/{b}/file.txt", method="PUT")
    assert r.status_code == 200 and r.content == b""
    assert cors_headers(r) == {
        "access-control-allow-origin": ORIGIN, "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT", "access-control-expose-headers": "ETag, x-amz-request-id",
        "access-control-max-age": "3000", "vary": VARY}
    assert r.headers["x-amz-request-id"]
    # requested headers come back lowercase, in the order asked, with or without spaces
    r = preflight(f"{server.endpoint}/{b}/file.txt", headers="X-Amz-Date,Content-Type, x-amz-meta-a")
    assert r.status_code == 200
    assert r.headers["access-control-allow-headers"] == "x-amz-date, content-type, x-amz-meta-a"


def test_preflight_refusals(server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET"],
                     "AllowedHeaders": ["x-amz-expected-bucket-owner", "x-AMZ-server-SIDE-encryption"]})
    key_url, bucket_url = f"{server.endpoint}/{b}/k", f"{server.endpoint}/{b}"
    for resp, method, resource in (
        (preflight(key_url, origin="http://localhost:4200"), "GET", "OBJECT"),  # other scheme
        (preflight(key_url, origin=ORIGIN + "/"), "GET", "OBJECT"),  # not the same string
        (preflight(key_url, method="PUT"), "PUT", "OBJECT"),  # method not allowed
        (preflight(key_url, headers="x-amz-request-payer"), "GET", "OBJECT"),  # header not allowed
        (preflight(bucket_url, method="DELETE"), "DELETE", "BUCKET"),
        (signed_options(key_url, {"Origin": ORIGIN}), "OPTIONS", "OBJECT"),  # no method asked for
    ):
        assert resp.status_code == 403, (method, resource)
        err = error_of(resp)
        assert err["Code"] == "AccessForbidden" and err["Message"] == NOT_ALLOWED
        assert err["Method"] == method and err["ResourceType"] == resource
        assert not cors_headers(resp)
    # header names match without regard to case
    ok = preflight(key_url, headers="X-Amz-Expected-Bucket-Owner, x-amz-server-side-encryption")
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-headers"] == "x-amz-expected-bucket-owner, x-amz-server-side-encryption"


def test_rule_without_allowed_headers_allows_none(server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]})
    r = preflight(f"{server.endpoint}/{b}/k", origin="localhost:4566")
    assert r.status_code == 200
    assert cors_headers(r) == {"access-control-allow-origin": "*", "access-control-allow-methods": "GET",
                               "vary": VARY}  # "*" origin: no credentials
    assert preflight(f"{server.endpoint}/{b}/k", headers="x-amz-request-payer").status_code == 403


def test_origin_wildcards_and_first_matching_rule(server, cors_bucket):
    b = cors_bucket(
        {"AllowedOrigins": ["http://*.origin.com"], "AllowedMethods": ["GET"], "MaxAgeSeconds": 10},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"], "MaxAgeSeconds": 20},
        {"AllowedOrigins": ["https://never.example"], "AllowedMethods": ["DELETE"]},
    )
    url = f"{server.endpoint}/{b}"
    r = preflight(url, origin="http://test.origin.com")
    assert r.headers["access-control-allow-origin"] == "http://test.origin.com"
    assert r.headers["access-control-max-age"] == "10"
    r = preflight(url, origin="http://test.origin.org")  # falls to the second rule
    assert r.headers["access-control-allow-origin"] == "*" and r.headers["access-control-max-age"] == "20"
    assert preflight(url, origin="https://never.example", method="DELETE").status_code == 200
    assert preflight(url, origin="https://other.example", method="DELETE").status_code == 403


def test_actual_requests_get_cors_headers(s3, server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "HEAD"], "MaxAgeSeconds": 3000,
                     "ExposeHeaders": ["ETag"]})
    s3.put_object(Bucket=b, Key="file.txt", Body=b"cors")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "file.txt"})
    got = httpx.get(url, headers={"Origin": ORIGIN})
    assert got.status_code == 200 and got.content == b"cors"
    assert cors_headers(got) == {
        "access-control-allow-origin": ORIGIN, "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, HEAD", "access-control-expose-headers": "ETag",
        "access-control-max-age": "3000", "vary": VARY}
    assert not cors_headers(httpx.get(url))  # no Origin: not a CORS request
    assert not cors_headers(httpx.get(url, headers={"Origin": "https://evil.example"}))
    # S3 matches an actual request carrying preflight headers by them
    assert not cors_headers(httpx.get(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}))
    assert not cors_headers(httpx.get(url, headers={"Origin": ORIGIN,
                                                    "Access-Control-Request-Headers": "x-amz-request-payer"}))
    # errors carry them too
    missing = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "missing"})
    err = httpx.get(missing, headers={"Origin": ORIGIN})
    assert err.status_code == 404 and err.headers["access-control-allow-origin"] == ORIGIN
    # a method the rule does not allow gets the answer without CORS headers
    put = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "new.txt"})
    r = httpx.put(put, content=b"x", headers={"Origin": ORIGIN})
    assert r.status_code == 200 and not cors_headers(r)


def test_signed_requests_get_cors_headers(aws_client, cors_bucket):
    """SDK calls from a browser (signed, with Origin) are answered with the rule's headers."""
    s3 = aws_client("s3")
    b = cors_bucket({"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]})
    s3.meta.events.register("before-sign.s3.ListObjectsV2",
                            lambda request, **kw: request.headers.__setitem__("Origin", "https://app.example"))
    resp = s3.list_objects_v2(Bucket=b)
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    assert headers["access-control-allow-origin"] == "*" and headers["vary"] == VARY


def test_virtual_host_preflight(server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": [ORIGIN], "AllowedMethods": ["PUT"]})
    port = server.endpoint.rsplit(":", 1)[1]
    r = preflight(f"{server.endpoint}/photo.jpg", method="PUT", Host=f"{b}.localhost:{port}")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN


def test_options_without_origin_is_a_bad_request(server, make_bucket):
    """A signed OPTIONS without Origin (an unsigned one is not routed to S3 at all)."""
    b = make_bucket()
    r = signed_options(f"{server.endpoint}/{b}/k", {})
    assert r.status_code == 400
    err = error_of(r)
    assert err["Code"] == "BadRequest" and err["Message"] == "Insufficient information. Origin request header needed."


def test_deleting_the_configuration_ends_cors(s3, server, cors_bucket):
    b = cors_bucket({"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]})
    url = f"{server.endpoint}/{b}/k"
    assert preflight(url).status_code == 200
    s3.delete_bucket_cors(Bucket=b)
    r = preflight(url)
    assert r.status_code == 403 and error_of(r)["Message"] == "CORSResponse: CORS is not enabled for this bucket."
