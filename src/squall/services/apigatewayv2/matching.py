"""Route keys and route selection, as HTTP APIs do it.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html

A route key is ``$default`` or ``METHOD /path`` (``ANY`` for every method), the path made of
literal segments, ``{name}`` variables and, last only, one greedy ``{name+}``. For a request the
most specific route wins:

1. a route whose whole path matches — literal segments before variables, compared left to right
   (``/pets/dog/1`` before ``/pets/dog/{id}`` before ``/pets/{kind}/1``); for equal paths the exact
   method before ``ANY``;
2. a greedy route, the longest matching prefix first (it needs at least one segment left to catch);
3. ``$default``.

:class:`RouteTable` is built once per deployed stage: exact paths are one dict lookup, the other
candidates are pre-sorted by specificity, so matching a request costs a split and a short scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

METHODS = frozenset({"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
DEFAULT = "$default"
_VARIABLE = re.compile(r"\{([A-Za-z0-9._-]+)(\+?)\}")


@dataclass(frozen=True)
class RouteKey:
    method: str  # "ANY", "GET"… ("" for $default)
    path: str  # "/items/{id}"
    segments: tuple[str, ...]  # ("items", "{id}")
    greedy: str | None = None  # the greedy variable's name

    @property
    def is_default(self) -> bool:
        return not self.method


def parse_route_key(key: str) -> RouteKey:
    """The parsed route key, or ValueError with what is wrong (the BadRequest message)."""
    if key == DEFAULT:
        return RouteKey("", "", ())
    method, sep, path = (key or "").partition(" ")
    if not sep or method not in METHODS:
        raise ValueError(f"Unable to create route. Route key must be {DEFAULT!r} or an HTTP method ("
                         f"{', '.join(sorted(METHODS))}) followed by a space and a path starting with '/': {key}")
    if not path.startswith("/") or " " in path or "//" in path or "?" in path:
        raise ValueError(f"Invalid route key path: {path!r}. A path starts with '/' and holds no spaces, "
                         "empty segments or query string.")
    segments = tuple(s for s in path[1:].split("/") if s) if path != "/" else ()
    greedy = None
    names: set[str] = set()
    for i, segment in enumerate(segments):
        if "{" in segment or "}" in segment:
            m = _VARIABLE.fullmatch(segment)
            if m is None:
                raise ValueError(f"Invalid path variable {segment!r} in route key {key}: a variable is a whole "
                                 "segment such as {id} or, last, {proxy+}")
            if m[1] in names:
                raise ValueError(f"Duplicate path variable {m[1]!r} in route key {key}")
            names.add(m[1])
            if m[2]:
                if i != len(segments) - 1:
                    raise ValueError(f"A greedy path variable must be the last segment of the path: {key}")
                greedy = m[1]
    return RouteKey(method, path, segments, greedy)


def _variable(segment: str) -> str | None:
    return segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None


@dataclass
class Match:
    route: Any  # what the table was built with for this route
    path_parameters: dict[str, str]


class RouteTable:
    """The routes of one deployment, ready for matching: build with ``[(RouteKey, route), …]``."""

    def __init__(self, routes: list[tuple[RouteKey, Any]]) -> None:
        self.default: Any = None
        self.static: dict[str, dict[str, Any]] = {}  # "/items" -> {method: route}
        by_length: dict[int, list[tuple[tuple[int, ...], int, str, tuple[str | None, ...], tuple[str, ...], Any]]] = {}
        greedy: list[tuple[tuple[int, ...], int, str, tuple[str | None, ...], tuple[str, ...], str, Any]] = []
        for key, route in routes:
            if key.is_default:
                self.default = route
                continue
            names = tuple(_variable(s) for s in key.segments)
            shape = tuple(0 if n is None else 1 for n in names)
            any_rank = 1 if key.method == "ANY" else 0
            if key.greedy is not None:
                prefix = key.segments[:-1]
                greedy.append(((-len(prefix), *shape[:-1]), any_rank, key.method, names[:-1], prefix,
                               key.greedy, route))
            elif not any(shape):
                self.static.setdefault("/" + "/".join(key.segments), {})[key.method] = route
            else:
                by_length.setdefault(len(key.segments), []).append(
                    (shape, any_rank, key.method, names, key.segments, route))
        self.variable = {n: sorted(c, key=lambda c: (c[0], c[1])) for n, c in by_length.items()}
        self.greedy = sorted(greedy, key=lambda c: (c[0], c[1]))

    def match(self, method: str, path: str) -> Match | None:
        """The route for ``method`` and ``path`` (raw, percent-encoded, without the stage)."""
        segments = [unquote(s) for s in path.split("/") if s] if "%" in path else [s for s in path.split("/") if s]
        if self.static:
            methods = self.static.get("/" + "/".join(segments))
            if methods is not None:
                route = methods.get(method) or methods.get("ANY")
                if route is not None:
                    return Match(route, {})
        for shape, _, route_method, names, literals, route in self.variable.get(len(segments), ()):
            if route_method != method and route_method != "ANY":
                continue
            params = _bind(names, literals, segments)
            if params is not None:
                return Match(route, params)
        for _, _, route_method, names, literals, greedy, route in self.greedy:
            if len(segments) <= len(literals) or (route_method != method and route_method != "ANY"):
                continue
            params = _bind(names, literals, segments[:len(literals)])
            if params is not None:
                params[greedy] = "/".join(segments[len(literals):])
                return Match(route, params)
        if self.default is not None:
            return Match(self.default, {})
        return None


def _bind(names: tuple[str | None, ...], literals: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for name, literal, segment in zip(names, literals, segments, strict=True):
        if name is None:
            if literal != segment:
                return None
        else:
            params[name] = segment
    return params
