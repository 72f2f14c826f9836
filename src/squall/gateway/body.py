"""Request bodies that are read as they arrive, and the payload a service sees.

Most requests are small and the ASGI app buffers them into ``Request.body``.
A large upload (S3 PutObject / UploadPart, many GB) must never sit in memory,
so the app hands such a body over unread as a :class:`BodyStream`; the
dispatcher buffers it after all unless the operation's input is a streaming
blob in the botocore model.

A service receives a streaming member as a :class:`Payload` whether the body
was buffered or not, and reads it with ``async for chunk in payload``. The
payload does what the wire requires on the way:

* ``aws-chunked`` bodies are de-framed (chunk signatures checked when the
  request's signature was, see :mod:`squall.gateway.chunked`), and their
  trailers (``x-amz-checksum-*``) are kept in :attr:`Payload.trailers`;
* a hex ``x-amz-content-sha256`` is checked against the bytes actually read:
  a mismatch raises ``XAmzContentSHA256Mismatch`` after the last chunk, before
  the service commits anything (it must read the payload to the end first).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from hashlib import sha256
from typing import Any

from squall.errors import ServiceError

#: Bodies at least this large (by Content-Length, or of unknown length) are not
#: buffered by the front door.
STREAM_THRESHOLD = 1 << 20
#: A body that is buffered after all (an operation without a streaming input)
#: may not exceed this.
MAX_BUFFERED = 64 << 20

_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")

Receive = Callable[[], Awaitable[dict[str, Any]]]


async def _gather(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """All of ``chunks`` in memory, or 413 once more than ``limit`` bytes arrive."""
    parts: list[bytes] = []
    size = 0
    async for data in chunks:
        size += len(data)
        if size > limit:
            raise ServiceError("Your request was too large.", code="RequestEntityTooLarge", status=413)
        parts.append(data)
    return b"".join(parts)


class ClientDisconnected(Exception):
    """The client went away before sending the whole body."""


class BodyStream:
    """An ASGI request body not yet read: single use, in arrival order."""

    def __init__(self, receive: Receive, first: bytes, length: int | None) -> None:
        self._receive = receive
        self._first: bytes | None = first
        self._done = False
        self.length = length  # Content-Length as sent, or None
        self.consumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.consumed:
            raise RuntimeError("request body already read")
        self.consumed = True
        if self._first:
            yield self._first
        self._first = None
        while not self._done:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            data = message.get("body", b"")
            self._done = not message.get("more_body", False)
            if data:
                yield data

    async def read_all(self, limit: int = MAX_BUFFERED) -> bytes:
        return await _gather(self.chunks(), limit)

    async def drain(self) -> None:
        """Read and drop whatever is left (so the connection can be reused)."""
        if not self.consumed:
            async for _ in self.chunks():
                pass


class Payload:
    """A request payload as an operation sees it: ``async for chunk in payload``.

    Single use. ``trailers`` holds aws-chunked trailer headers once the
    payload has been read to the end."""

    def __init__(self, source: BodyStream | bytes, *, decoder: Any = None, expect_sha256: str | None = None,
                 length: int | None = None) -> None:
        self._source = source
        self._decoder = decoder  # a squall.gateway.chunked.ChunkedDecoder, or None
        self._expect = expect_sha256 if expect_sha256 and _HEX64_RE.match(expect_sha256) else None
        self.length = length  # decoded length if the client declared it
        self.trailers: dict[str, str] = {}
        self.complete = False

    @classmethod
    def of(cls, data: bytes) -> Payload:
        return cls(data, length=len(data))

    async def _raw(self) -> AsyncIterator[bytes]:
        if isinstance(self._source, bytes):
            if self._source:
                yield self._source
        else:
            async for data in self._source.chunks():
                yield data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        hasher = sha256() if self._expect else None
        decoder = self._decoder
        async for data in self._raw():
            if hasher is not None:
                hasher.update(data)
            if decoder is not None:
                data = decoder.feed(data)
            if data:
                yield data
        if decoder is not None:
            self.trailers = decoder.finish()
        if hasher is not None and hasher.hexdigest() != self._expect:
            raise ServiceError(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                code="XAmzContentSHA256Mismatch", status=400,
                ClientComputedContentSHA256=self._expect, S3ComputedContentSHA256=hasher.hexdigest())
        self.complete = True

    async def read(self, limit: int = MAX_BUFFERED) -> bytes:
        return await _gather(self.__aiter__(), limit)
