"""aws-chunked bodies: the three streaming modes, incremental feeding, errors."""

from __future__ import annotations

import hmac
import io
import zlib
from base64 import b64encode
from hashlib import sha256

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from squall.errors import ServiceError
from squall.gateway import auth, chunked
from squall.gateway.chunked import ChunkedDecoder, decode_chunked
from tests.gateway.signing import ENDPOINT, settings

EMPTY = sha256(b"").hexdigest()


def _key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), sha256).digest()
    return k


def signed_stream(chunks: list[bytes], mode=chunked.SIGNED_PAYLOAD, trailers: dict | None = None):
    """A botocore-signed seed request plus an aws-chunked body signed chunk by chunk."""
    total = sum(len(c) for c in chunks)
    headers = {
        "X-Amz-Content-SHA256": mode,
        "Content-Encoding": "aws-chunked",
        "X-Amz-Decoded-Content-Length": str(total),
    }
    if trailers:
        headers["X-Amz-Trailer"] = ",".join(trailers)
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    from tests.gateway.signing import KNOWN, to_request

    aws = AWSRequest(method="PUT", url=ENDPOINT + "/bucket/key", headers=headers)
    SigV4Auth(KNOWN, "s3", "us-east-1").add_auth(aws)  # header used literally as the payload hash
    req = to_request(aws)
    s = settings()
    res = auth.verify(req, s, auth.KeyStore(s))
    assert res.verified and res.content_sha256 == mode
    amz_date = req.headers["x-amz-date"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = _key("known-secret", amz_date[:8], "us-east-1", "s3")
    prev = req.headers["authorization"].rsplit("Signature=", 1)[1]
    body = b""
    for data in [*chunks, b""]:
        sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{prev}\n{EMPTY}\n{sha256(data).hexdigest()}"
        prev = hmac.new(key, sts.encode(), sha256).hexdigest()
        body += b"%x;chunk-signature=%s\r\n%s" % (len(data), prev.encode(), data)
        if data:
            body += b"\r\n"
    if trailers:
        lines = "".join(f"{k}:{v}\n" for k, v in trailers.items())
        sts = f"AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n{prev}\n{sha256(lines.encode()).hexdigest()}"
        tsig = hmac.new(key, sts.encode(), sha256).hexdigest()
        body += "".join(f"{k}:{v}\r\n" for k, v in trailers.items()).encode()
        body += f"x-amz-trailer-signature:{tsig}\r\n".encode()
    body += b"\r\n"
    req.body = body
    return req, res


def test_signed_payload():
    chunks = [b"a" * 65536, b"hello world", b"\r\n\r\n0;x"]
    req, res = signed_stream(chunks)
    payload, trailers = decode_chunked(req.body, res, request=req)
    assert payload == b"".join(chunks) and trailers == {}


def test_signed_payload_bad_chunk_signature():
    req, res = signed_stream([b"hello", b"world"])
    bad = req.body.replace(b"world", b"WORLD")
    with pytest.raises(ServiceError) as info:
        decode_chunked(bad, res, request=req)
    assert (info.value.code, info.value.status) == ("SignatureDoesNotMatch", 403)
    # swapping chunk order breaks the chain as well
    with pytest.raises(ServiceError):
        decode_chunked(req.body.replace(b"hello", b"world", 1), res, request=req)


def test_signed_payload_unverified_when_key_unknown():
    req, _ = signed_stream([b"hello"])
    bad = req.body.replace(b"hello", b"HELLO")
    unverified = auth.AuthResult("AKIDUNKNOWN", "000000000000", "us-east-1", "s3")
    assert decode_chunked(bad, unverified, request=req)[0] == b"HELLO"


def test_signed_payload_trailer():
    crc = b64encode(zlib.crc32(b"helloworld").to_bytes(4, "big")).decode()
    req, res = signed_stream(
        [b"hello", b"world"], mode=chunked.SIGNED_PAYLOAD_TRAILER, trailers={"x-amz-checksum-crc32": crc}
    )
    payload, trailers = decode_chunked(req.body, res, request=req)
    assert payload == b"helloworld" and trailers == {"x-amz-checksum-crc32": crc}
    with pytest.raises(ServiceError) as info:
        decode_chunked(req.body.replace(crc.encode(), b"AAAAAA=="), res, request=req)
    assert info.value.code == "SignatureDoesNotMatch"


def test_unsigned_payload_trailer_from_botocore_wrapper():
    data = b"x" * 5000 + "é✓".encode()
    wrapped = AwsChunkedWrapper(
        io.BytesIO(data), Crc32Checksum, "x-amz-checksum-crc32", chunk_size=1024
    ).read()
    payload, trailers = decode_chunked(
        wrapped, mode=chunked.UNSIGNED_PAYLOAD_TRAILER, decoded_length=len(data)
    )
    assert payload == data
    c = Crc32Checksum()
    c.update(data)
    assert trailers == {"x-amz-checksum-crc32": c.b64digest()}


def test_boto3_put_object_body():
    from botocore.config import Config

    from tests.gateway.capture import capture

    req = capture(
        "s3",
        "put_object",
        endpoint="https://localhost:4566",
        config=Config(request_checksum_calculation="when_supported"),
        Bucket="b",
        Key="k",
        Body=b"hello",
    )
    assert chunked.is_aws_chunked(req)
    s = settings(strict=True)
    res = auth.verify(req, s, auth.KeyStore(s))
    payload, trailers = decode_chunked(req.body, res, request=req)
    assert payload == b"hello" and set(trailers) == {"x-amz-checksum-crc32"}


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 100, 4096])
def test_incremental_feeding(piece):
    chunks = [b"abc" * 1000, b"def", b"g" * 10]
    req, res = signed_stream(chunks)
    dec = chunked.decoder_for(req, res)
    out = b""
    for i in range(0, len(req.body), piece):
        out += dec.feed(req.body[i : i + piece])
    assert dec.finish() == {} and out == b"".join(chunks) and dec.done


@pytest.mark.parametrize(
    "body,code",
    [
        (b"zz\r\nhello\r\n0\r\n\r\n", "InvalidRequest"),  # bad size
        (b"5\r\nhelloXX0\r\n\r\n", "InvalidRequest"),  # data not followed by CRLF
        (b"5\r\nhel", "IncompleteBody"),  # truncated
        (b"5\r\nhello\r\n", "IncompleteBody"),  # no final chunk
        (b"5\r\nhello\r\n0\r\nno-colon\r\n\r\n", "InvalidRequest"),  # bad trailer
        (b"5\r\nhello\r\n0\r\n\r\ntrailing garbage", "InvalidRequest"),
        (b"4\r\nhell\r\n0\r\n\r\n", "IncompleteBody"),  # decoded length mismatch
        (b"5" * 9000, "InvalidRequest"),  # header line too long
    ],
)
def test_malformed(body, code):
    with pytest.raises(ServiceError) as info:
        decode_chunked(body, mode=chunked.UNSIGNED_PAYLOAD_TRAILER, decoded_length=5)
    assert info.value.code == code


def test_missing_final_crlf_tolerated_without_trailers():
    assert decode_chunked(b"5\r\nhello\r\n0\r\n")[0] == b"hello"
    dec = ChunkedDecoder()
    assert dec.feed(b"5\r\nhello\r\n0\r\n\r\n") == b"hello"
    assert dec.finish() == {}


# ---------------------------------------------------------------- AWS documentation vectors
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
# …/sigv4-streaming-trailers.html ("Example: PUT Object"): 64 KiB + 1 KiB of "a", example keys.

DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_DATE = "20130524T000000Z"
DOC_SCOPE = "20130524/us-east-1/s3/aws4_request"


def _doc_body(sigs: list[str], trailer_sig: str | None = None) -> bytes:
    b = b"10000;chunk-signature=%s\r\n%s\r\n" % (sigs[0].encode(), b"a" * 65536)
    b += b"400;chunk-signature=%s\r\n%s\r\n" % (sigs[1].encode(), b"a" * 1024)
    b += b"0;chunk-signature=%s\r\n" % sigs[2].encode()
    if trailer_sig:
        b += b"x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:%s\r\n" % trailer_sig.encode()
    return b + b"\r\n"


def test_aws_documentation_example_signed_chunks():
    import calendar

    from squall.config import Settings
    from squall.gateway.http import Request

    s = Settings(known_keys={"AKIAIOSFODNN7EXAMPLE": (DOC_SECRET, "000000000000")})
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    headers = {
        "host": "s3.amazonaws.com",
        "x-amz-date": DOC_DATE,
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        f"x-amz-decoded-content-length;x-amz-storage-class,Signature={seed}",
        "x-amz-content-sha256": chunked.SIGNED_PAYLOAD,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "content-length": "66824",
    }
    body = _doc_body(
        [
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        ]
    )
    assert len(body) == 66824
    req = Request("PUT", "/examplebucket/chunkObject.txt", "", headers, body)
    res = auth.verify(req, s, auth.KeyStore(s), now=calendar.timegm((2013, 5, 24, 0, 5, 0)))
    assert res.verified and res.signature == seed
    payload, trailers = decode_chunked(req.body, res, request=req)
    assert payload == b"a" * 66560 and trailers == {}
    bad = body.replace(b"0055627c", b"0055627d")
    with pytest.raises(ServiceError):
        decode_chunked(bad, res, request=req)


def test_aws_documentation_example_signed_trailer():
    key = auth.signing_key(DOC_SECRET, "20130524", "us-east-1", "s3")
    dec = ChunkedDecoder(
        chunked.SIGNED_PAYLOAD_TRAILER,
        signing_key=key,
        seed_signature="106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        scope=DOC_SCOPE,
        amz_date=DOC_DATE,
        decoded_length=66560,
    )
    body = _doc_body(
        [
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
        ],
        "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435",
    )
    assert dec.feed(body) == b"a" * 66560
    assert dec.finish() == {"x-amz-checksum-crc32c": "sOO8/Q=="}
