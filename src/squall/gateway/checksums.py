"""Flexible checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and the MD5 behind S3's ETag.

Since botocore 1.36 clients send a checksum with every upload by default
(``x-amz-checksum-<alg>`` header, or an aws-chunked trailer); S3 verifies it,
stores it and returns it. Values on the wire are base64 of the big-endian digest.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html

Multipart uploads get either a COMPOSITE checksum (the checksum of the parts'
raw checksums, suffixed ``-N``) or a FULL_OBJECT one (the CRC of the whole
object, combined here from the parts' CRCs and lengths without re-reading any
bytes). CRC32C and CRC64NVME come from ``awscrt`` (the AWS SDKs' own C library).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Iterable

from awscrt import checksums as crt

from squall.errors import ServiceError

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
FULL_OBJECT_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME")
COMPOSITE_ALGORITHMS = ("CRC32", "CRC32C", "SHA1", "SHA256")
_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
# reflected polynomials and widths, for combining CRCs
_POLY = {"CRC32": (0xEDB88320, 32), "CRC32C": (0x82F63B78, 32), "CRC64NVME": (0x9A6C9329AC4BC9B5, 64)}


def header_for(algorithm: str) -> str:
    return "x-amz-checksum-" + algorithm.lower()


def algorithm_for_header(name: str) -> str | None:
    name = name.lower()
    if not name.startswith("x-amz-checksum-"):
        return None
    alg = name[len("x-amz-checksum-"):].upper()
    return alg if alg in ALGORITHMS else None


class Hasher:
    """One incremental checksum."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        self._crc = 0
        self._hash = hashlib.sha1() if algorithm == "SHA1" else hashlib.sha256() if algorithm == "SHA256" else None

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self._hash is not None:
            self._hash.update(data)
        elif self.algorithm == "CRC32":
            self._crc = zlib.crc32(data, self._crc)
        elif self.algorithm == "CRC32C":
            self._crc = crt.crc32c(bytes(data) if isinstance(data, memoryview) else data, self._crc)
        else:
            self._crc = crt.crc64nvme(bytes(data) if isinstance(data, memoryview) else data, self._crc)

    def digest(self) -> bytes:
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(_SIZES[self.algorithm], "big")

    def b64(self) -> str:
        return base64.b64encode(self.digest()).decode()


def new_hasher(algorithm: str) -> Hasher:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return Hasher(algorithm)


class BodyDigests:
    """Everything an upload needs computed over its bytes: MD5 (the ETag) and the requested
    checksums. ``update`` may run in a worker thread (one writer at a time); hashlib and
    zlib release the GIL on large buffers, so hashing overlaps with the event loop."""

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self._md5 = hashlib.md5()
        self._hashers = [new_hasher(a) for a in sorted(set(algorithms))]
        self.size = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self.size += len(data)
        self._md5.update(data)
        for h in self._hashers:
            h.update(data)

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    @property
    def checksums(self) -> dict[str, str]:
        return {h.algorithm: h.b64() for h in self._hashers}


# ---- errors ---------------------------------------------------------------------
def validate_b64(algorithm: str, value: str) -> None:
    """A checksum value must be base64 of a digest of the algorithm's size."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _SIZES[algorithm]:
        raise ServiceError(f"Value for {header_for(algorithm)} header is invalid.", code="InvalidRequest",
                           status=400)


def mismatch_error(algorithm: str) -> ServiceError:
    return ServiceError(f"The {algorithm} you specified did not match the calculated checksum.",
                        code="BadDigest", status=400)


def md5_mismatch_error() -> ServiceError:
    return ServiceError("The Content-MD5 you specified did not match what we received.", code="BadDigest",
                        status=400)


def invalid_md5_error() -> ServiceError:
    return ServiceError("The Content-MD5 you specified was invalid.", code="InvalidDigest", status=400)


# ---- multipart ----------------------------------------------------------------------
def composite_checksum(algorithm: str, part_digests: list[bytes]) -> str:
    """COMPOSITE: the checksum of the concatenated raw part checksums, then ``-N``."""
    h = new_hasher(algorithm)
    h.update(b"".join(part_digests))
    return f"{h.b64()}-{len(part_digests)}"


def _gf2_times(poly: int, width: int, a: int, b: int) -> int:
    """a·b mod P in the reflected bit order CRCs use (bit ``width-1`` is x^0)."""
    top = 1 << (width - 1)
    product = 0
    while a:
        if a & top:
            product ^= b
        a = (a << 1) & ((1 << width) - 1)
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return product


def _x_pow_8n(poly: int, width: int, n: int) -> int:
    """x^(8n) mod P, reflected, by square-and-multiply."""
    top = 1 << (width - 1)
    result = top  # x^0
    base = top >> 8  # x^8
    while n:
        if n & 1:
            result = _gf2_times(poly, width, result, base)
        base = _gf2_times(poly, width, base, base)
        n >>= 1
    return result


def combine_crc(algorithm: str, crcs: list[tuple[int, int]]) -> bytes:
    """FULL_OBJECT: the CRC of the concatenation of parts given ``(crc, length)`` per part.
    crc(A‖B) = crc(A)·x^(8|B|) ⊕ crc(B) for these (init ~0, final xor ~0) CRCs."""
    poly, width = _POLY[algorithm]
    total = 0
    for crc, length in crcs:
        total = _gf2_times(poly, width, total, _x_pow_8n(poly, width, length)) ^ crc
    return total.to_bytes(width // 8, "big")
