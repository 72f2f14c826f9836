"""Routing for the REST protocols: ``(method, path, query)`` → operation + URI labels.

Each operation's ``http.requestUri`` (``/{Bucket}/{Key+}?uploads``) compiles to
a regex over the *raw* (still percent-encoded) path — ``{Label}`` matches one
segment, ``{Label+}`` (greedy) the rest — plus the literal query keys/values
that must be present. Candidates are tried most specific first: more required
query keys (literal or required members), then more required headers, then more literal path characters, then non-greedy before greedy.
The tables are built once per service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from botocore.model import OperationModel

_LABEL = re.compile(r"\{([^}]+?)(\+)?\}")
_IGNORED_QUERY = {"x-id"}  # botocore's informational ?x-id=GetObject


@dataclass(frozen=True, slots=True)
class Route:
    op: OperationModel
    regex: re.Pattern[str]
    labels: tuple[tuple[str, str, bool], ...]  # (group, label name, greedy)
    query: tuple[tuple[str, str | None], ...]  # required literal query (key, value or None)
    headers: tuple[str, ...]  # required header members (CopyObject vs PutObject: x-amz-copy-source)
    score: tuple[int, int, int, int, int]

    def match(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> dict[str, str] | None:
        # the dict lookups first: most candidates fail on them, and cost less than the regex
        for name in self.headers:
            if name not in headers:
                return None
        for key, value in self.query:
            got = query.get(key)
            if got is None or (value is not None and value not in got):
                return None
        m = self.regex.fullmatch(path)
        if m is None:
            return None
        return {name: unquote(m.group(group)) for group, name, _ in self.labels}


def compile_route(op: OperationModel) -> Route:
    uri = op.http.get("requestUri", "/")
    path, _, qs = uri.partition("?")
    labels: list[tuple[str, str, bool]] = []
    pattern, pos, literal, greedy_count = "", 0, 0, 0
    for i, m in enumerate(_LABEL.finditer(path)):
        text = path[pos : m.start()]
        pattern += re.escape(text)
        literal += len(text)
        group = f"g{i}"
        greedy = bool(m.group(2))
        greedy_count += greedy
        pattern += f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)"
        labels.append((group, m.group(1), greedy))
        pos = m.end()
    tail = path[pos:]
    pattern += re.escape(tail)
    literal += len(tail)
    if not pattern.endswith("/"):
        pattern += "/?"
    query = tuple(
        (k, v if v != "" else None)
        for k, v in parse_qsl(qs, keep_blank_values=True)
        if k not in _IGNORED_QUERY
    )
    shape = op.input_shape
    required = set(shape.required_members) if shape is not None else set()
    headers = tuple(
        m.serialization.get("name", n).lower()
        for n, m in (shape.members.items() if shape is not None else ())
        if n in required and m.serialization.get("location") == "header"
    )
    query += tuple(
        (m.serialization.get("name", n), None)
        for n, m in (shape.members.items() if shape is not None else ())
        if n in required and m.serialization.get("location") == "querystring"
    )
    # a deprecated operation sharing its URI with its successor (S3's PutBucketNotification vs
    # PutBucketNotificationConfiguration, PutBucketLifecycle vs …Configuration) loses the tie
    current = 0 if op.deprecated else 1
    score = (len(query), len(headers), literal, -greedy_count, current)
    return Route(op, re.compile(pattern), tuple(labels), query, headers, score)


class RestRouter:
    """All routes of one service, grouped by HTTP method, most specific first.

    S3 has ~45 GET routes, most told apart by a query key (``?acl``, ``?tagging``…). So
    that a plain ``GET /bucket/key`` does not try them all, each method's routes are also
    indexed by their first required query key: a request only tries the routes whose key it
    carries, plus the routes that need none, in the same most-specific-first order."""

    def __init__(self, operations: dict[str, OperationModel]) -> None:
        self.by_method: dict[str, list[Route]] = {}
        for op in operations.values():
            route = compile_route(op)
            self.by_method.setdefault(op.http.get("method", "POST").upper(), []).append(route)
        self._plain: dict[str, list[tuple[int, Route]]] = {}
        self._keyed: dict[str, dict[str, list[tuple[int, Route]]]] = {}
        for method, routes in self.by_method.items():
            routes.sort(key=lambda r: r.score, reverse=True)
            plain, keyed = self._plain.setdefault(method, []), self._keyed.setdefault(method, {})
            for rank, route in enumerate(routes):
                if route.query:
                    keyed.setdefault(route.query[0][0], []).append((rank, route))
                else:
                    plain.append((rank, route))

    def match(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[OperationModel, dict[str, str]] | None:
        method = method.upper()
        keyed = self._keyed.get(method)
        if keyed is None:
            return None
        candidates = self._plain[method]
        hits = [keyed[k] for k in query if k in keyed]
        if hits:
            candidates = sorted([*candidates, *(c for hit in hits for c in hit)], key=lambda c: c[0])
        for _, route in candidates:
            labels = route.match(path, query, headers)
            if labels is not None:
                return route.op, labels
        return None
