"""Conditional requests and byte ranges for object reads.

* Conditional reads (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html and
  RFC 9110 §13.2.2 evaluation order): If-Match → 412, If-Unmodified-Since → 412
  (ignored when If-Match is present and holds), If-None-Match → 304,
  If-Modified-Since → 304 (ignored when If-None-Match is present).
* Ranges: one ``bytes=`` range (S3 does not serve multipart/byteranges):
  ``a-b``, ``a-`` (open), ``-n`` (suffix). A syntactically invalid header is
  ignored (the whole object is returned, as S3 does); a range that starts at or
  past the end is 416 ``InvalidRange``.
"""

from __future__ import annotations

import re
from datetime import datetime

from squall.gateway.http import Response
from squall.services.s3.errors import invalid_range, precondition_failed

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _etag_matches(header: str, etag: str) -> bool:
    bare = etag.strip('"')
    for candidate in header.split(","):
        c = candidate.strip()
        if c == "*" or c.strip('"') == bare or c.removeprefix("W/").strip('"') == bare:
            return True
    return False


def check_read(doc: dict, *, if_match: str | None, if_none_match: str | None,
               if_modified_since: datetime | None, if_unmodified_since: datetime | None,
               headers_304: dict[str, str]) -> Response | None:
    """``None`` to go on; a 304 :class:`Response` to send; raises 412."""
    etag, modified = doc["etag"], int(doc["modified"])  # HTTP dates have whole seconds
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise precondition_failed("If-Match")
    elif if_unmodified_since is not None and modified > if_unmodified_since.timestamp():
        raise precondition_failed("If-Unmodified-Since")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            return Response(304, headers_304, b"")
    elif if_modified_since is not None and modified <= if_modified_since.timestamp():
        return Response(304, headers_304, b"")
    return None


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end_exclusive)`` for a satisfiable range, None for "whole object"."""
    if not header:
        return None
    m = _RANGE_RE.match(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # suffix: the last n bytes
        n = int(last)
        if n == 0:
            raise invalid_range(size, header)
        return max(0, size - n), size
    start = int(first)
    end = int(last) + 1 if last else size
    if last and int(last) < start:
        return None  # invalid: ignored, whole object
    if start >= size:
        raise invalid_range(size, header)
    return start, min(end, size)
