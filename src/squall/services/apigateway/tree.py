"""Matching a request path against a deployment's resources, as REST APIs do.

The resources compile once per deployment into a trie of path segments. At each level a
literal segment beats a path parameter (``{id}``), which beats a greedy one (``{proxy+}``,
one or more segments); when the preferred branch leads nowhere the next is tried. A resource
answers a method it defines, else its ``ANY`` method; a path no resource (and method) answers
is REST's 403 ``Missing Authentication Token`` — the caller's business.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass
class Node:
    resource: dict[str, Any] | None = None
    literal: dict[str, Node] = field(default_factory=dict)
    param: tuple[str, Node] | None = None
    greedy: tuple[str, dict[str, Any]] | None = None


@dataclass
class Match:
    resource: dict[str, Any]
    method: dict[str, Any]
    path_parameters: dict[str, str]


def compile_tree(resources: dict[str, dict[str, Any]]) -> Node:
    root = Node()
    for res in resources.values():
        node = root
        parts = [p for p in res.get("path", "/").split("/") if p]
        for i, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if i == len(parts) - 1:
                    node.greedy = (part[1:-2], res)
                break
            if part.startswith("{") and part.endswith("}"):
                if node.param is None:
                    node.param = (part[1:-1], Node())
                node = node.param[1]
            else:
                node = node.literal.setdefault(part, Node())
        else:
            node.resource = res
    return root


def _candidates(node: Node, parts: list[str], i: int, params: dict[str, str]
                ) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Resources matching ``parts[i:]`` under ``node``, most specific first."""
    if i == len(parts):
        if node.resource is not None:
            yield node.resource, params
        return
    part = parts[i]
    child = node.literal.get(part)
    if child is not None:
        yield from _candidates(child, parts, i + 1, params)
    if node.param is not None:
        name, child = node.param
        yield from _candidates(child, parts, i + 1, {**params, name: part})
    if node.greedy is not None:
        name, res = node.greedy
        yield res, {**params, name: "/".join(parts[i:])}


def match(root: Node, path: str, http_method: str) -> Match | None:
    """The resource and method answering ``http_method`` on ``path`` (percent-encoded, without
    the stage), with the decoded path parameters; None when nothing does."""
    parts = [unquote(p) for p in path.split("/") if p]
    for res, params in _candidates(root, parts, 0, {}):
        methods = res.get("resourceMethods") or {}
        method = methods.get(http_method) or methods.get("ANY")
        if method is not None:
            return Match(res, method, params)
    return None
