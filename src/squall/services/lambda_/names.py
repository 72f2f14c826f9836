"""How Lambda reads a ``FunctionName``: a name, a partial ARN or a full ARN, each optionally
followed by ``:QUALIFIER`` (a version number, ``$LATEST`` or an alias name).

https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_RequestSyntax
lists the forms; the error for each misuse (wrong region, another account, a qualifier in
both the name and the ``Qualifier`` member that disagree, …) follows AWS's recorded answers.
Parsing runs on every invoke, so successful parses are memoized.
"""

from __future__ import annotations

import re

from squall.services.lambda_.errors import (
    AccessDenied,
    InvalidParameterValue,
    ResourceNotFound,
    constraint,
    validation,
)

PARTITION = "aws"
LATEST = "$LATEST"

# A name, partial ARN or ARN (what AWS's pattern for NamespacedFunctionName accepts), in groups.
_LOCATOR = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?"
    r"(?P<name>[a-zA-Z0-9_.-]+)(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?")
# The patterns AWS prints in its validation messages.
NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
CREATE_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
                       r"(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?")
_QUALIFIER = re.compile(r"\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9_$-]+")
QUALIFIER_PATTERN = r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"
_VERSION = re.compile(r"[0-9]+")
ALIAS = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]+")
ALIAS_PATTERN = r"(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
_FULL_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[^:]+):(?P<account>\d{12}):function:"
                       r"(?P<name>[a-zA-Z0-9_.-]+)(?::(?P<qualifier>[^:]+))?")

_MEMO: dict[tuple[str, str | None, str, str, bool], tuple[str, str, str, str | None]] = {}


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:{PARTITION}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def layer_arn(region: str, account: str, layer: str, version: int | None = None) -> str:
    arn = f"arn:{PARTITION}:lambda:{region}:{account}:layer:{layer}"
    return f"{arn}:{version}" if version is not None else arn


def esm_arn(region: str, account: str, uuid: str) -> str:
    return f"arn:{PARTITION}:lambda:{region}:{account}:event-source-mapping:{uuid}"


def is_version(qualifier: str) -> bool:
    return bool(_VERSION.fullmatch(qualifier))


def is_alias(qualifier: str) -> bool:
    return bool(ALIAS.fullmatch(qualifier))


def locate(function_name: str, qualifier: str | None, account: str, region: str, *,
           creating: bool = False) -> tuple[str, str, str, str | None]:
    """``(account, region, name, qualifier)`` that a FunctionName (+ Qualifier) member names,
    as seen by a caller in ``account`` / ``region``; raises Lambda's error otherwise."""
    memo_key = (function_name, qualifier, account, region, creating)
    found = _MEMO.get(memo_key)
    if found is not None:
        return found
    found = _locate(function_name, qualifier, account, region, creating)
    if len(_MEMO) > 20_000:
        _MEMO.clear()
    _MEMO[memo_key] = found
    return found


def _locate(text: str, qualifier: str | None, account: str, region: str,
            creating: bool) -> tuple[str, str, str, str | None]:
    m = _LOCATOR.fullmatch(text or "")
    pattern = CREATE_NAME_PATTERN if creating else NAME_PATTERN
    if m is None or (creating and "." in m["name"]):
        raise validation(constraint(text, "functionName",
                                    f"Member must satisfy regular expression pattern: {pattern}"))
    if m["account"] and m["account"] != account:
        raise AccessDenied(f"User: arn:{PARTITION}:iam::{account}:root is not authorized to perform this "
                           f"action on resource: {text} because no resource-based policy allows it")
    if m["region"] and m["region"] != region:
        raise ResourceNotFound(f"Functions from '{m['region']}' are not reachable in this region ('{region}')")
    plain = m["name"] == text
    limit = 64 if plain else (140 if creating else 170)
    if len(text) > limit:
        problem = constraint(text, "functionName", f"Member must have length less than or equal to {limit}")
        if creating and plain:  # AWS answers this one case as InvalidParameterValueException
            raise InvalidParameterValue(f"1 validation error detected: {problem}")
        raise validation(problem)
    if qualifier is not None:
        problems = []
        if len(qualifier) > 128:
            problems.append(constraint(qualifier, "qualifier", "Member must have length less than or equal to 128"))
        if not _QUALIFIER.fullmatch(qualifier):
            problems.append(constraint(qualifier, "qualifier",
                                       f"Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}"))
        if problems:
            raise validation(*problems)
        if m["qualifier"] and m["qualifier"] != qualifier:
            raise InvalidParameterValue(
                "The derived qualifier from the function name does not match the specified qualifier.")
    return account, region, m["name"], qualifier or m["qualifier"]


def parse_function_arn(arn: str) -> tuple[str, str, str, str | None] | None:
    """``(account, region, name, qualifier)`` of a full function ARN (background callers), or None."""
    m = _FULL_ARN.fullmatch(arn or "")
    if m is None:
        return None
    return m["account"], m["region"], m["name"], m["qualifier"]


def unqualified(name: str, qualifier: str | None) -> None:
    """Operations on the function as a whole refuse a qualified name (PutFunctionConcurrency…)."""
    if qualifier:
        raise InvalidParameterValue(
            "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
            "operation. Please specify either a function name or an unqualified function ARN.")
