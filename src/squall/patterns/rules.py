"""The leaf operators of an event pattern, and :class:`Leaf`: every rule listed for one field.

A field's rules are OR'ed: ``"state": ["running", {"prefix": "stop"}]`` matches either.
Types are never coerced, as in AWS's rule engine (which compares strings with their quotes):
``"5"`` does not match the number ``5``, ``prefix`` and ``suffix`` see strings only, and
``numeric`` sees numbers only (within ±5e9, the range the engine can compare).
``anything-but`` accepts every *present* value that is not excluded, whatever its type.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[Any], bool]

#: AWS's rule engine compares numbers only in [-5e9, 5e9] (six decimal digits of precision).
NUMBER_LIMIT = 5.0e9


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Leaf:
    """The rules of one field. ``accepts(value)`` — does any rule take this (scalar) value;
    ``absent`` — ``{"exists": false}`` was listed, so a field with no value matches too."""

    __slots__ = ("absent", "any_value", "literals", "numbers", "preds", "strings")

    def __init__(self) -> None:
        self.strings: set[str] = set()
        self.numbers: set[int | float] = set()
        self.literals: set[str] = set()  # "true" / "false" / "null" (True == 1 in a set, so by name)
        self.preds: list[Predicate] = []
        self.absent = False
        self.any_value = False  # {"exists": true}

    def accepts(self, value: Any) -> bool:
        if self.any_value:
            return True
        if isinstance(value, str):
            if value in self.strings:
                return True
        elif value is None or isinstance(value, bool):
            if _literal(value) in self.literals:
                return True
        elif value in self.numbers:
            return True
        for pred in self.preds:
            if pred(value):
                return True
        return False


def _literal(value: bool | None) -> str:
    return "null" if value is None else ("true" if value else "false")


def add_literal(leaf: Leaf, value: Any) -> None:
    """An exact value listed for a field: a string, number, true, false or null."""
    if isinstance(value, str):
        leaf.strings.add(value)
    elif value is None or isinstance(value, bool):
        leaf.literals.add(_literal(value))
    else:
        leaf.numbers.add(value)


# ---- string operators -------------------------------------------------------------------
def prefix(text: str, ignore_case: bool = False) -> Predicate:
    if ignore_case:
        folded = text.casefold()
        return lambda v: isinstance(v, str) and v.casefold().startswith(folded)
    return lambda v: isinstance(v, str) and v.startswith(text)


def suffix(text: str, ignore_case: bool = False) -> Predicate:
    if ignore_case:
        folded = text.casefold()
        return lambda v: isinstance(v, str) and v.casefold().endswith(folded)
    return lambda v: isinstance(v, str) and v.endswith(text)


def equals_ignore_case(texts: list[str]) -> Predicate:
    folded = {t.casefold() for t in texts}
    return lambda v: isinstance(v, str) and v.casefold() in folded


def wildcard(text: str) -> Predicate:
    """``*`` matches any run of characters (``\\*`` is a literal star)."""
    regex = wildcard_regex(text)
    return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None


def wildcard_regex(text: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "*\\":
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def check_wildcard(text: str) -> str | None:
    """AWS's reason for refusing a wildcard pattern, or None. Positions count from 1, as AWS's
    do (its engine sees the value after its opening quote)."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                return f"Invalid escape character at pos {i + 1}"
            i += 2
            continue
        if text[i] == "*" and i + 1 < len(text) and text[i + 1] == "*":
            return f"Consecutive wildcard characters at pos {i + 1}"
        i += 1
    return None


def cidr(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Predicate:
    def pred(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return pred


# ---- numbers ----------------------------------------------------------------------------
def numeric(low: float | None, low_open: bool, high: float | None, high_open: bool) -> Predicate:
    def pred(v: Any) -> bool:
        if not is_number(v) or not -NUMBER_LIMIT <= v <= NUMBER_LIMIT:
            return False
        if low is not None and (v <= low if low_open else v < low):
            return False
        return high is None or (v < high if high_open else v <= high)

    return pred


# ---- anything-but -------------------------------------------------------------------------
def anything_but_values(values: list[Any]) -> Predicate:
    """Every value but these (all strings or all numbers, as AWS requires)."""
    excluded = set(values)
    if values and isinstance(values[0], str):
        return lambda v: not (isinstance(v, str) and v in excluded)
    return lambda v: not (is_number(v) and v in excluded)


def anything_but(pred: Predicate) -> Predicate:
    """Every value the operator ``pred`` refuses (``anything-but`` of prefix, suffix, …)."""
    return lambda v: not pred(v)
