"""The JSONPath subset mapping templates and parameter mappings use: ``$``, ``.name``,
``['name']``, ``[n]`` (negative counts from the end), ``[*]`` / ``.*`` and ``..name``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_TOKEN = re.compile(r"\.\.([A-Za-z0-9_$@-]+)|\.([A-Za-z0-9_$@-]+|\*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]"
                    r"|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]")
_MISSING = object()


@functools.lru_cache(maxsize=1024)
def compile_path(path: str) -> tuple[tuple[str, Any], ...]:
    """``$.a['b'][0]`` → (("key", "a"), ("key", "b"), ("index", 0)); ValueError when malformed."""
    path = path.strip()
    if not path.startswith("$"):
        path = "$." + path if path and not path.startswith((".", "[")) else "$" + path
    steps: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise ValueError(f"invalid JSONPath {path!r}")
        deep, name, quoted, dquoted, index = m.groups()
        if deep is not None:
            steps.append(("deep", deep))
        elif name == "*" or (name is None and quoted is None and dquoted is None and index is None):
            steps.append(("all", None))
        elif index is not None:
            steps.append(("index", int(index)))
        else:
            steps.append(("key", name if name is not None else quoted if quoted is not None else dquoted))
        pos = m.end()
    return tuple(steps)


def _deep(value: Any, name: str) -> list[Any]:
    found = []
    if isinstance(value, dict):
        if name in value:
            found.append(value[name])
        for v in value.values():
            found.extend(_deep(v, name))
    elif isinstance(value, list):
        for v in value:
            found.extend(_deep(v, name))
    return found


def evaluate(doc: Any, path: str) -> Any:
    """The value at ``path`` in ``doc`` (a list when the path fans out), None when absent."""
    current: list[Any] = [doc]
    many = False
    for kind, arg in compile_path(path):
        nxt: list[Any] = []
        for value in current:
            if kind == "key" and isinstance(value, dict) and arg in value or kind == "index" and isinstance(value, list) and -len(value) <= arg < len(value):
                nxt.append(value[arg])
            elif kind == "all":
                many = True
                nxt.extend(value.values() if isinstance(value, dict) else value if isinstance(value, list) else ())
            elif kind == "deep":
                many = True
                nxt.extend(_deep(value, arg))
        current = nxt
    if many:
        return current
    return current[0] if current else None
