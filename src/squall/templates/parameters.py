"""Template parameters: the values a stack is created with, checked as CloudFormation checks them.

Values are what ``Ref`` yields: a string for String/Number/SSM/AWS-specific types (CloudFormation
passes numbers to resources as strings), a list of strings for ``List<…>`` and
``CommaDelimitedList`` (whose members are space-trimmed). Constraints and their messages follow
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html —
a ConstraintDescription, when set, replaces the constraint's own wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from squall.templates.errors import TemplateError

#: the parameter types whose value is a list
_LIST_TYPES = ("CommaDelimitedList", "List<")
_SSM_VALUE = re.compile(r"^AWS::SSM::Parameter::Value<(.+)>$")
#: AWS-specific types (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html)
_AWS_TYPE = re.compile(r"^AWS::[A-Za-z0-9]+::[A-Za-z0-9:]+$")


def noecho_names(template: dict[str, Any]) -> set[str]:
    """The parameters declared ``NoEcho: true`` (their values are shown as ``****``)."""
    return {name for name, decl in _declarations(template).items()
            if str(decl.get("NoEcho", "false")).lower() == "true"}


def is_list_type(type_name: str) -> bool:
    ssm = _SSM_VALUE.match(type_name)
    inner = ssm.group(1) if ssm else type_name
    return inner.startswith(_LIST_TYPES)


def check_type(name: str, decl: Any) -> str:
    """The declared type of parameter ``name`` (TemplateError when missing or unknown)."""
    if not isinstance(decl, dict):
        raise TemplateError("Template format error: Every Parameters member must be an object.")
    type_name = decl.get("Type")
    if not isinstance(type_name, str):
        raise TemplateError("Template format error: Every Parameters object must contain a Type member.")
    ssm = _SSM_VALUE.match(type_name)
    inner = ssm.group(1) if ssm else type_name
    if inner.startswith("List<") and inner.endswith(">"):
        inner = inner[5:-1]
    if inner in ("String", "Number", "CommaDelimitedList") or _AWS_TYPE.match(inner) \
            or type_name == "AWS::SSM::Parameter::Name":
        return type_name
    raise TemplateError(f"Template format error: Unrecognized parameter type: {type_name}")


def as_text(value: Any) -> str:
    """A template scalar as CloudFormation's string (``true``, ``5``, ``1.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    return str(value)


def parameter_value(decl: dict[str, Any], raw: Any) -> Any:
    """``raw`` (a given string, a Default, or an already resolved list) as ``Ref`` yields it."""
    if isinstance(raw, list):
        return [as_text(v) for v in raw] if is_list_type(str(decl.get("Type", ""))) else as_text(raw)
    text = as_text(raw)
    if is_list_type(str(decl.get("Type", ""))):
        return [] if text == "" else [member.strip() for member in text.split(",")]
    return text


def resolve_parameters(template: dict[str, Any], given: Mapping[str, str | None], *,
                       previous: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The value of every declared parameter: ``given`` (a value of None means UsePreviousValue:
    taken from ``previous``), else its Default. Raises TemplateError as CloudFormation's
    CreateStack/UpdateStack would: unknown names, missing values, type and constraint failures."""
    decls = _declarations(template)
    unknown = [name for name in given if name not in decls]
    if unknown:
        raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    raw: dict[str, Any] = {}
    missing = []
    for name, decl in decls.items():
        check_type(name, decl)
        if name in given and given[name] is None:
            if previous is None or name not in previous:
                raise TemplateError(f"Invalid input for parameter key {name}. Cannot specify usePreviousValue "
                                    "as true for a parameter key not in the previous template")
            raw[name] = previous[name]
        elif name in given:
            raw[name] = given[name]
        elif "Default" in decl:
            raw[name] = decl["Default"]
        else:
            missing.append(name)
    if missing:
        raise TemplateError(f"Parameters: [{', '.join(missing)}] must have values")
    values = {}
    for name, value in raw.items():
        values[name] = parameter_value(decls[name], value)
        _check(name, decls[name], values[name])
    return values


def _declarations(template: dict[str, Any]) -> dict[str, Any]:
    decls = template.get("Parameters") or {}
    if not isinstance(decls, dict):
        raise TemplateError("Template format error: Parameters must be an object.")
    return decls


def _check(name: str, decl: dict[str, Any], value: Any) -> None:
    type_name = decl["Type"]
    for member in value if isinstance(value, list) else [value]:
        problem = _violation(decl, member, numeric=type_name in ("Number", "List<Number>"))
        if problem is not None:
            described = decl.get("ConstraintDescription")
            if described and problem != "must be a number":
                raise TemplateError(f"Parameter '{name}' failed to satisfy constraint: {described}")
            raise TemplateError(f"Parameter '{name}' {problem}")


def _violation(decl: dict[str, Any], value: str, *, numeric: bool) -> str | None:
    """What ``value`` breaks (as the end of CloudFormation's sentence), or None."""
    if numeric:
        try:
            number = float(value)
        except ValueError:
            return "must be a number"
        if "MinValue" in decl and number < float(decl["MinValue"]):
            return f"must be a number not less than {as_text(decl['MinValue'])}"
        if "MaxValue" in decl and number > float(decl["MaxValue"]):
            return f"must be a number not greater than {as_text(decl['MaxValue'])}"
    allowed = decl.get("AllowedValues")
    if allowed is not None and value not in [as_text(v) for v in allowed]:
        return "must be one of AllowedValues"
    pattern = decl.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        return f"must match pattern {pattern}"
    if "MinLength" in decl and len(value) < int(decl["MinLength"]):
        return f"must contain at least {as_text(decl['MinLength'])} characters"
    if "MaxLength" in decl and len(value) > int(decl["MaxLength"]):
        return f"must contain at most {as_text(decl['MaxLength'])} characters"
    return None
