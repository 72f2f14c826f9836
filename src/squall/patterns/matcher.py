"""Matching an event against compiled branches.

The event is first *flattened* along the pattern's paths only (a trie of the field names
the pattern mentions, so a large event costs what the pattern reads): each path maps to its
scalar values. Arrays are walked element by element — a field matches if *any* element
does — and every value remembers which element of which array it came from, because AWS
requires the values that satisfy one branch to come from the *same* element of an array
they share: ``{"items": {"sku": ["a"], "qty": [1]}}`` does not match
``{"items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]}``.
A field with no scalar value (missing, ``[]``, an object) is *absent*: only
``{"exists": false}`` matches it, and absence is judged over the whole event.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from squall.patterns.rules import Leaf

Path = tuple[str, ...]
Branch = tuple[tuple[Path, Leaf], ...]
#: (array id, element index) pairs: where in the event's arrays a value sits
Membership = tuple[tuple[int, int], ...]


class _Node:
    __slots__ = ("children", "leaf")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.leaf = False


class Matcher:
    """A compiled pattern. ``matches(event)`` is safe to call from many tasks at once."""

    __slots__ = ("_branches", "_trie", "pattern")

    def __init__(self, pattern: dict[str, Any], branches: list[Branch]) -> None:
        self.pattern = pattern
        # cheapest first: branches with fewer fields fail or succeed sooner
        self._branches = sorted(branches, key=len)
        self._trie = _Node()
        for branch in branches:
            for path, _ in branch:
                node = self._trie
                for name in path:
                    node = node.children.setdefault(name, _Node())
                node.leaf = True

    def matches(self, event: Any) -> bool:
        fields: dict[Path, list[tuple[Any, Membership]]] = {}
        _flatten(event if isinstance(event, dict) else {}, self._trie, (), (), fields, count())
        return any(_satisfied(branch, 0, fields, {}) for branch in self._branches)

    def __repr__(self) -> str:
        return f"Matcher({self.pattern!r})"


def _flatten(value: Any, node: _Node, path: Path, where: Membership,
             out: dict[Path, list[tuple[Any, Membership]]], ids: count) -> None:
    if isinstance(value, list):
        array = next(ids)
        for index, element in enumerate(value):
            _flatten(element, node, path, where + ((array, index),), out, ids)
    elif isinstance(value, dict):
        for name, child in node.children.items():
            if name in value:
                _flatten(value[name], child, path + (name,), where, out, ids)
    elif node.leaf:
        out.setdefault(path, []).append((value, where))


def _satisfied(branch: Branch, i: int, fields: dict[Path, list[tuple[Any, Membership]]],
               chosen: dict[int, int]) -> bool:
    """Can fields ``i…`` of ``branch`` each pick a matching value, all from consistent array elements?"""
    if i == len(branch):
        return True
    path, leaf = branch[i]
    values = fields.get(path)
    if not values:
        return leaf.absent and _satisfied(branch, i + 1, fields, chosen)
    for value, where in values:
        if not leaf.accepts(value):
            continue
        if not where:  # no arrays on the way: nothing to keep consistent
            if _satisfied(branch, i + 1, fields, chosen):
                return True
            continue
        added: list[int] = []
        consistent = True
        for array, index in where:
            seen = chosen.get(array)
            if seen is None:
                chosen[array] = index
                added.append(array)
            elif seen != index:
                consistent = False
                break
        if consistent and _satisfied(branch, i + 1, fields, chosen):
            return True
        for array in added:
            del chosen[array]
    return False
