"""Check an event pattern and compile it into *branches*: the ways an event can match.

A pattern is a JSON object whose leaves are arrays of rules. Nested objects name nested
fields (``{"detail": {"state": ["on"]}}`` → the field path ``detail.state``); every field
of a branch must match (AND), the rules of one field are OR'ed, and ``"$or": [{…}, {…}]``
forks the branch once per alternative (as AWS's rule engine does), so a compiled pattern is
a list of branches, each a list of ``(path, Leaf)``.

The checks and their messages follow AWS's rule engine (aws/event-ruler, the engine behind
EventBridge and Lambda event filtering), e.g. ``"x" must be an object or an array``,
``Empty arrays are not allowed``, ``Unrecognized match type foo``.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from squall.patterns import rules
from squall.patterns.matcher import Branch, Matcher
from squall.patterns.rules import Leaf, is_number

OR = "$or"
# Operator names cannot be field names inside "$or" (AWS could not tell them apart).
RESERVED_IN_OR = frozenset({"anything-but", "exists", "numeric", "prefix", "suffix", "equals-ignore-case",
                            "cidr", "wildcard"})
_RANGE_LOW = {">": True, ">=": False}
_RANGE_HIGH = {"<": True, "<=": False}


class PatternError(ValueError):
    """An invalid pattern; ``reason`` is AWS's wording (a service adds its own prefix)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def compile_pattern(pattern: dict[str, Any] | str | bytes) -> Matcher:
    """A :class:`Matcher` for ``pattern`` (a JSON text or the parsed object)."""
    doc = _parse(pattern) if isinstance(pattern, (str, bytes, bytearray)) else pattern
    if not isinstance(doc, dict):
        raise PatternError("Filter is not an object")
    drafts = _object(doc, (), [], in_or=False)
    branches: list[Branch] = [tuple(d.items()) for d in drafts]
    return Matcher(doc, branches)


def _parse(text: str | bytes | bytearray) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PatternError(f"Filter is not valid JSON: {exc}") from None


# ---- structure ----------------------------------------------------------------------------
Draft = dict[tuple[str, ...], Leaf]


def _object(obj: dict[str, Any], path: tuple[str, ...], drafts: list[Draft], *, in_or: bool) -> list[Draft]:
    """Add the fields of ``obj`` (at ``path``) to every branch in ``drafts``."""
    if not obj:
        raise PatternError("Empty objects are not allowed")
    for name, value in obj.items():
        if name == OR:
            drafts = _or(value, path, drafts)
            continue
        if in_or and name in RESERVED_IN_OR:
            raise PatternError(f"{name} is Ruler reserved fieldName which cannot be used inside {OR}.")
        if isinstance(value, dict):
            drafts = _object(value, path + (name,), drafts, in_or=in_or)
        elif isinstance(value, list):
            leaf = _leaf(value)
            if not drafts:
                drafts = [{}]
            for draft in drafts:
                draft[path + (name,)] = leaf
        else:
            raise PatternError(f'"{name}" must be an object or an array')
    return drafts


def _or(alternatives: Any, path: tuple[str, ...], drafts: list[Draft]) -> list[Draft]:
    if not isinstance(alternatives, list):
        raise PatternError(f"It must be an Array followed with {OR}.")
    out: list[Draft] = []
    for alternative in alternatives:
        if not isinstance(alternative, dict):
            raise PatternError(f"Only JSON object is allowed in array of {OR} relationship.")
        forked = [dict(d) for d in drafts] or [{}]
        out.extend(_object(alternative, path, forked, in_or=True))
    if len(alternatives) < 2:
        raise PatternError(f"There must have at least 2 Objects in {OR} relationship.")
    return out


# ---- the rules of one field ------------------------------------------------------------------
def _leaf(values: list[Any]) -> Leaf:
    if not values:
        raise PatternError("Empty arrays are not allowed")
    leaf = Leaf()
    for value in values:
        if isinstance(value, dict):
            _expression(leaf, value)
        elif isinstance(value, (str, int, float, bool)) or value is None:
            rules.add_literal(leaf, value)
        else:
            raise PatternError("Match value must be String, number, true, false, or null")
    return leaf


def _expression(leaf: Leaf, expr: dict[str, Any]) -> None:
    """One ``{"operator": argument}`` rule."""
    if not expr:
        raise PatternError("Match expression name not found")
    op, arg = next(iter(expr.items()))
    if len(expr) > 1:
        raise PatternError("Only one key allowed in match expression" if op != "numeric"
                           else "Too many elements in numeric expression")
    if op in ("prefix", "suffix"):
        text, ignore_case = _string_or_ignore_case(op, arg)
        leaf.preds.append((rules.prefix if op == "prefix" else rules.suffix)(text, ignore_case))
    elif op == "equals-ignore-case":
        leaf.preds.append(rules.equals_ignore_case([_string(op, arg)]))
    elif op == "wildcard":
        leaf.preds.append(rules.wildcard(_wildcard(arg)))
    elif op == "numeric":
        leaf.preds.append(_numeric(arg))
    elif op == "anything-but":
        leaf.preds.append(_anything_but(arg))
    elif op == "exists":
        if arg is True:
            leaf.any_value = True
        elif arg is False:
            leaf.absent = True
        else:
            raise PatternError("exists match pattern must be either true or false.")
    elif op == "cidr":
        leaf.preds.append(rules.cidr(_network(arg)))
    else:
        raise PatternError(f"Unrecognized match type {op}")


def _string(op: str, arg: Any) -> str:
    if not isinstance(arg, str):
        raise PatternError(f"{op} match pattern must be a string")
    return arg


def _string_or_ignore_case(op: str, arg: Any) -> tuple[str, bool]:
    """``{"prefix": "us-"}`` or ``{"prefix": {"equals-ignore-case": "US-"}}``."""
    if isinstance(arg, dict):
        if len(arg) != 1 or "equals-ignore-case" not in arg:
            raise PatternError(f"Unsupported {op} pattern: {next(iter(arg), '')}")
        return _string(op, arg["equals-ignore-case"]), True
    return _string(op, arg), False


def _wildcard(arg: Any) -> str:
    text = _string("wildcard", arg)
    problem = rules.check_wildcard(text)
    if problem:
        raise PatternError(problem)
    return text


def _network(arg: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    text = _string("cidr", arg)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise PatternError(f"Nonstandard IP address: {text}") from None


def _number(value: Any, op: str) -> float:
    if not is_number(value):
        raise PatternError(f"Value of {'equals' if op == '=' else op} must be numeric")
    if not -rules.NUMBER_LIMIT <= value <= rules.NUMBER_LIMIT:
        raise PatternError("Value must be between -5.0E9 and 5.0E9, inclusive")
    return float(value)


def _numeric(arg: Any) -> rules.Predicate:
    """``["=", 5]``, ``[">", 0]``, ``[">=", 0, "<", 10]``, ``["<=", 5]``."""
    if not isinstance(arg, list):
        raise PatternError("Value of numeric must be an array.")
    if not arg or not isinstance(arg[0], str):
        raise PatternError(f"Invalid member in numeric match: {arg[0] if arg else ']'}")
    op = arg[0]
    if op not in ("=", ">", ">=", "<", "<="):
        raise PatternError(f"Unrecognized numeric range operator: {op}")
    if len(arg) < 2:
        raise PatternError(f"Value of {'equals' if op == '=' else op} must be numeric")
    value = _number(arg[1], op)
    if op == "=":
        if len(arg) > 2:
            raise PatternError("Too many elements in numeric expression")
        return rules.numeric(value, False, value, False)
    if op in _RANGE_HIGH:
        if len(arg) > 2:
            raise PatternError("Too many elements in numeric expression")
        return rules.numeric(None, False, value, _RANGE_HIGH[op])
    if len(arg) == 2:
        return rules.numeric(value, _RANGE_LOW[op], None, False)
    top_op = arg[2]
    if not isinstance(top_op, str):
        raise PatternError(f"Bad value in numeric range: {top_op}")
    if top_op not in _RANGE_HIGH:
        raise PatternError(f"Bad numeric range operator: {top_op}")
    if len(arg) < 4:
        raise PatternError(f"Value of {top_op} must be numeric")
    top = _number(arg[3], top_op)
    if len(arg) > 4:
        raise PatternError("Too many terms in numeric range expression")
    if top <= value:
        raise PatternError("Bottom must be less than top")
    return rules.numeric(value, _RANGE_LOW[op], top, _RANGE_HIGH[top_op])


def _anything_but(arg: Any) -> rules.Predicate:
    """``"x"``, ``5``, ``["a", "b"]``, ``[1, 2]`` or ``{"prefix"|"suffix"|"equals-ignore-case"|"wildcard": …}``."""
    if isinstance(arg, dict):
        if not arg:
            raise PatternError("Anything-But expression name not found")
        op, value = next(iter(arg.items()))
        if len(arg) > 1:
            raise PatternError("Only one key allowed in match expression")
        if op == "equals-ignore-case":
            texts = value if isinstance(value, list) else [value]
            if not texts or not all(isinstance(t, str) for t in texts):
                raise PatternError("Inside anything-but/equals-ignore-case list, "
                                   "number|start|null|boolean is not supported.")
            return rules.anything_but(rules.equals_ignore_case(texts))
        if op == "wildcard":
            return rules.anything_but(rules.wildcard(_wildcard(value)))
        if op not in ("prefix", "suffix"):
            raise PatternError(f"Unsupported anything-but pattern: {op}")
        if not isinstance(value, str):
            raise PatternError("prefix/suffix match pattern must be a string")
        if not value:
            raise PatternError("Null prefix/suffix not allowed")
        return rules.anything_but((rules.prefix if op == "prefix" else rules.suffix)(value))
    if isinstance(arg, list):
        if any(v is None or isinstance(v, (bool, dict, list)) for v in arg):
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
        strings = sum(isinstance(v, str) for v in arg)
        if not arg or 0 < strings < len(arg):
            raise PatternError("Inside anything but list, either all values are number or string, "
                               "mixed type is not supported")
        if not strings:
            for v in arg:
                _number(v, "anything-but")
        return rules.anything_but_values(arg)
    if isinstance(arg, str) or is_number(arg):
        if is_number(arg):
            _number(arg, "anything-but")
        return rules.anything_but_values([arg])
    raise PatternError("Value of anything-but must be an array or single string/number value.")
