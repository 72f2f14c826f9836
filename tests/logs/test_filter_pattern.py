"""The filter-pattern compiler, in process: terms, phrases, OR / exclusion, regex, JSON and
space-delimited patterns, and the syntax errors that become InvalidParameterException."""

from __future__ import annotations

import pytest

from squall.services.logs.filter_pattern import PatternError, compile_pattern


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern)(message)


@pytest.mark.parametrize("pattern", [None, "", "   "])
def test_empty_pattern_matches_everything(pattern):
    assert compile_pattern(pattern)("anything")


@pytest.mark.parametrize(("pattern", "message", "expected"), [
    ("ERROR", "[ERROR] disk full", True),
    ("ERROR", "error: disk full", False),  # case-sensitive
    ("ERROR disk", "[ERROR] disk full", True),
    ("ERROR memory", "[ERROR] disk full", False),  # every term must appear
    ('"disk full"', "ERROR disk full now", True),
    ('"disk full"', "full disk", False),
    ('"say \\"hi\\""', 'they say "hi"', True),
    ("?ERROR ?WARN", "WARN low memory", True),
    ("?ERROR ?WARN", "INFO fine", False),
    ("-DEBUG", "INFO fine", True),
    ("-DEBUG", "DEBUG noise", False),
    ("ERROR -timeout", "ERROR disk", True),
    ("ERROR -timeout", "ERROR timeout", False),
    ("ERROR ?disk ?memory", "ERROR memory", True),
    ("ERROR ?disk ?memory", "ERROR cpu", False),
    ("%ERR[O0]R%", "an ERR0R here", True),
    ("%^START%", "START RequestId", True),
    ("%^START%", "the START", False),
])
def test_terms(pattern, message, expected):
    assert matches(pattern, message) is expected


@pytest.mark.parametrize(("pattern", "message", "expected"), [
    ('{ $.level = "ERROR" }', '{"level": "ERROR"}', True),
    ('{ $.level = "ERROR" }', '{"level": "INFO"}', False),
    ('{ $.level = "ERROR" }', "ERROR plain text", False),
    ('{ $.level = "ERROR" }', '{"level": "ERROR"', False),  # not JSON
    ("{ $.level = ERROR }", '{"level": "ERROR"}', True),  # unquoted string
    ('{ $.level != "ERROR" }', '{"level": "INFO"}', True),
    ('{ $.level != "ERROR" }', "{}", False),  # a missing field compares false
    ('{ $.msg = "time*" }', '{"msg": "timeout after 3s"}', True),
    ('{ $.msg = "time*" }', '{"msg": "a timeout"}', False),
    ("{ $.msg = %out after% }", '{"msg": "timeout after 3s"}', True),
    ("{ $.latency > 100 }", '{"latency": 101}', True),
    ("{ $.latency > 100 }", '{"latency": 100}', False),
    ("{ $.latency >= 100 }", '{"latency": 100.0}', True),
    ("{ $.latency < 1e3 }", '{"latency": 999}', True),
    ("{ $.latency <= -1 }", '{"latency": -2}', True),
    ("{ $.latency = 5 }", '{"latency": "five"}', False),
    ("{ $.latency > 100 }", '{"latency": true}', False),  # booleans are not numbers
    ('{ $.user.name = "ann" }', '{"user": {"name": "ann"}}', True),
    ("{ $.items[1].id = 7 }", '{"items": [{"id": 1}, {"id": 7}]}', True),
    ("{ $.items[5].id = 7 }", '{"items": [{"id": 1}]}', False),
    ('{ $.level = "ERROR" && $.latency > 100 }', '{"level": "ERROR", "latency": 150}', True),
    ('{ $.level = "ERROR" && $.latency > 100 }', '{"level": "ERROR", "latency": 50}', False),
    ('{ $.level = "ERROR" || $.latency > 100 }', '{"level": "INFO", "latency": 150}', True),
    ('{ ($.a = 1 || $.b = 2) && $.c = 3 }', '{"b": 2, "c": 3}', True),
    ('{ ($.a = 1 || $.b = 2) && $.c = 3 }', '{"b": 2, "c": 4}', False),
    ("{ $.ok IS TRUE }", '{"ok": true}', True),
    ("{ $.ok IS FALSE }", '{"ok": true}', False),
    ("{ $.gone IS NULL }", '{"gone": null}', True),
    ("{ $.gone NOT EXISTS }", '{"other": 1}', True),
    ("{ $.gone NOT EXISTS }", '{"gone": 1}', False),
])
def test_json(pattern, message, expected):
    assert matches(pattern, message) is expected


APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534'


@pytest.mark.parametrize(("pattern", "message", "expected"), [
    ("[ip, user, username, timestamp, request, status_code, bytes]", APACHE, True),
    ("[ip, user, username, timestamp, request, status_code=4*, bytes>1000]", APACHE, True),
    ("[ip, user, username, timestamp, request, status_code=5*, bytes]", APACHE, False),
    ("[ip, user, username, timestamp, request=*gif*, ...]", APACHE, True),
    ('[ip, ..., status_code="404", bytes]', APACHE, True),
    ("[ip, ..., status_code=4* || status_code=5*, bytes<1000]", APACHE, False),
    ("[ip, user]", APACHE, False),  # field counts must agree without "..."
    ("[level=ERROR, ...]", "ERROR disk full", True),
    ("[level=ERROR, ...]", "INFO disk full", False),
    ("[..., last=full]", "ERROR disk full", True),
])
def test_space_delimited(pattern, message, expected):
    assert matches(pattern, message) is expected


@pytest.mark.parametrize("pattern", [
    '{ $.level = "ERROR"', "{ $.level = }", "{ level = 1 }", '{ $.level > "x" }', "{ $.a = 1 && }",
    "{ ($.a = 1 }", "{ $.a IS MAYBE }", '"unterminated', "%bad(group)%", "[a, , b]", "[a",
])
def test_syntax_errors(pattern):
    with pytest.raises(PatternError):
        compile_pattern(pattern)
