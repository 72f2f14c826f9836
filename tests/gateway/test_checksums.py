"""squall.gateway.checksums against botocore's own checksum implementations and S3's error shapes."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from awscrt import checksums as crt
from botocore.httpchecksum import (
    Crc32Checksum,
    CrtCrc32cChecksum,
    CrtCrc64NvmeChecksum,
    Sha1Checksum,
    Sha256Checksum,
)

from squall.errors import ServiceError
from squall.gateway import checksums

BOTOCORE = {
    "CRC32": Crc32Checksum,
    "CRC32C": CrtCrc32cChecksum,
    "CRC64NVME": CrtCrc64NvmeChecksum,
    "SHA1": Sha1Checksum,
    "SHA256": Sha256Checksum,
}
CRCS = ("CRC32", "CRC32C", "CRC64NVME")
CRC_FUNCS = {"CRC32": zlib.crc32, "CRC32C": crt.crc32c, "CRC64NVME": crt.crc64nvme}


def botocore_b64(algorithm: str, data: bytes) -> str:
    c = BOTOCORE[algorithm]()
    c.update(data)
    return c.b64digest()


def one_shot(algorithm: str, data: bytes) -> str:
    h = checksums.new_hasher(algorithm)
    h.update(data)
    return h.b64()


def random_splits(rng: random.Random, data: bytes, pieces: int) -> list[bytes]:
    cuts = sorted(rng.randint(0, len(data)) for _ in range(pieces - 1))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


# ---- algorithms -------------------------------------------------------------------------------
def test_algorithm_tables_agree() -> None:
    assert checksums.ALGORITHMS == ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
    assert set(checksums.DIGEST_SIZES) == set(checksums.ALGORITHMS) == set(BOTOCORE)
    for alg in checksums.ALGORITHMS:
        types = checksums.SUPPORTED_TYPES[alg]
        assert (checksums.FULL_OBJECT in types) == (alg in checksums.FULL_OBJECT_ALGORITHMS)
        assert (checksums.COMPOSITE in types) == (alg in checksums.COMPOSITE_ALGORITHMS)
        assert checksums.default_checksum_type(alg) in types
    assert checksums.SUPPORTED_TYPES["CRC64NVME"] == {"FULL_OBJECT"}
    assert checksums.SUPPORTED_TYPES["SHA256"] == {"COMPOSITE"}
    assert checksums.default_checksum_type("CRC64NVME") == "FULL_OBJECT"
    assert checksums.default_checksum_type("CRC32") == "COMPOSITE"
    assert checksums.DEFAULT_ALGORITHM in checksums.ALGORITHMS


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
@pytest.mark.parametrize("size", [0, 1, 3, 4, 63, 64, 65, 1000, 65_537, 1 << 20])
def test_matches_botocore(algorithm: str, size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert one_shot(algorithm, data) == botocore_b64(algorithm, data)
    assert len(base64.b64decode(one_shot(algorithm, data))) == checksums.DIGEST_SIZES[algorithm]


@pytest.mark.parametrize(("algorithm", "check"), [
    # The catalogue "check" values: the CRC of b"123456789" (reveng.sourceforge.io/crc-catalogue).
    ("CRC32", 0xCBF43926),
    ("CRC32C", 0xE3069283),
    ("CRC64NVME", 0xAE8B14860A799888),
])
def test_crc_check_values(algorithm: str, check: int) -> None:
    h = checksums.new_hasher(algorithm)
    h.update(b"123456789")
    assert h.digest() == check.to_bytes(checksums.DIGEST_SIZES[algorithm], "big")


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_incremental_equals_one_shot(algorithm: str) -> None:
    rng = random.Random(algorithm)
    for _ in range(20):
        data = rng.randbytes(rng.randint(0, 200_000))
        h = checksums.new_hasher(algorithm)
        for i, piece in enumerate(random_splits(rng, data, rng.randint(1, 12))):
            # every buffer type a body can arrive as, including views into a bigger buffer
            h.update((bytes, bytearray, memoryview)[i % 3](piece))
        assert h.b64() == one_shot(algorithm, data) == botocore_b64(algorithm, data)


def test_digest_does_not_finalize() -> None:
    for alg in checksums.ALGORITHMS:
        h = checksums.new_hasher(alg)
        h.update(b"abc")
        first = h.digest()
        assert h.digest() == first
        h.update(b"def")
        assert h.b64() == one_shot(alg, b"abcdef")


def test_memoryview_slice_is_hashed_in_place() -> None:
    data = bytearray(random.Random(1).randbytes(10_000))
    view = memoryview(data)[123:9_000]
    for alg in checksums.ALGORITHMS:
        h = checksums.new_hasher(alg)
        h.update(view)
        assert h.b64() == one_shot(alg, bytes(data[123:9_000]))


@pytest.mark.parametrize("name", ["crc32", "MD5", "CRC64", "", "SHA512"])
def test_new_hasher_rejects_unknown(name: str) -> None:
    with pytest.raises(ValueError):
        checksums.new_hasher(name)


def test_header_names() -> None:
    assert checksums.header_for("CRC32") == "x-amz-checksum-crc32"
    assert checksums.header_for("CRC64NVME") == "x-amz-checksum-crc64nvme"
    for alg in checksums.ALGORITHMS:
        assert checksums.algorithm_for_header(checksums.header_for(alg)) == alg
        assert checksums.algorithm_for_header(checksums.header_for(alg).upper()) == alg
    assert checksums.algorithm_for_header("X-Amz-Checksum-Crc32c") == "CRC32C"
    # the x-amz-checksum-* headers that carry no value, and strangers
    for name in ["x-amz-checksum-type", "x-amz-checksum-mode", "x-amz-checksum-algorithm",
                 "x-amz-checksum-md5", "x-amz-checksum-", "x-amz-sdk-checksum-algorithm", "content-md5"]:
        assert checksums.algorithm_for_header(name) is None, name


# ---- BodyDigests ------------------------------------------------------------------------------
def test_body_digests() -> None:
    rng = random.Random(7)
    data = rng.randbytes(3_000_001)
    d = checksums.BodyDigests(["SHA256", "CRC32", "CRC32"])
    for piece in random_splits(rng, data, 30):
        d.update(memoryview(piece))
    assert d.size == len(data)
    assert d.md5_hex == hashlib.md5(data).hexdigest()
    assert d.md5_b64 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert d.algorithms == ("CRC32", "SHA256")
    assert d.checksums == {"CRC32": botocore_b64("CRC32", data), "SHA256": botocore_b64("SHA256", data)}


def test_body_digests_md5_only_and_empty() -> None:
    d = checksums.BodyDigests()
    assert d.size == 0
    assert d.md5_hex == "d41d8cd98f00b204e9800998ecf8427e"
    assert d.checksums == {}
    d.update(b"")
    assert d.size == 0


def test_body_digests_all_algorithms() -> None:
    data = random.Random(3).randbytes(100_000)
    d = checksums.BodyDigests(checksums.ALGORITHMS)
    d.update(data[:5])
    d.update(data[5:])
    assert d.checksums == {alg: botocore_b64(alg, data) for alg in checksums.ALGORITHMS}


def test_body_digests_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        checksums.BodyDigests(["CRC32", "XXHASH64"])


def test_body_digests_updates_from_worker_threads() -> None:
    # the way an upload uses it: each chunk hashed off the event loop, one at a time, in order
    rng = random.Random(11)
    data = rng.randbytes(4_000_000)
    d = checksums.BodyDigests(["CRC64NVME", "SHA1"])
    with ThreadPoolExecutor(2) as pool:
        for piece in random_splits(rng, data, 16):
            pool.submit(d.update, piece).result()
    assert d.size == len(data)
    assert d.md5_hex == hashlib.md5(data).hexdigest()
    assert d.checksums == {"CRC64NVME": botocore_b64("CRC64NVME", data), "SHA1": botocore_b64("SHA1", data)}


# ---- errors -----------------------------------------------------------------------------------
def assert_error(e: ServiceError, code: str, message: str, **extra: object) -> None:
    assert isinstance(e, ServiceError)
    assert (e.code, e.status, e.message) == (code, 400, message)
    assert {k: v for k, v in e.extra.items() if v is not None} == extra


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_validate_b64_accepts_and_returns_raw(algorithm: str) -> None:
    value = one_shot(algorithm, b"test data..")
    assert checksums.validate_b64(algorithm, value) == base64.b64decode(value)


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_validate_b64_rejects_malformed(algorithm: str) -> None:
    other = "SHA256" if algorithm != "SHA256" else "CRC32"
    right = one_shot(algorithm, b"x")
    for bad in ["", "!", "abcd1234",  # eight hex chars: base64 of 6 bytes, like LocalStack's short_uid()
                one_shot(other, b"x"),  # a digest of the wrong size
                right.rstrip("="), right + "=", " " + right, right + "AAAA", "é"]:
        if bad == right:
            continue
        with pytest.raises(ServiceError) as info:
            checksums.validate_b64(algorithm, bad)
        assert_error(info.value, "InvalidRequest", f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")


def test_mismatch_errors() -> None:
    assert_error(checksums.mismatch_error("CRC32"), "BadDigest",
                 "The CRC32 you specified did not match the calculated checksum.")
    assert_error(checksums.mismatch_error("CRC64NVME"), "BadDigest",
                 "The CRC64NVME you specified did not match the calculated checksum.")
    # CompleteMultipartUpload names it in lower case
    assert_error(checksums.complete_mismatch_error("CRC32C"), "BadDigest",
                 "The crc32c you specified did not match the calculated checksum.")


def test_md5_errors() -> None:
    assert_error(checksums.md5_mismatch_error(), "BadDigest",
                 "The Content-MD5 you specified did not match what we received.")
    assert_error(checksums.md5_mismatch_error("09891eb590524e35fc73372cddc5d596", "Q3uTDbhLgHnC3YBKcZNrXw=="),
                 "BadDigest", "The Content-MD5 you specified did not match what we received.",
                 ExpectedDigest="09891eb590524e35fc73372cddc5d596", CalculatedDigest="Q3uTDbhLgHnC3YBKcZNrXw==")
    assert_error(checksums.invalid_md5_error(), "InvalidDigest", "The Content-MD5 you specified was invalid.")
    assert_error(checksums.invalid_md5_error("MTIz"), "InvalidDigest", "The Content-MD5 you specified was invalid.",
                 **{"Content-MD5": "MTIz"})


# ---- multipart: COMPOSITE ---------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", checksums.COMPOSITE_ALGORITHMS)
def test_composite_checksum(algorithm: str) -> None:
    rng = random.Random(algorithm)
    parts = [rng.randbytes(rng.randint(0, 50_000)) for _ in range(7)]
    raw = [base64.b64decode(botocore_b64(algorithm, p)) for p in parts]
    value = checksums.composite_checksum(algorithm, raw)
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*-7", value)
    assert value == botocore_b64(algorithm, b"".join(raw)) + "-7"
    assert checksums.composite_checksum(algorithm, raw[:1]) == botocore_b64(algorithm, raw[0]) + "-1"


def test_composite_checksum_known_value() -> None:
    parts = [hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()]
    expected = base64.b64encode(hashlib.sha256(parts[0] + parts[1]).digest()).decode()
    assert checksums.composite_checksum("SHA256", parts) == expected + "-2"


def test_composite_checksum_rejects() -> None:
    with pytest.raises(ValueError):
        checksums.composite_checksum("CRC64NVME", [bytes(8)])
    with pytest.raises(ValueError):
        checksums.composite_checksum("CRC32", [bytes(4), bytes(8)])


# ---- multipart: FULL_OBJECT -------------------------------------------------------------------
def crc_int(algorithm: str, data: bytes) -> int:
    return CRC_FUNCS[algorithm](data, 0)


@pytest.mark.parametrize("algorithm", CRCS)
def test_combine_crc_equals_crc_of_concatenation(algorithm: str) -> None:
    rng = random.Random(algorithm)
    for _ in range(40):
        parts = [rng.randbytes(rng.choice([0, 0, 1, 2, rng.randint(0, 300), rng.randint(0, 70_000)]))
                 for _ in range(rng.randint(1, 9))]
        combined = checksums.combine_crc(algorithm, [(crc_int(algorithm, p), len(p)) for p in parts])
        whole = b"".join(parts)
        assert combined == crc_int(algorithm, whole).to_bytes(checksums.DIGEST_SIZES[algorithm], "big")
        assert base64.b64encode(combined).decode() == botocore_b64(algorithm, whole)


@pytest.mark.parametrize("algorithm", CRCS)
def test_combine_crc_edge_cases(algorithm: str) -> None:
    size = checksums.DIGEST_SIZES[algorithm]
    assert checksums.combine_crc(algorithm, []) == bytes(size)  # no bytes: CRC 0
    assert checksums.combine_crc(algorithm, [(0, 0), (0, 0)]) == bytes(size)
    c = crc_int(algorithm, b"hello")
    assert checksums.combine_crc(algorithm, [(c, 5)]) == c.to_bytes(size, "big")
    assert checksums.combine_crc(algorithm, iter([(0, 0), (c, 5), (0, 0)])) == c.to_bytes(size, "big")


@pytest.mark.skipif(not hasattr(crt, "combine_crc32c"), reason="awscrt without combine_* functions")
@pytest.mark.parametrize("algorithm", CRCS)
def test_combine_crc_large_lengths_match_awscrt(algorithm: str) -> None:
    # lengths far beyond what a test can allocate: 5 GiB parts and S3's 5 TiB object maximum
    combine = {"CRC32": crt.combine_crc32, "CRC32C": crt.combine_crc32c, "CRC64NVME": crt.combine_crc64nvme}[algorithm]
    rng = random.Random(algorithm)
    bits = checksums.DIGEST_SIZES[algorithm] * 8
    for length in [5 << 30, (5 << 40) - 1, 8 << 20, 123_456_789]:
        a, b = rng.getrandbits(bits), rng.getrandbits(bits)
        expected = combine(a, b, length).to_bytes(bits // 8, "big")
        assert checksums.combine_crc(algorithm, [(a, 1), (b, length)]) == expected


def test_combine_crc_rejects_non_crc() -> None:
    for alg in ("SHA1", "SHA256", "MD5"):
        with pytest.raises(ValueError):
            checksums.combine_crc(alg, [(0, 1)])
    with pytest.raises(ValueError):
        checksums.combine_crc("CRC32", [(0, -1)])
