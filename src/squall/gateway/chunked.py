"""``aws-chunked`` request bodies (``Content-Encoding: aws-chunked``).

The framing, by ``x-amz-content-sha256`` value:

``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``
    ``<hex-size>;chunk-signature=<sig>\\r\\n<data>\\r\\n`` … ``0;chunk-signature=<sig>\\r\\n\\r\\n``.
    Each signature is HMAC(signing key, string-to-sign)::

        AWS4-HMAC-SHA256-PAYLOAD\\n<amz-date>\\n<scope>\\n<previous sig>\\n<sha256("")>\\n<sha256(data)>

    chained from the request's (seed) signature.
``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER``
    as above, then trailer lines ``name:value\\r\\n`` after the final chunk and
    ``x-amz-trailer-signature:<sig>\\r\\n\\r\\n`` where the signature signs::

        AWS4-HMAC-SHA256-TRAILER\\n<amz-date>\\n<scope>\\n<last chunk sig>\\n<sha256("name:value\\n"…)>
``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (boto3's S3 uploads with flexible checksums)
    ``<hex-size>\\r\\n<data>\\r\\n`` … ``0\\r\\n<name>:<value>\\r\\n\\r\\n``.

Chunk signatures are verified when the request's signature was (an
:class:`~squall.gateway.auth.AuthResult` with ``verified`` set); requests
accepted unverified (unknown key in the default mode) are only de-framed.
Trailer checksums (``x-amz-checksum-*``) are returned, not checked: the
service computes its checksums over the payload anyway.

:class:`ChunkedDecoder` is incremental (``feed`` pieces as they arrive, then
``finish``); :func:`decode_chunked` is the one-shot form.
"""

from __future__ import annotations

import hmac
from hashlib import sha256

from squall.errors import ServiceError

__all__ = [
    "SIGNED_PAYLOAD",
    "SIGNED_PAYLOAD_TRAILER",
    "UNSIGNED_PAYLOAD_TRAILER",
    "ChunkedDecoder",
    "decode_chunked",
    "decoder_for",
    "is_aws_chunked",
]

SIGNED_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_EMPTY_SHA256 = sha256(b"").hexdigest()
_MAX_LINE = 8192  # a chunk header or trailer line longer than this is malformed
_MAX_CHUNK = 1 << 34

_HEADER, _DATA, _DATA_CRLF, _TRAILER, _DONE = range(5)


def _malformed(message: str) -> ServiceError:
    return ServiceError(f"Malformed aws-chunked body: {message}", code="InvalidRequest", status=400)


def _bad_signature(what: str) -> ServiceError:
    return ServiceError(
        f"The {what} signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        code="SignatureDoesNotMatch",
        status=403,
    )


def is_aws_chunked(request) -> bool:
    """Whether ``request``'s body is aws-chunked framed."""
    h = request.headers
    sha = h.get("x-amz-content-sha256", "")
    if sha.startswith("STREAMING-"):
        return True
    return "aws-chunked" in h.get("content-encoding", "")


class ChunkedDecoder:
    """Incremental aws-chunked decoder.

    ``feed(data) -> bytes`` returns the payload bytes decoded so far from that
    piece (data of a chunk is released before its signature is checked at the
    chunk's end, so treat it as provisional until :meth:`finish` returns);
    ``finish() -> dict[str, str]`` checks the body ended properly (and the
    decoded length, if given) and returns the trailers (lower-cased names).
    """

    def __init__(
        self,
        mode: str | None = None,
        *,
        signing_key: bytes | None = None,
        seed_signature: str | None = None,
        scope: str | None = None,
        amz_date: str | None = None,
        decoded_length: int | None = None,
    ) -> None:
        self.mode = mode or ""
        self.signed = self.mode.startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        self.expect_trailers = self.mode.endswith("-TRAILER")
        self.verify = bool(self.signed and signing_key and seed_signature and scope and amz_date)
        self._key = signing_key
        self._prev = seed_signature or ""
        self._prefix = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n"
        self._trailer_prefix = f"AWS4-HMAC-SHA256-TRAILER\n{amz_date}\n{scope}\n"
        self.decoded_length = decoded_length
        self.trailers: dict[str, str] = {}
        self._trailer_lines: list[str] = []
        self._trailer_sig: str | None = None
        self._buf = bytearray()
        self._state = _HEADER
        self._remaining = 0  # bytes of the current chunk's data still to come
        self._chunk_sig: str | None = None
        self._hash = None
        self.total = 0  # payload bytes decoded

    @property
    def done(self) -> bool:
        return self._state == _DONE

    # ------------------------------------------------------------------ feeding
    def feed(self, data: bytes) -> bytes:
        """Decode ``data`` (the next piece of the body); returns the payload bytes it completed.

        Works on the caller's bytes through a memoryview and joins the payload pieces
        once, so a whole body costs about one copy; only an incomplete header, trailer
        line or CRLF is carried over to the next call (chunk data never is).
        """
        if self._state == _DONE:
            if data.strip(b"\r\n"):
                raise _malformed("data after the final chunk")
            return b""
        if self._buf:
            src = bytes(self._buf) + data
            self._buf.clear()
        else:
            src = data if type(data) is bytes else bytes(data)
        mv = memoryview(src)
        pieces: list[memoryview] = []
        pos = 0
        n = len(src)
        while pos < n:
            state = self._state
            if state == _HEADER:
                end = src.find(b"\r\n", pos)
                if end < 0:
                    if n - pos > _MAX_LINE:
                        raise _malformed("chunk header line too long")
                    break
                self._header(src[pos:end])
                pos = end + 2
            elif state == _DATA:
                take = min(self._remaining, n - pos)
                if take:
                    piece = mv[pos : pos + take]
                    if self._hash is not None:
                        self._hash.update(piece)
                    pieces.append(piece)
                    pos += take
                    self._remaining -= take
                if self._remaining == 0:
                    self._state = _DATA_CRLF
                else:
                    break
            elif state == _DATA_CRLF:
                if n - pos < 2:
                    break
                if src[pos : pos + 2] != b"\r\n":
                    raise _malformed("chunk data is not followed by CRLF (size mismatch)")
                pos += 2
                self._end_chunk()
                self._state = _HEADER
            elif state == _TRAILER:
                end = src.find(b"\r\n", pos)
                if end < 0:
                    if n - pos > _MAX_LINE:
                        raise _malformed("trailer line too long")
                    break
                line = src[pos:end]
                pos = end + 2
                if not line:
                    self._end_trailers()
                    if src[pos:].strip(b"\r\n"):
                        raise _malformed("data after the final chunk")
                    pos = n
                    break
                self._trailer(line)
            else:  # _DONE
                break
        if pos < n:
            self._buf += mv[pos:]
        out = pieces[0].tobytes() if len(pieces) == 1 else b"".join(pieces)
        self.total += len(out)
        return out

    def _header(self, line: bytes) -> None:
        size_s, _, ext = line.partition(b";")
        try:
            size = int(size_s.strip(), 16)
        except ValueError:
            raise _malformed(f"invalid chunk size {size_s[:32]!r}") from None
        if size < 0 or size > _MAX_CHUNK:
            raise _malformed(f"invalid chunk size {size_s[:32]!r}")
        sig = None
        if ext:
            for item in ext.split(b";"):
                k, _, v = item.strip().partition(b"=")
                if k == b"chunk-signature":
                    sig = v.decode("ascii", "replace").strip()
        if self.signed and sig is None and self.verify:
            raise _malformed("chunk without chunk-signature in a signed stream")
        self._chunk_sig = sig
        self._remaining = size
        self._hash = sha256() if self.verify else None
        if size == 0:
            self._end_chunk()
            self._state = _TRAILER
        else:
            self._state = _DATA

    def _end_chunk(self) -> None:
        if self.verify:
            digest = self._hash.hexdigest() if self._hash is not None else _EMPTY_SHA256
            sts = f"{self._prefix}{self._prev}\n{_EMPTY_SHA256}\n{digest}"
            expected = hmac.digest(self._key, sts.encode(), "sha256").hex()
            if not hmac.compare_digest(expected, self._chunk_sig or ""):
                raise _bad_signature("chunk")
            self._prev = expected
        self._hash = None

    def _trailer(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace")
        name, sep, value = text.partition(":")
        if not sep or not name.strip():
            raise _malformed(f"invalid trailer line {text[:64]!r}")
        name = name.strip().lower()
        value = value.strip()
        if name == "x-amz-trailer-signature":
            self._trailer_sig = value
            return
        self.trailers[name] = value
        self._trailer_lines.append(f"{name}:{value}\n")

    def _end_trailers(self) -> None:
        if self.verify and self.expect_trailers:
            if self._trailer_sig is None:
                raise _malformed("missing x-amz-trailer-signature")
            digest = sha256("".join(self._trailer_lines).encode()).hexdigest()
            sts = f"{self._trailer_prefix}{self._prev}\n{digest}"
            expected = hmac.digest(self._key, sts.encode(), "sha256").hex()
            if not hmac.compare_digest(expected, self._trailer_sig):
                raise _bad_signature("trailer")
        self._state = _DONE

    # ------------------------------------------------------------------ end
    def finish(self) -> dict[str, str]:
        if self._state == _TRAILER and not self._buf and not self.trailers and self._trailer_sig is None:
            # final "0…\r\n" without the closing empty line: tolerated when nothing trails
            if self.verify and self.expect_trailers:
                raise _malformed("missing x-amz-trailer-signature")
            self._state = _DONE
        if self._state != _DONE:
            raise ServiceError(
                "The request body terminated unexpectedly (incomplete aws-chunked body).",
                code="IncompleteBody",
                status=400,
            )
        if self.decoded_length is not None and self.total != self.decoded_length:
            raise ServiceError(
                f"You did not provide the number of bytes specified by the x-amz-decoded-content-length header "
                f"({self.total} != {self.decoded_length}).",
                code="IncompleteBody",
                status=400,
            )
        return self.trailers


def decoder_for(
    request, auth=None, *, mode: str | None = None, decoded_length: int | None = None
) -> ChunkedDecoder:
    """A decoder set up from the request's headers and its :class:`AuthResult`."""
    h = request.headers
    mode = mode or h.get("x-amz-content-sha256")
    length = h.get("x-amz-decoded-content-length")
    if decoded_length is None and length is not None:
        try:
            decoded_length = int(length)
        except ValueError:
            raise _malformed("invalid x-amz-decoded-content-length") from None
    verified = auth is not None and getattr(auth, "verified", False)
    return ChunkedDecoder(
        mode,
        signing_key=auth.signing_key if verified else None,
        seed_signature=auth.signature if verified else None,
        scope=auth.scope if verified else None,
        amz_date=auth.amz_date if verified else None,
        decoded_length=decoded_length,
    )


def decode_chunked(
    body: bytes,
    auth=None,
    *,
    mode: str | None = None,
    decoded_length: int | None = None,
    request=None,
) -> tuple[bytes, dict[str, str]]:
    """De-frame a whole aws-chunked ``body``: ``(payload, trailers)``.

    Pass ``request`` (headers give mode and decoded length) or ``mode`` /
    ``decoded_length`` explicitly; ``auth`` (an AuthResult) enables signature
    checks when it is ``verified``.
    """
    if request is not None:
        dec = decoder_for(request, auth, mode=mode, decoded_length=decoded_length)
    else:
        verified = auth is not None and getattr(auth, "verified", False)
        dec = ChunkedDecoder(
            mode or (getattr(auth, "content_sha256", None) if auth is not None else None),
            signing_key=auth.signing_key if verified else None,
            seed_signature=auth.signature if verified else None,
            scope=auth.scope if verified else None,
            amz_date=auth.amz_date if verified else None,
            decoded_length=decoded_length,
        )
    payload = dec.feed(body)
    trailers = dec.finish()
    return payload, trailers
