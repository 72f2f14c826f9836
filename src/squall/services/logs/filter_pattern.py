"""CloudWatch Logs filter patterns, compiled once into a predicate over a message.

The syntax (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html)
has four forms, told apart by the pattern's first character:

* **terms** (unstructured): ``ERROR Exception`` — every term must appear (case-sensitive);
  ``"ERROR 404"`` — a quoted phrase is one term; ``?ERROR ?WARN`` — at least one of the
  ``?`` terms; ``-DEBUG`` — the term must not appear. A ``%regex%`` term is a regular
  expression (AWS's subset: no groups). An empty pattern matches everything.
* **JSON** ``{ $.level = "ERROR" && ($.latency > 100 || $.retry IS TRUE) }``: the message
  must be a JSON document; selectors ``$.a.b[0].c``; ``=``/``!=`` for strings (``*`` is a
  wildcard, ``%regex%`` allowed), ``= != < <= > >=`` for numbers, ``IS TRUE|FALSE|NULL``,
  ``NOT EXISTS``; ``&&``, ``||`` and parentheses.
* **space-delimited** ``[ip, user, ..., status=4*, bytes>1000]``: the message is split on
  spaces (text in ``"…"`` or ``[…]`` is one field, without its quotes/brackets); each
  pattern field names one message field and may test it like a JSON comparison (several
  tests joined by ``&&``/``||``); ``...`` stands for any number of fields; without it the
  field counts must agree.

A malformed pattern raises :class:`PatternError` (the operation answers InvalidParameterException).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[str], bool]

__all__ = ["Matcher", "PatternError", "compile_pattern"]


class PatternError(ValueError):
    """The pattern is not valid filter-pattern syntax."""


def compile_pattern(text: str | None) -> Matcher:
    pattern = (text or "").strip()
    if not pattern:
        return lambda message: True
    if pattern.startswith("{"):
        if not pattern.endswith("}"):
            raise PatternError("a JSON filter pattern must end with '}'")
        return _json_matcher(_Parser(_tokens(pattern[1:-1])).expression_only())
    if pattern.startswith("["):
        if not pattern.endswith("]"):
            raise PatternError("a space-delimited filter pattern must end with ']'")
        return _delimited_matcher(pattern[1:-1])
    return _terms_matcher(pattern)


# ---- regular expressions (%...%) ------------------------------------------------------------
def _regex(body: str) -> re.Pattern[str]:
    if "(" in body or ")" in body:
        raise PatternError("parentheses are not supported in filter pattern regular expressions")
    try:
        return re.compile(body)
    except re.error as exc:
        raise PatternError(f"invalid regular expression: {exc}") from None


# ---- terms ------------------------------------------------------------------------------------
def _terms_matcher(pattern: str) -> Matcher:
    required: list[Matcher] = []
    excluded: list[Matcher] = []
    optional: list[Matcher] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i].isspace():
            i += 1
            continue
        bucket = required
        if pattern[i] in "?-" and i + 1 < n and not pattern[i + 1].isspace():
            bucket = optional if pattern[i] == "?" else excluded
            i += 1
        if pattern[i] == '"':
            text, i = _quoted(pattern, i)
            bucket.append(_contains(text))
        elif pattern[i] == "%" and pattern.find("%", i + 1) > i:
            end = pattern.index("%", i + 1)
            bucket.append(_regex(pattern[i + 1:end]).search)  # type: ignore[arg-type]
            i = end + 1
        else:
            start = i
            while i < n and not pattern[i].isspace():
                i += 1
            bucket.append(_contains(pattern[start:i]))

    def match(message: str) -> bool:
        return (all(m(message) for m in required) and not any(m(message) for m in excluded)
                and (not optional or any(m(message) for m in optional)))

    return match


def _contains(term: str) -> Matcher:
    return lambda message: term in message


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The string quoted at ``text[i]`` (backslash escapes ``\\"`` and ``\\\\``) and the index after it."""
    out: list[str] = []
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise PatternError("unterminated quoted string in filter pattern")


# ---- comparisons shared by the JSON and space-delimited forms ------------------------------------
_TOKEN = re.compile(r"""\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\)|,)|(?P<str>")|(?P<re>%)|(?P<word>[^\s=!<>()&|,"%]+))""")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_MISSING = object()


def _tokens(text: str) -> list[tuple[str, Any]]:
    """(kind, value) pairs: ``op``, ``str`` (quoted), ``re`` (compiled), ``word``."""
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            if text[i:].strip():
                raise PatternError(f"unexpected character {text[i]!r} in filter pattern")
            break
        if m.group("op"):
            out.append(("op", m.group("op")))
            i = m.end()
        elif m.group("str"):
            value, i = _quoted(text, m.start("str"))
            out.append(("str", value))
        elif m.group("re"):
            end = text.find("%", m.end())
            if end < 0:
                raise PatternError("unterminated %regex% in filter pattern")
            out.append(("re", _regex(text[m.end():end])))
            i = end + 1
        elif m.group("word"):
            out.append(("word", m.group("word")))
            i = m.end()
        else:
            break
    return out


def _wildcard(value: str) -> Callable[[str], bool]:
    if "*" not in value:
        return lambda s: s == value
    rx = re.compile("".join(".*" if c == "*" else re.escape(c) for c in value), re.DOTALL)
    return lambda s: rx.fullmatch(s) is not None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _comparison(get: Callable[[Any], Any], op: str, kind: str, raw: Any) -> Callable[[Any], bool]:
    """A test of the value ``get(doc)`` against a pattern literal. ``doc`` is the parsed JSON
    (JSON form) or the field map (space-delimited form), where every value is a string and
    numeric tests convert it."""
    if kind == "re":
        rx: re.Pattern[str] = raw
        if op not in ("=", "!="):
            raise PatternError(f"operator {op} cannot be used with a regular expression")
        want = op == "="
        return lambda doc: isinstance(v := get(doc), str) and (rx.search(v) is not None) == want
    if kind == "word" and _NUMBER.fullmatch(raw):
        number = float(raw)
        cmp = _NUMERIC_OPS[op]

        def numeric(doc: Any) -> bool:
            v = get(doc)
            if isinstance(v, str) and _NUMBER.fullmatch(v):
                v = float(v)
            return _is_number(v) and cmp(v, number)

        return numeric
    if op not in ("=", "!="):
        raise PatternError(f"operator {op} needs a numeric value")
    test = _wildcard(raw)
    want = op == "="
    return lambda doc: isinstance(v := get(doc), str) and test(v) == want


_NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class _Parser:
    """Recursive descent over ``_tokens``: ``or := and ('||' and)*``, ``and := unit ('&&' unit)*``,
    ``unit := '(' or ')' | selector test``. ``selector`` resolves a name to a value getter."""

    def __init__(self, tokens: list[tuple[str, Any]], selector: Callable[[str], Callable[[Any], Any]] | None = None):
        self.tokens = tokens
        self.i = 0
        self.selector = selector or _json_selector

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            raise PatternError("filter pattern ends too early")
        self.i += 1
        return tok

    def expression_only(self) -> Callable[[Any], bool]:
        expr = self.expression()
        if self.peek() is not None:
            raise PatternError(f"unexpected {self.peek()[1]!r} in filter pattern")  # type: ignore[index]
        return expr

    def expression(self) -> Callable[[Any], bool]:
        parts = [self.conjunction()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def conjunction(self) -> Callable[[Any], bool]:
        parts = [self.unit()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.unit())
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def unit(self) -> Callable[[Any], bool]:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.expression()
            if self.take() != ("op", ")"):
                raise PatternError("missing ')' in filter pattern")
            return inner
        if kind != "word":
            raise PatternError(f"expected a field selector, found {value!r}")
        get = self.selector(value)
        kind, op = self.take()
        if kind == "word" and op.upper() in ("IS", "NOT"):
            return self._keyword(get, op.upper())
        if kind != "op" or op not in _NUMERIC_OPS:
            raise PatternError(f"expected a comparison operator after {value!r}")
        kind, literal = self.take()
        if kind == "op":
            raise PatternError(f"expected a value after {op!r}")
        return _comparison(get, op, kind, literal)

    def _keyword(self, get: Callable[[Any], Any], first: str) -> Callable[[Any], bool]:
        _, word = self.take()
        word = str(word).upper()
        if first == "NOT" and word == "EXISTS":
            return lambda doc: get(doc) is _MISSING
        if first == "IS" and word in ("TRUE", "FALSE"):
            want = word == "TRUE"
            return lambda doc: get(doc) is want
        if first == "IS" and word == "NULL":
            return lambda doc: get(doc) is None
        raise PatternError(f"unknown test {first} {word}")


_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _json_selector(text: str) -> Callable[[Any], Any]:
    """``$.a.b[0].c`` → a getter returning the value or ``_MISSING``."""
    if not text.startswith("$"):
        raise PatternError(f"a JSON selector starts with '$': {text!r}")
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None:
            raise PatternError(f"invalid JSON selector {text!r}")
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()

    def get(doc: Any) -> Any:
        for step in steps:
            if isinstance(step, int):
                if not isinstance(doc, list) or step >= len(doc):
                    return _MISSING
            elif not isinstance(doc, dict) or step not in doc:
                return _MISSING
            doc = doc[step]
        return doc

    return get


def _json_matcher(test: Callable[[Any], bool]) -> Matcher:
    def match(message: str) -> bool:
        text = message.strip()
        if not text.startswith(("{", "[")):
            return False
        try:
            doc = json.loads(text)
        except ValueError:
            return False
        return test(doc)

    return match


# ---- space-delimited ----------------------------------------------------------------------------
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')


def _split_message(message: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
            for m in _FIELD.finditer(message)]


def _split_fields(body: str) -> list[str]:
    """The pattern's comma-separated fields (commas inside quotes or %regex% do not split)."""
    fields, current, quote = [], [], ""
    for c in body:
        if quote:
            current.append(c)
            if c == quote:
                quote = ""
        elif c in "\"%":
            quote = c
            current.append(c)
        elif c == ",":
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    fields.append("".join(current).strip())
    if any(not f for f in fields) and body.strip():
        raise PatternError("empty field in space-delimited filter pattern")
    return [f for f in fields if f]


def _delimited_matcher(body: str) -> Matcher:
    # each element: None for "...", else (name, test over the field map or None)
    elements: list[tuple[str, Callable[[Any], bool] | None] | None] = []
    for spec in _split_fields(body):
        if spec == "...":
            elements.append(None)
            continue
        tokens = _tokens(spec)
        if not tokens or tokens[0][0] != "word":
            raise PatternError(f"invalid field {spec!r} in space-delimited filter pattern")
        name = tokens[0][1]
        test = None
        if len(tokens) > 1:
            test = _Parser(tokens, selector=lambda n: (lambda fields, n=n: fields.get(n, _MISSING))).expression_only()
        elements.append((name, test))

    def fits(k: int, parts: list[str], j: int, named: dict[str, str]) -> bool:
        if k == len(elements):
            return j == len(parts)
        element = elements[k]
        if element is None:
            return any(fits(k + 1, parts, jj, named) for jj in range(j, len(parts) + 1))
        if j >= len(parts):
            return False
        name, test = element
        named = {**named, name: parts[j]}
        return (test is None or test(named)) and fits(k + 1, parts, j + 1, named)

    return lambda message: fits(0, _split_message(message), 0, {})
