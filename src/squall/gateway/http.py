"""Plain request/response values passed between the ASGI app and the wire layer.

They are deliberately tiny (no framework objects): the ASGI app builds a
:class:`Request` once per HTTP request and writes a :class:`Response` back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


class cached_property:
    """``functools.cached_property`` without the lock Python 3.11 takes on every first access
    (a request lives on one thread): computed once, then an ordinary instance attribute."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(slots=False)
class Request:
    method: str
    path: str  # raw path as sent (percent-encoded), without the query string
    query_string: str  # raw query string, without "?"
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ","
    body: bytes = b""
    scheme: str = "http"
    client: str = "127.0.0.1"
    # a large body not read yet (squall.gateway.body.BodyStream); ``body`` is then b""
    stream: Any = None
    # the headers exactly as received (ASGI's list of (name, value) bytes pairs, names lower-case),
    # for whoever needs repeated headers apart (API Gateway's multiValueHeaders)
    raw_headers: Any = None

    @cached_property
    def query(self) -> dict[str, list[str]]:
        """Decoded query parameters, each with every value it was given."""
        out: dict[str, list[str]] = {}
        for k, v in parse_qsl(self.query_string, keep_blank_values=True):
            out.setdefault(k, []).append(v)
        return out

    @property
    def host(self) -> str:
        return self.headers.get("host", "localhost")

    @cached_property
    def form(self) -> dict[str, str]:
        """The body as an ``application/x-www-form-urlencoded`` form (query protocol)."""
        out: dict[str, str] = {}
        for k, v in parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True):
            out[k] = v
        return out


@dataclass(slots=True)
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # an async iterable of body chunks sent after the headers instead of ``body``;
    # the headers must then carry content-length
    stream: Any = None
