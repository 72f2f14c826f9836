"""The event-pattern matcher, in process: operators, nesting, arrays, $or and AWS's validation errors.

Cases follow the operator tables of
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html.
"""

from __future__ import annotations

import json

import pytest

from squall.patterns import Matcher, PatternError, compile_pattern

EVENT = {
    "source": "aws.ec2",
    "detail-type": "EC2 Instance State-change Notification",
    "detail": {
        "state": "running",
        "instance-id": "i-1234",
        "count": 5,
        "price": 10.5,
        "enabled": True,
        "missing-value": None,
        "empty": "",
        "tags": ["prod", "web"],
        "region": "us-east-1",
        "file": "photo.PNG",
        "ip": "10.0.0.12",
        "nested": {"a": {"b": "deep"}},
    },
}

MATCHES = [
    # exact values
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"source": ["aws.s3", "aws.ec2"]}, True),  # values of one field are OR'ed
    ({"source": ["aws.ec2"], "detail-type": ["x"]}, False),  # fields are AND'ed
    ({"detail": {"state": ["running"]}}, True),
    ({"detail": {"state": ["RUNNING"]}}, False),  # case-sensitive
    ({"detail": {"count": [5]}}, True),
    ({"detail": {"count": [5.0]}}, True),  # numbers compare as numbers
    ({"detail": {"count": ["5"]}}, False),  # no type coercion
    ({"detail": {"state": [5]}}, False),
    ({"detail": {"enabled": [True]}}, True),
    ({"detail": {"enabled": [1]}}, False),  # true is not 1
    ({"detail": {"enabled": ["true"]}}, False),
    ({"detail": {"missing-value": [None]}}, True),  # null matches null
    ({"detail": {"does-not-exist": [None]}}, False),  # … not a missing field
    ({"detail": {"empty": [""]}}, True),  # empty string
    ({"detail": {"state": [""]}}, False),
    ({"detail": {"nested": {"a": {"b": ["deep"]}}}}, True),
    ({"detail": {"nested": {"a": {"b": ["shallow"]}}}}, False),
    ({"detail": {"nested": ["deep"]}}, False),  # an object is not a value
    # arrays in the event: any element
    ({"detail": {"tags": ["web"]}}, True),
    ({"detail": {"tags": ["db"]}}, False),
    ({"detail": {"tags": [{"prefix": "pr"}]}}, True),
    # prefix / suffix / equals-ignore-case
    ({"detail": {"region": [{"prefix": "us-"}]}}, True),
    ({"detail": {"region": [{"prefix": "eu-"}]}}, False),
    ({"detail": {"region": [{"prefix": ""}]}}, True),
    ({"detail": {"count": [{"prefix": "5"}]}}, False),  # strings only
    ({"detail": {"region": [{"prefix": {"equals-ignore-case": "US-"}}]}}, True),
    ({"detail": {"file": [{"suffix": ".PNG"}]}}, True),
    ({"detail": {"file": [{"suffix": ".png"}]}}, False),
    ({"detail": {"file": [{"suffix": {"equals-ignore-case": ".png"}}]}}, True),
    ({"detail": {"state": [{"equals-ignore-case": "RUNNING"}]}}, True),
    ({"detail": {"state": [{"equals-ignore-case": "stopped"}]}}, False),
    # anything-but
    ({"detail": {"state": [{"anything-but": "stopped"}]}}, True),
    ({"detail": {"state": [{"anything-but": "running"}]}}, False),
    ({"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}, False),
    ({"detail": {"count": [{"anything-but": [1, 2]}]}}, True),
    ({"detail": {"count": [{"anything-but": [5]}]}}, False),
    ({"detail": {"count": [{"anything-but": "5"}]}}, True),  # the number 5 is not the string "5"
    ({"detail": {"does-not-exist": [{"anything-but": "x"}]}}, False),  # needs a value
    ({"detail": {"region": [{"anything-but": {"prefix": "eu-"}}]}}, True),
    ({"detail": {"region": [{"anything-but": {"prefix": "us-"}}]}}, False),
    ({"detail": {"file": [{"anything-but": {"suffix": ".PNG"}}]}}, False),
    ({"detail": {"file": [{"anything-but": {"suffix": ".jpg"}}]}}, True),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["RUNNING", "x"]}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": "stopped"}}]}}, True),
    ({"detail": {"tags": [{"anything-but": "prod"}]}}, True),  # "web" is not "prod"
    ({"detail": {"tags": [{"anything-but": ["prod", "web"]}]}}, False),
    # numeric
    ({"detail": {"count": [{"numeric": ["=", 5]}]}}, True),
    ({"detail": {"count": [{"numeric": ["=", 6]}]}}, False),
    ({"detail": {"count": [{"numeric": [">", 4]}]}}, True),
    ({"detail": {"count": [{"numeric": [">", 5]}]}}, False),
    ({"detail": {"count": [{"numeric": [">=", 5]}]}}, True),
    ({"detail": {"count": [{"numeric": ["<", 5]}]}}, False),
    ({"detail": {"count": [{"numeric": ["<=", 5]}]}}, True),
    ({"detail": {"price": [{"numeric": [">", 10, "<=", 20]}]}}, True),
    ({"detail": {"price": [{"numeric": [">", 10.5, "<", 20]}]}}, False),
    ({"detail": {"price": [{"numeric": [">=", 10.5, "<", 20]}]}}, True),
    ({"detail": {"price": [{"numeric": [">=", 0, "<", 10]}]}}, False),
    ({"detail": {"state": [{"numeric": [">", 0]}]}}, False),  # numbers only
    ({"detail": {"enabled": [{"numeric": [">", 0]}]}}, False),  # a boolean is not a number
    # exists
    ({"detail": {"state": [{"exists": True}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail": {"does-not-exist": [{"exists": False}]}}, True),
    ({"detail": {"does-not-exist": [{"exists": True}]}}, False),
    ({"detail": {"missing-value": [{"exists": True}]}}, True),  # null is a value
    ({"detail": {"nested": [{"exists": True}]}}, False),  # exists looks at leaves only
    ({"nope": {"deeper": [{"exists": False}]}}, True),  # a missing parent: the leaf is absent
    ({"detail": {"state": ["stopped", {"exists": False}]}}, False),
    ({"detail": {"gone": ["stopped", {"exists": False}]}}, True),
    # cidr and wildcard (EventBridge)
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.0.1.0/24"}]}}, False),
    ({"detail": {"instance-id": [{"wildcard": "i-*"}]}}, True),
    ({"detail": {"instance-id": [{"wildcard": "i-*5"}]}}, False),
    ({"detail": {"file": [{"anything-but": {"wildcard": "*.jpg"}}]}}, True),
    ({"detail": {"file": [{"wildcard": "photo\\*"}]}}, False),  # an escaped star is a star
    # $or
    ({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["running"]}}]}, True),
    ({"$or": [{"source": ["aws.s3"]}, {"detail": {"state": ["stopped"]}}]}, False),
    ({"source": ["aws.ec2"], "$or": [{"detail": {"count": [1]}}, {"detail": {"count": [5]}}]}, True),
    ({"source": ["aws.s3"], "$or": [{"detail": {"count": [1]}}, {"detail": {"count": [5]}}]}, False),
    ({"detail": {"$or": [{"count": [{"numeric": [">", 10]}]}, {"price": [{"numeric": ["<", 11]}]}]}}, True),
    ({"detail": {"$or": [{"count": [{"numeric": [">", 10]}]},
                         {"$or": [{"state": ["x"]}, {"region": ["us-east-1"]}]}]}}, True),
]


@pytest.mark.parametrize(("pattern", "expected"), MATCHES, ids=[json.dumps(p)[:80] for p, _ in MATCHES])
def test_matches(pattern: dict, expected: bool) -> None:
    assert compile_pattern(pattern).matches(EVENT) is expected
    assert compile_pattern(json.dumps(pattern)).matches(EVENT) is expected  # the JSON text form too


def test_array_elements_must_agree() -> None:
    """Values satisfying one pattern must come from the same element of an array they share."""
    m = compile_pattern({"items": {"sku": ["a"], "qty": [1]}})
    assert not m.matches({"items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]})
    assert m.matches({"items": [{"sku": "b", "qty": 2}, {"sku": "a", "qty": 1}]})
    # different arrays need not agree
    m2 = compile_pattern({"a": {"x": [1]}, "b": {"y": [2]}})
    assert m2.matches({"a": [{"x": 0}, {"x": 1}], "b": [{"y": 2}, {"y": 3}]})


def test_nested_arrays_and_absence_across_elements() -> None:
    assert compile_pattern({"m": [3]}).matches({"m": [[1, 2], [3]]})
    assert compile_pattern({"a": {"b": [{"exists": False}]}}).matches({"a": []})
    # exists:false needs the field to be absent from every element
    assert not compile_pattern({"a": {"b": [{"exists": False}]}}).matches({"a": [{"b": 1}, {"c": 2}]})
    assert not compile_pattern({"a": [{"exists": True}]}).matches({"a": []})


def test_lambda_sqs_body_examples() -> None:
    """The examples of the SQS filtering page."""
    body = {"RecordNumber": 1234, "TimeStamp": "yyyy-mm-ddThh:mm:ss", "RequestCode": "AAAA"}
    record = {"messageId": "059f36b4", "body": body, "eventSource": "aws:sqs"}
    assert not compile_pattern('{ "body" : { "RequestCode" : [ "BBBB" ] } }').matches(record)
    assert compile_pattern('{ "body" : { "RequestCode" : [ "AAAA" ] } }').matches(record)
    assert not compile_pattern('{ "body" : { "RecordNumber" : [ { "numeric": [ ">", 9999 ] } ] } }').matches(record)
    assert compile_pattern('{ "body" : { "RecordNumber" : [ { "numeric": [ ">", 999 ] } ] } }').matches(record)
    # a plain-string body matches plain-string patterns, never nested ones
    plain = {"body": "Result: ok"}
    assert compile_pattern({"body": [{"prefix": "Result: "}]}).matches(plain)
    assert not compile_pattern({"body": {"RequestCode": ["AAAA"]}}).matches(plain)
    assert not compile_pattern({"body": [{"prefix": "Result"}]}).matches(record)


def test_large_integers_and_precision() -> None:
    # account ids are beyond the numeric range but still match exactly
    assert compile_pattern({"account": [123456789012]}).matches({"account": 123456789012})
    assert not compile_pattern({"account": [123456789012]}).matches({"account": 123456789013})
    assert not compile_pattern({"n": [{"numeric": [">", 0]}]}).matches({"n": 6e9})  # outside ±5e9
    assert compile_pattern({"n": [{"numeric": ["=", 0.3]}]}).matches({"n": 0.3})


def test_events_that_are_not_objects() -> None:
    m = compile_pattern({"a": [{"exists": False}]})
    assert m.matches([]) and m.matches("text") and m.matches(None)
    assert not compile_pattern({"a": [1]}).matches([{"a": 1}])


def test_matcher_is_reusable_and_introspectable() -> None:
    m = compile_pattern({"a": ["x"]})
    assert isinstance(m, Matcher)
    assert m.pattern == {"a": ["x"]}
    assert [m.matches({"a": v}) for v in ("x", "y", "x")] == [True, False, True]


MIXED = "Inside anything but list, either all values are number or string, mixed type is not supported"
INVALID = [
    ("[]", "Filter is not an object"),
    ('"text"', "Filter is not an object"),
    ("{not json", "Filter is not valid JSON"),
    ({}, "Empty objects are not allowed"),
    ({"a": {}}, "Empty objects are not allowed"),
    ({"a": "x"}, '"a" must be an object or an array'),
    ({"a": 5}, '"a" must be an object or an array'),
    ({"a": []}, "Empty arrays are not allowed"),
    ({"a": [["x"]]}, "Match value must be String, number, true, false, or null"),
    ({"a": [{}]}, "Match expression name not found"),
    ({"a": [{"foo": 1}]}, "Unrecognized match type foo"),
    ({"a": [{"prefix": 1}]}, "prefix match pattern must be a string"),
    ({"a": [{"suffix": None}]}, "suffix match pattern must be a string"),
    ({"a": [{"prefix": "x", "suffix": "y"}]}, "Only one key allowed in match expression"),
    ({"a": [{"equals-ignore-case": 5}]}, "equals-ignore-case match pattern must be a string"),
    ({"a": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
    ({"a": [{"numeric": 5}]}, "Value of numeric must be an array."),
    ({"a": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
    ({"a": [{"numeric": [5]}]}, "Invalid member in numeric match: 5"),
    ({"a": [{"numeric": ["!=", 5]}]}, "Unrecognized numeric range operator: !="),
    ({"a": [{"numeric": ["=", "5"]}]}, "Value of equals must be numeric"),
    ({"a": [{"numeric": [">", "x"]}]}, "Value of > must be numeric"),
    ({"a": [{"numeric": ["=", 5, ">", 1]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": ["<", 5, ">", 1]}]}, "Too many elements in numeric expression"),
    ({"a": [{"numeric": [">", 5, ">", 1]}]}, "Bad numeric range operator: >"),
    ({"a": [{"numeric": [">", 0, "<", "x"]}]}, "Value of < must be numeric"),
    ({"a": [{"numeric": [">", 0, "<", 5, 6]}]}, "Too many terms in numeric range expression"),
    ({"a": [{"numeric": [">", 6e9]}]}, "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ({"a": [{"anything-but": None}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": True}]}, "Value of anything-but must be an array or single string/number value."),
    ({"a": [{"anything-but": ["x", 1]}]}, MIXED),
    ({"a": [{"anything-but": []}]}, MIXED),
    ({"a": [{"anything-but": [None]}]}, "Inside anything but list, start|null|boolean is not supported."),
    ({"a": [{"anything-but": {"contains": "x"}}]}, "Unsupported anything-but pattern: contains"),
    ({"a": [{"anything-but": {"prefix": 1}}]}, "prefix/suffix match pattern must be a string"),
    ({"a": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
    ({"a": [{"wildcard": "abc**def"}]}, "Consecutive wildcard characters at pos 4"),
    ({"a": [{"wildcard": "a*c\\def"}]}, "Invalid escape character at pos 4"),
    ({"$or": {"a": ["x"]}}, "It must be an Array followed with $or."),
    ({"$or": [{"a": ["x"]}]}, "There must have at least 2 Objects in $or relationship."),
    ({"$or": [{"a": ["x"]}, "b"]}, "Only JSON object is allowed in array of $or relationship."),
    ({"$or": [{"a": ["x"]}, {"prefix": ["b"]}]}, "prefix is Ruler reserved fieldName which cannot be used inside $or."),
]


@pytest.mark.parametrize(("pattern", "reason"), INVALID, ids=[str(r) for _, r in INVALID])
def test_invalid_patterns(pattern: dict | str, reason: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert str(info.value).startswith(reason)
    assert info.value.reason == str(info.value)
    assert isinstance(info.value, ValueError)


def test_reserved_names_are_fine_outside_or() -> None:
    assert compile_pattern({"prefix": ["x"]}).matches({"prefix": "x"})
