"""Flexible checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and the MD5 behind S3's ETag.

Since botocore 1.36 clients send a checksum with every upload by default (an
``x-amz-checksum-<alg>`` header, or an aws-chunked trailer; the algorithm is named by
``x-amz-sdk-checksum-algorithm``). S3 verifies it against the bytes it received, stores it
and returns it. Values on the wire are base64 of the big-endian raw digest: 4 bytes for
CRC32/CRC32C, 8 for CRC64NVME, 20 for SHA1, 32 for SHA256.

Multipart uploads get one of two checksum *types*
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity-upload.html,
"Using supported checksum algorithms" and the multipart sections):

* COMPOSITE -- the checksum of the concatenated *raw* part checksums, suffixed ``-N`` with
  the part count. It depends on the part size and is not a checksum of the object's bytes;
  the suffix is what says so. CRC32, CRC32C, SHA1, SHA256.
* FULL_OBJECT -- the CRC of the whole object, no suffix. Only the CRCs can do this without
  re-reading the object: CRC(A||B) follows from CRC(A), CRC(B) and len(B) (see
  :func:`combine_crc`). CRC32, CRC32C, CRC64NVME; it is CRC64NVME's only (and default) type.

Error wording (codes, statuses, messages, extra elements) follows the responses AWS itself
returned in LocalStack's AWS-validated snapshot tests
(github.com/localstack/localstack, tests/aws/services/s3/test_s3.snapshot.json):
"put-wrong-checksum-no-b64" / "put-wrong-checksum-value" for PutObject and UploadPart, the
"complete-part-*" cases for CompleteMultipartUpload (which names the algorithm in lower case),
and the Content-MD5 cases.

CRC32C and CRC64NVME come from ``awscrt`` (the AWS SDKs' own C library); CRC32 from
``zlib``, which measured faster here than awscrt's CRC32; the hashes from ``hashlib``.
All of them accept any contiguous buffer (bytes, bytearray, memoryview) without copying,
and all release the GIL on large buffers, so hashing can run in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from squall.errors import ServiceError

Buffer = bytes | bytearray | memoryview

ALGORITHMS: Final = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
DIGEST_SIZES: Final = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
# S3 adds this checksum to uploads that arrive without one (and reports it on HeadObject etc.).
DEFAULT_ALGORITHM: Final = "CRC64NVME"

# ---- checksum types for multipart uploads (the table in checking-object-integrity-upload) ----
COMPOSITE: Final = "COMPOSITE"
FULL_OBJECT: Final = "FULL_OBJECT"
CHECKSUM_TYPES: Final = (COMPOSITE, FULL_OBJECT)
FULL_OBJECT_ALGORITHMS: Final = ("CRC32", "CRC32C", "CRC64NVME")
COMPOSITE_ALGORITHMS: Final = ("CRC32", "CRC32C", "SHA1", "SHA256")
SUPPORTED_TYPES: Final = {
    "CRC32": frozenset({COMPOSITE, FULL_OBJECT}),
    "CRC32C": frozenset({COMPOSITE, FULL_OBJECT}),
    "CRC64NVME": frozenset({FULL_OBJECT}),
    "SHA1": frozenset({COMPOSITE}),
    "SHA256": frozenset({COMPOSITE}),
}
# CreateMultipartUpload with ChecksumAlgorithm but no ChecksumType: CRC64NVME can only be
# FULL_OBJECT; every other algorithm keeps the pre-2025 behaviour, COMPOSITE.
DEFAULT_TYPES: Final = {alg: FULL_OBJECT if alg == "CRC64NVME" else COMPOSITE for alg in ALGORITHMS}

_HEADER_PREFIX: Final = "x-amz-checksum-"
# Reflected (LSB-first) generator polynomials and widths, for combine_crc. All three CRCs have
# init = xorout = all ones, which is what makes crc(A||B) = crc(A)*x^(8|B|) + crc(B) hold.
_CRC_PARAMS: Final = {
    "CRC32": (0xEDB88320, 32),
    "CRC32C": (0x82F63B78, 32),
    "CRC64NVME": (0x9A6C9329AC4BC9B5, 64),
}
def _crc32c(data: Buffer, crc: int) -> int:
    from awscrt import checksums  # imported on first use: ~8 MB of RSS a server may never need

    return checksums.crc32c(data, crc)


def _crc64nvme(data: Buffer, crc: int) -> int:
    from awscrt import checksums

    return checksums.crc64nvme(data, crc)


# Each takes (data, previous_crc) and returns the updated CRC as an int.
_CRC_FUNCS: Final[dict[str, Callable[[Buffer, int], int]]] = {
    "CRC32": zlib.crc32,
    "CRC32C": _crc32c,
    "CRC64NVME": _crc64nvme,
}


def header_for(algorithm: str) -> str:
    """The request/response header carrying ``algorithm``'s value: ``CRC32`` -> ``x-amz-checksum-crc32``."""
    return _HEADER_PREFIX + algorithm.lower()


def algorithm_for_header(name: str) -> str | None:
    """The algorithm a header (or aws-chunked trailer) name carries, or None.

    Case-insensitive. Returns None for the ``x-amz-checksum-*`` headers that are not values
    (``-type``, ``-mode``, ``-algorithm``) and for algorithms S3 does not know, so callers can
    scan all headers with it.
    """
    name = name.lower()
    if not name.startswith(_HEADER_PREFIX):
        return None
    alg = name[len(_HEADER_PREFIX):].upper()
    return alg if alg in DIGEST_SIZES else None


def default_checksum_type(algorithm: str) -> str:
    """The checksum type a multipart upload gets when CreateMultipartUpload names only the algorithm."""
    return DEFAULT_TYPES[algorithm]


class Hasher:
    """One incremental checksum over a stream of buffers.

    CRCs keep a running int and call the C function with it; SHA1/SHA256 wrap a hashlib
    object. The per-call dispatch is one attribute test, negligible next to hashing 1 MiB.
    """

    __slots__ = ("_crc", "_crc_func", "_hash", "algorithm")

    def __init__(self, algorithm: str) -> None:
        if algorithm not in DIGEST_SIZES:
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")
        self.algorithm = algorithm
        self._crc_func = _CRC_FUNCS.get(algorithm)
        self._crc = 0
        self._hash = None if self._crc_func is not None else hashlib.new(algorithm.lower())

    def update(self, data: Buffer) -> None:
        """Feed the next bytes. Any contiguous buffer; it is read in place, never copied."""
        if self._crc_func is not None:
            self._crc = self._crc_func(data, self._crc)
        else:
            self._hash.update(data)  # type: ignore[union-attr]

    def digest(self) -> bytes:
        """The raw digest, big-endian for the CRCs (the byte order S3 base64-encodes)."""
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(DIGEST_SIZES[self.algorithm], "big")

    def b64(self) -> str:
        """The digest as S3 sends it in ``x-amz-checksum-*`` and ``Checksum*`` members."""
        return base64.b64encode(self.digest()).decode("ascii")


def new_hasher(algorithm: str) -> Hasher:
    """A fresh :class:`Hasher`; ValueError for a name outside :data:`ALGORITHMS` (names are upper case)."""
    return Hasher(algorithm)


class BodyDigests:
    """Everything an upload needs computed over its bytes in one pass: MD5 (S3's ETag), the
    size, and whichever flexible checksums were requested or claimed.

    ``update`` touches nothing but this object's own hashers and counter, so a caller may run
    it in a worker thread (``asyncio.to_thread``) while the event loop keeps serving: hashlib,
    zlib and awscrt all release the GIL on large buffers. Updates must still be serialized and
    in stream order (await one before starting the next); this object has no lock.
    """

    __slots__ = ("_hashers", "_md5", "size")

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        # usedforsecurity=False: MD5 here is an ETag, and this keeps it working on FIPS builds.
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._hashers = tuple(new_hasher(a) for a in sorted(set(algorithms)))
        self.size = 0

    def update(self, data: Buffer) -> None:
        """Feed the next chunk of the body (read in place, never copied)."""
        self.size += len(data) if not isinstance(data, memoryview) else data.nbytes
        self._md5.update(data)
        for h in self._hashers:
            h.update(data)

    @property
    def md5_hex(self) -> str:
        """Hex MD5 of everything so far: a single-part object's ETag (without quotes)."""
        return self._md5.hexdigest()

    @property
    def md5_b64(self) -> str:
        """Base64 MD5, the form of ``Content-MD5`` (and of BadDigest's ``CalculatedDigest``)."""
        return base64.b64encode(self._md5.digest()).decode("ascii")

    @property
    def algorithms(self) -> tuple[str, ...]:
        return tuple(h.algorithm for h in self._hashers)

    @property
    def checksums(self) -> dict[str, str]:
        """``{algorithm: base64 value}`` for every requested algorithm."""
        return {h.algorithm: h.b64() for h in self._hashers}


# ---- errors ---------------------------------------------------------------------------------
def validate_b64(algorithm: str, value: str) -> bytes:
    """Check a client-supplied checksum value and return its raw digest.

    S3 rejects a value that is not base64 or does not decode to the algorithm's digest size
    (e.g. eight hex characters for CRC32) with InvalidRequest before looking at the body,
    distinct from BadDigest for a well-formed value that does not match.
    """
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII str
        raw = b""
    if len(raw) != DIGEST_SIZES[algorithm]:
        raise ServiceError(f"Value for {header_for(algorithm)} header is invalid.", code="InvalidRequest",
                           status=400)
    return raw


def mismatch_error(algorithm: str) -> ServiceError:
    """PutObject/UploadPart: a supplied checksum (header or trailer) differs from the body's."""
    return ServiceError(f"The {algorithm.upper()} you specified did not match the calculated checksum.",
                        code="BadDigest", status=400)


def complete_mismatch_error(algorithm: str) -> ServiceError:
    """CompleteMultipartUpload: the object checksum (or a part checksum) in the request does not
    match. AWS names the algorithm in lower case here, unlike :func:`mismatch_error`."""
    return ServiceError(f"The {algorithm.lower()} you specified did not match the calculated checksum.",
                        code="BadDigest", status=400)


def md5_mismatch_error(expected_hex: str | None = None, calculated_b64: str | None = None) -> ServiceError:
    """A well-formed Content-MD5 that does not match the body. AWS adds ``ExpectedDigest`` (the
    client's MD5, in hex) and ``CalculatedDigest`` (the body's, in base64) to the error."""
    return ServiceError("The Content-MD5 you specified did not match what we received.", code="BadDigest",
                        status=400, ExpectedDigest=expected_hex, CalculatedDigest=calculated_b64)


def invalid_md5_error(value: str | None = None) -> ServiceError:
    """A Content-MD5 that is not base64 of 16 bytes; AWS echoes it back as ``<Content-MD5>``."""
    return ServiceError("The Content-MD5 you specified was invalid.", code="InvalidDigest", status=400,
                        **{"Content-MD5": value})


# ---- multipart ------------------------------------------------------------------------------
def composite_checksum(algorithm: str, part_digests: Sequence[bytes]) -> str:
    """COMPOSITE: base64 of the checksum of the concatenated raw part digests (in part-number
    order), then ``-N`` with the part count."""
    if algorithm not in COMPOSITE_ALGORITHMS:
        raise ValueError(f"{algorithm} has no COMPOSITE checksum type")
    size = DIGEST_SIZES[algorithm]
    h = new_hasher(algorithm)
    for d in part_digests:
        if len(d) != size:
            raise ValueError(f"a {algorithm} part digest is {size} bytes, not {len(d)}")
        h.update(d)
    return f"{h.b64()}-{len(part_digests)}"


def _multmodp(poly: int, width: int, a: int, b: int) -> int:
    """a*b modulo the CRC polynomial, both in reflected order (bit ``width-1`` is x^0), as zlib's multmodp."""
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    product = 0
    while a:
        if a & top:
            product ^= b
        a = (a << 1) & mask
        b = (b >> 1) ^ poly if b & 1 else b >> 1
    return product


_ShiftTable = tuple[tuple[int, ...], ...]


@functools.cache
def _shift_table(algorithm: str, k: int) -> _ShiftTable:
    """The linear map c -> c*x^(8*2^k) mod P ("append 2^k zero bytes"), sliced by byte:
    ``table[j][b]`` is the image of byte value ``b`` in byte lane ``j`` of ``c``.

    Built lazily per k (a 5 TiB object needs k < 43): k = 0 from :func:`_multmodp` on the basis
    vectors, k + 1 by applying k's map twice. Applying a map then costs width/8 lookups instead of
    a width-step bit loop, so combining 10,000 parts of arbitrary sizes stays in the milliseconds.
    """
    poly, width = _CRC_PARAMS[algorithm]
    if k == 0:
        x8 = (1 << (width - 1)) >> 8
        images = [_multmodp(poly, width, x8, 1 << i) for i in range(width)]
    else:
        prev = _shift_table(algorithm, k - 1)
        images = [_apply(prev, _apply(prev, 1 << i)) for i in range(width)]
    lanes = []
    for j in range(width // 8):
        lane = [0] * 256
        for b in range(1, 256):
            low = b & -b
            lane[b] = lane[b ^ low] ^ images[8 * j + low.bit_length() - 1]
        lanes.append(tuple(lane))
    return tuple(lanes)


def _apply(table: _ShiftTable, c: int) -> int:
    out = 0
    for lane in table:
        out ^= lane[c & 0xFF]
        c >>= 8
    return out


def _shift(algorithm: str, crc: int, n: int) -> int:
    """crc*x^(8n) mod P: the CRC register after n zero bytes (without the init/final xors)."""
    if not 0 <= n < 1 << 64:
        raise ValueError(f"length out of range: {n}")
    while n and crc:
        low = n & -n  # one table per set bit of n
        crc = _apply(_shift_table(algorithm, low.bit_length() - 1), crc)
        n ^= low
    return crc


def combine_crc(algorithm: str, crcs: Iterable[tuple[int, int]]) -> bytes:
    """FULL_OBJECT: the CRC of the parts' concatenation, from each part's ``(crc, length)`` in order.

    For these CRCs (reflected, init and final xor all ones), crc(A||B) = crc(A)*x^(8*len(B)) xor
    crc(B) modulo the polynomial -- zlib's crc32_combine. Starting from 0 (the CRC of no bytes),
    this never re-reads data: each part costs popcount(length) table-driven multiplications.
    Returns the raw big-endian digest, like :meth:`Hasher.digest`.
    """
    if algorithm not in _CRC_PARAMS:
        raise ValueError(f"{algorithm} has no FULL_OBJECT checksum type")
    total = 0
    for crc, length in crcs:
        total = _shift(algorithm, total, length) ^ crc
    return total.to_bytes(_CRC_PARAMS[algorithm][1] // 8, "big")
