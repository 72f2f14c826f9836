"""Receiving object bytes: stream to storage, compute digests, check what the client claimed.

Shared by PutObject, UploadPart and POST uploads. Small bodies (known length up
to :data:`store.INLINE_MAX`) are kept in memory and committed inline with the
metadata; larger ones stream into a blob file (never whole in memory) while the
digests are computed in the writer's thread. The caller commits the returned
:class:`Received` (``claim_data``) or calls :meth:`Received.discard`.

Integrity (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
MD5 is always computed (the ETag); ``Content-MD5`` and every ``x-amz-checksum-*``
value sent in a header or an aws-chunked trailer are verified; the checksum the
client asked for (``x-amz-sdk-checksum-algorithm``, or the one it sent) is stored
and returned. A mismatch fails the request and stores nothing.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from squall.gateway import checksums
from squall.gateway.body import Payload
from squall.services.s3 import store
from squall.services.s3.errors import entity_too_large, incomplete_body, invalid_request
from squall.storage.blobs import BlobStore

#: S3's largest single PUT (5 GiB).
MAX_PUT = 5 * 1024**3


@dataclass
class Received:
    data: dict  # {"inline": id} | {"blob": id}
    size: int
    md5_hex: str
    checksums: dict[str, str] = field(default_factory=dict)  # algorithm -> base64, as stored
    inline: bytes | None = None
    _blobs: BlobStore | None = None

    @property
    def etag(self) -> str:
        return f'"{self.md5_hex}"'

    def discard(self) -> None:
        """The bytes will not be committed: remove the blob file (inline data needs nothing)."""
        if self._blobs is not None and "blob" in self.data:
            self._blobs.unlink(self.data["blob"])


def claimed_checksums(params: dict[str, Any], headers: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """(values the client sent, algorithms to compute). Values are validated base64."""
    sent: dict[str, str] = {}
    wanted: set[str] = set()
    for alg in checksums.ALGORITHMS:
        value = params.get("Checksum" + alg)
        if value is not None:
            checksums.validate_b64(alg, value)
            sent[alg] = value
            wanted.add(alg)
    requested = params.get("ChecksumAlgorithm") or headers.get("x-amz-sdk-checksum-algorithm")
    if requested:
        alg = str(requested).upper()
        if alg not in checksums.ALGORITHMS:
            raise invalid_request("Checksum algorithm provided is unsupported. Please try again with any of "
                                  "the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
        wanted.add(alg)
    for name in (headers.get("x-amz-trailer") or "").split(","):
        alg = checksums.algorithm_for_header(name.strip().lower()) if name.strip() else None
        if alg:
            wanted.add(alg)
    return sent, wanted


async def receive(blob_store: BlobStore, body: Any, *, content_md5: str | None, sent: dict[str, str],
                  wanted: set[str], declared_length: int | None = None, limit: int = MAX_PUT,
                  inline: bool = True) -> Received:
    """Read ``body`` (a :class:`squall.gateway.body.Payload`) to the end and verify it."""
    if body is None:
        body = b""
    if isinstance(body, (bytes, bytearray)):
        body = Payload.of(bytes(body))
    length = body.length if body.length is not None else declared_length
    if length is not None and length > limit:
        raise entity_too_large(length, limit)
    digests = checksums.BodyDigests(wanted)
    if inline and length is not None and length <= store.INLINE_MAX:
        data = await body.read(store.INLINE_MAX + 1)
        digests.update(data)
        got = Received({"inline": store.new_data_id()}, len(data), digests.md5_hex, inline=data)
    else:
        writer = blob_store.writer(on_data=digests.update)
        try:
            async for chunk in body:
                if writer.size + len(chunk) > limit:
                    raise entity_too_large(writer.size + len(chunk), limit)
                await writer.write(chunk)
            blob_id = await writer.finish()
        except BaseException:
            writer.abort()
            raise
        got = Received({"blob": blob_id}, writer.size, digests.md5_hex, _blobs=blob_store)
    try:
        if length is not None and got.size != length:
            raise incomplete_body(length, got.size)
        trailer_values = {alg: v for name, v in body.trailers.items()
                          if (alg := checksums.algorithm_for_header(name))}
        for alg, value in trailer_values.items():
            checksums.validate_b64(alg, value)
        computed = digests.checksums
        for alg, value in {**sent, **trailer_values}.items():
            if computed.get(alg) != value:
                raise checksums.mismatch_error(alg)
        if content_md5 is not None:
            try:
                raw = base64.b64decode(content_md5, validate=True)
            except (binascii.Error, ValueError):
                raise checksums.invalid_md5_error() from None
            if len(raw) != 16:
                raise checksums.invalid_md5_error()
            if raw.hex() != digests.md5_hex:
                raise checksums.md5_mismatch_error()
    except BaseException:
        got.discard()
        raise
    got.checksums = computed
    return got
