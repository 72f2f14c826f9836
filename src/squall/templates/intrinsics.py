"""Evaluating CloudFormation's intrinsic functions and conditions.

One evaluator serves every stage: conditions (parameters only), language extensions (whatever is
already known) and the stack engine (resource properties once their dependencies exist). What a
value depends on comes from :func:`references`, so the dependency graph and the evaluator agree
on what a ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub`` points at.

Function semantics: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from squall.templates.api import Provisioned
from squall.templates.errors import TemplateError, Unresolved
from squall.templates.parameters import as_text

__all__ = ["NO_VALUE", "Scope", "Unresolved", "evaluate_conditions", "iter_references", "partition_of",
           "pseudo_parameters", "references", "resolve"]

#: ``Ref: AWS::NoValue`` — removes the property (or list item) that holds it
NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SUB_NAME = re.compile(r"^[A-Za-z0-9_.:]+$")


def pseudo_parameters(region: str, account: str, stack_name: str, stack_id: str) -> dict[str, Any]:
    """The pseudo parameters of a stack (``AWS::NoValue`` is handled by the evaluator).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html"""
    partition = partition_of(region)
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": [],
    }


def partition_of(region: str) -> str:
    """The partition a region belongs to (``aws``, ``aws-cn``, ``aws-us-gov``)."""
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov") else "aws"


@dataclass
class Scope:
    """Everything a template value can refer to."""

    parameters: dict[str, Any] = field(default_factory=dict)
    pseudo: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    resources: dict[str, Provisioned] = field(default_factory=dict)
    #: exports of other stacks (name → value), for Fn::ImportValue
    imports: dict[str, str] = field(default_factory=dict)
    azs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.azs:
            region = self.pseudo.get("AWS::Region", "us-east-1")
            self.azs = [f"{region}{letter}" for letter in "abc"]


# ---------------------------------------------------------------------------------------------
# resolve


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with every intrinsic function evaluated. ``AWS::NoValue`` drops the dict key or
    list item holding it (and makes a bare top-level value None). A Ref/GetAtt to a resource not in
    ``scope.resources`` raises :class:`Unresolved`."""
    result = _resolve(value, scope)
    return None if result is NO_VALUE else result


def _resolve(value: Any, scope: Scope) -> Any:
    if isinstance(value, dict):
        function = _function_of(value)
        if function is not None:
            return _FUNCTIONS[function](value[function], scope)
        out = {}
        for key, item in value.items():
            resolved = _resolve(item, scope)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out
    if isinstance(value, list):
        return [item for item in (_resolve(v, scope) for v in value) if item is not NO_VALUE]
    return value


def _function_of(value: dict[str, Any]) -> str | None:
    if len(value) != 1:
        return None
    (key,) = value
    if key == "Ref" or key in _FUNCTIONS:
        return key
    if key.startswith("Fn::"):
        raise TemplateError(f"Template format error: Encountered unsupported function: {key}")
    return None


def _ref(name: Any, scope: Scope) -> Any:
    if not isinstance(name, str):
        raise TemplateError("Template format error: Every Ref object must have a single String value.")
    if name == "AWS::NoValue":
        return NO_VALUE
    if name in scope.pseudo:
        return scope.pseudo[name]
    if name in scope.parameters:
        return scope.parameters[name]
    provisioned = scope.resources.get(name)
    if provisioned is None:
        raise Unresolved(name)
    return provisioned.ref_value


def _getatt_target(arg: Any, scope: Scope | None) -> tuple[str, Any]:
    if isinstance(arg, str):
        if "." not in arg:
            raise TemplateError("Template error: every Fn::GetAtt object requires two non-empty parameters")
        name, attribute = arg.split(".", 1)
        return name, attribute
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        attribute = arg[1] if scope is None else _text(_resolve(arg[1], scope), "Fn::GetAtt")
        return arg[0], attribute
    raise TemplateError("Template error: every Fn::GetAtt object requires two non-empty parameters")


def _getatt(arg: Any, scope: Scope) -> Any:
    name, attribute = _getatt_target(arg, scope)
    return _attribute(name, attribute, scope)


def _attribute(name: str, attribute: str, scope: Scope) -> Any:
    provisioned = scope.resources.get(name)
    if provisioned is None:
        raise Unresolved(name)
    if attribute not in provisioned.attributes:
        raise TemplateError(f"Template error: resource {name} does not support attribute type {attribute} "
                            "in Fn::GetAtt")
    return provisioned.attributes[attribute]


def _sub(arg: Any, scope: Scope) -> str:
    if isinstance(arg, str):
        text, variables = arg, {}
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        text, variables = arg[0], {k: _resolve(v, scope) for k, v in arg[1].items()}
    else:
        raise TemplateError("Template error: One or more Fn::Sub intrinsic functions don't specify expected "
                            "arguments. Specify a string as first argument, and an optional second argument "
                            "to specify a mapping of values to replace in the string")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} is the text ${Literal}
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            value = variables[name]
        else:
            _check_sub_name(name)
            if name in scope.pseudo or name in scope.parameters or "." not in name:
                value = _ref(name, scope)
            else:
                value = _attribute(*name.split(".", 1), scope)
        if isinstance(value, (list, dict)) or value is NO_VALUE:
            raise TemplateError(f"Template error: variable {name} in Fn::Sub expression does not resolve "
                                "to a string")
        return as_text(value)

    return _SUB_VARIABLE.sub(substitute, text)


def _check_sub_name(name: str) -> None:
    if not _SUB_NAME.match(name):
        raise TemplateError("Template error: variable names in Fn::Sub syntax must contain only alphanumeric "
                            "characters, underscores, periods, and colons")


def _join(arg: Any, scope: Scope) -> str:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise TemplateError("Template error: every Fn::Join object requires two parameters, (1) a string "
                            "delimiter and (2) a list of strings to be joined or a function that returns a "
                            "list of strings (such as Fn::GetAZs) to be joined.")
    delimiter = _text(_resolve(arg[0], scope), "Fn::Join")
    items = _list(_resolve(arg[1], scope), "Fn::Join")
    return delimiter.join(_text(item, "Fn::Join") for item in items)


def _select(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise TemplateError("Template error: Fn::Select requires a list argument with two elements: an "
                            "integer index and a list")
    raw_index = _resolve(arg[0], scope)
    try:
        index = int(raw_index)
    except (TypeError, ValueError):
        raise TemplateError("Template error: Fn::Select requires a list argument with two elements: an "
                            "integer index and a list") from None
    items = _list(_resolve(arg[1], scope), "Fn::Select")
    if not 0 <= index < len(items):
        raise TemplateError(f"Template error: Fn::Select cannot select nonexistent value at index {index}")
    return items[index]


def _split(arg: Any, scope: Scope) -> list[str]:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise TemplateError("Template error: every Fn::Split object requires two parameters, (1) a string "
                            "delimiter and (2) a string to be split or a function that returns a string to "
                            "be split.")
    delimiter = _text(_resolve(arg[0], scope), "Fn::Split")
    source = _text(_resolve(arg[1], scope), "Fn::Split")
    return source.split(delimiter)


def _if(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        raise TemplateError("Template error: Fn::If requires a list argument with three elements")
    if arg[0] not in scope.conditions:
        raise TemplateError(f"Template error: unresolved condition dependency {arg[0]} in Fn::If")
    return _resolve(arg[1] if scope.conditions[arg[0]] else arg[2], scope)


def _find_in_map(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        raise TemplateError("Template error: every Fn::FindInMap object requires three parameters, the map "
                            "name, map key and the attribute for return value")
    keys = [_text(_resolve(k, scope), "Fn::FindInMap") for k in arg[:3]]
    found: Any = scope.mappings
    for key in keys:
        found = found.get(key) if isinstance(found, dict) else None
        if found is None:
            break
    if found is not None:
        return _resolve(found, scope)
    # the LanguageExtensions form: [Map, Key, Key, {DefaultValue: …}]
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap-enhancements.html
    if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
        return _resolve(arg[3]["DefaultValue"], scope)
    raise TemplateError(f"Template error: Unable to get mapping for {'::'.join(keys)}")


def _get_azs(arg: Any, scope: Scope) -> list[str]:
    region = _resolve(arg, scope)
    if region in ("", None) or region == scope.pseudo.get("AWS::Region"):
        return list(scope.azs)
    return [f"{_text(region, 'Fn::GetAZs')}{letter}" for letter in "abc"]


def _base64(arg: Any, scope: Scope) -> str:
    return base64.b64encode(_text(_resolve(arg, scope), "Fn::Base64").encode()).decode()


def _import_value(arg: Any, scope: Scope) -> Any:
    name = _text(_resolve(arg, scope), "Fn::ImportValue")
    if name not in scope.imports:
        raise TemplateError(f"No export named {name} found.")
    return scope.imports[name]


def _cidr(arg: Any, scope: Scope) -> list[str]:
    """[ipBlock, count, cidrBits]: ``count`` consecutive subnets with ``cidrBits`` host bits each."""
    if not (isinstance(arg, list) and len(arg) == 3):
        raise TemplateError("Template error: Fn::Cidr requires a list argument with three elements: an ipBlock, "
                            "a count and cidrBits")
    block, count, bits = (_resolve(v, scope) for v in arg)
    try:
        network = ipaddress.ip_network(_text(block, "Fn::Cidr"), strict=False)
        count, bits = int(count), int(bits)
        new_prefix = network.max_prefixlen - bits
        if not network.prefixlen <= new_prefix <= network.max_prefixlen or not 1 <= count <= 256:
            raise ValueError
        subnets = [str(net) for net in itertools.islice(network.subnets(new_prefix=new_prefix), count)]
    except ValueError:
        raise TemplateError(f"Template error: Fn::Cidr cannot make {count} subnets of {bits} bits from "
                            f"{block}") from None
    if len(subnets) < count:
        raise TemplateError(f"Template error: Fn::Cidr cannot make {count} subnets of {bits} bits from {block}")
    return subnets


def _to_json_string(arg: Any, scope: Scope) -> str:
    value = _resolve(arg, scope)
    if not isinstance(value, (dict, list)):
        raise TemplateError("Template error: Fn::ToJsonString requires an object or a list")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _length(arg: Any, scope: Scope) -> int:
    return len(_list(_resolve(arg, scope), "Fn::Length"))


def _text(value: Any, function: str) -> str:
    if isinstance(value, (str, int, float, bool)):
        return as_text(value)
    raise TemplateError(f"Template error: {function} expects a string, got {_describe(value)}")


def _list(value: Any, function: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise TemplateError(f"Template error: {function} expects a list, got {_describe(value)}")


def _describe(value: Any) -> str:
    return "AWS::NoValue" if value is NO_VALUE else json.dumps(value, default=str)[:100]


# ---------------------------------------------------------------------------------------------
# conditions


def _condition(expression: Any, scope: Scope, lookup: Callable[[str], bool] | None = None) -> bool:
    """Evaluate a condition expression. ``lookup`` answers ``{"Condition": name}`` (defaults to
    ``scope.conditions``)."""
    if isinstance(expression, bool):
        return expression
    if isinstance(expression, str) and expression.lower() in ("true", "false"):
        return expression.lower() == "true"
    if not (isinstance(expression, dict) and len(expression) == 1):
        raise TemplateError("Template format error: Conditions can only be boolean operations on parameters "
                            "and other conditions")
    ((function, arg),) = expression.items()
    if function == "Condition":
        if lookup is not None:
            return lookup(arg)
        if arg not in scope.conditions:
            raise TemplateError(f"Template format error: Unresolved condition dependencies [{arg}] "
                                "in the Conditions block of the template")
        return scope.conditions[arg]
    if function == "Fn::Equals":
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError("Template error: Fn::Equals requires a list argument with two elements")
        left, right = (_comparable(_resolve(v, scope)) for v in arg)
        return left == right
    if function == "Fn::Not":
        if not (isinstance(arg, list) and len(arg) == 1):
            raise TemplateError("Template error: Fn::Not requires a list argument with one function token")
        return not _condition(arg[0], scope, lookup)
    if function in ("Fn::And", "Fn::Or"):
        if not (isinstance(arg, list) and 2 <= len(arg) <= 10):
            raise TemplateError(f"Template error: {function} requires a list argument with between 2 and 10 "
                                "function tokens")
        values = (_condition(item, scope, lookup) for item in arg)
        return all(values) if function == "Fn::And" else any(values)
    raise TemplateError(f"Template format error: Conditions can only be boolean operations on parameters "
                        f"and other conditions, not {function}")


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict) or value is NO_VALUE:
        return value
    return as_text(value)


def evaluate_conditions(template: dict[str, Any], scope: Scope) -> dict[str, bool]:
    """Every condition of the template's Conditions section (which may refer to each other)."""
    declared = template.get("Conditions") or {}
    if not isinstance(declared, dict):
        raise TemplateError("Template format error: Conditions must be an object.")
    done: dict[str, bool] = {}
    pending: list[str] = []
    working = replace(scope, conditions=done)

    def lookup(name: Any) -> bool:
        if name in done:
            return done[name]
        if name not in declared:
            raise TemplateError(f"Template format error: Unresolved condition dependencies [{name}] "
                                "in the Conditions block of the template")
        if name in pending:
            cycle = pending[pending.index(name):]
            raise TemplateError(f"Template format error: Circular dependency between conditions: "
                                f"[{', '.join(cycle)}]")
        pending.append(name)
        try:
            done[name] = _condition(declared[name], working, lookup)
        except Unresolved as exc:
            raise TemplateError(f"Template format error: Unresolved dependencies [{exc.logical_id}]. Cannot "
                                "reference resources in the Conditions block of the template") from None
        pending.pop()
        return done[name]

    for name in declared:
        lookup(name)
    return done


def _condition_function(function: str) -> Callable[[Any, Scope], bool]:
    return lambda arg, scope: _condition({function: arg}, scope)


_FUNCTIONS: dict[str, Callable[[Any, Scope], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _getatt,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::GetAZs": _get_azs,
    "Fn::Base64": _base64,
    "Fn::ImportValue": _import_value,
    "Fn::Cidr": _cidr,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Length": _length,
    **{name: _condition_function(name) for name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not")},
}


# ---------------------------------------------------------------------------------------------
# references


def iter_references(value: Any, exclude: set[str], conditions: dict[str, bool] | None = None
                    ) -> Iterator[tuple[str, str]]:
    """(function, logical id) for each resource ``value`` refers to through ``Ref``, ``Fn::GetAtt``
    or ``Fn::Sub`` — pseudo parameters and the names in ``exclude`` (the parameters) left out.
    With ``conditions``, only the taken branch of an ``Fn::If`` counts (CloudFormation accepts a
    reference to a resource that is not created inside the branch not taken)."""
    if isinstance(value, list):
        for item in value:
            yield from iter_references(item, exclude, conditions)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((function, arg),) = value.items()
        if function == "Ref":
            if isinstance(arg, str) and not arg.startswith("AWS::") and arg not in exclude:
                yield "Ref", arg
            return
        if function == "Fn::GetAtt":
            name, attribute = _getatt_target(arg, None)
            yield "Fn::GetAtt", name
            yield from iter_references(attribute, exclude, conditions)
            return
        if function == "Fn::Sub":
            yield from _sub_references(arg, exclude, conditions)
            return
        if function == "Fn::If" and conditions is not None and isinstance(arg, list) and len(arg) == 3 \
                and arg[0] in conditions:
            yield from iter_references(arg[1] if conditions[arg[0]] else arg[2], exclude, conditions)
            return
    for item in value.values():
        yield from iter_references(item, exclude, conditions)


def _sub_references(arg: Any, exclude: set[str], conditions: dict[str, bool] | None
                    ) -> Iterator[tuple[str, str]]:
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if (
        isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict)) else ("", {})
    if not isinstance(text, str):
        return
    yield from iter_references(variables, exclude, conditions)
    for match in _SUB_VARIABLE.finditer(text):
        name = match.group(1).strip()
        if name.startswith(("!", "AWS::")) or name in variables or name in exclude:
            continue
        if "." in name:
            yield "Fn::GetAtt", name.split(".", 1)[0]
        else:
            yield "Ref", name


def references(value: Any, exclude: set[str] = frozenset(), conditions: dict[str, bool] | None = None  # type: ignore[assignment]
               ) -> set[str]:
    """The logical ids ``value`` depends on (see :func:`iter_references`)."""
    return {name for _, name in iter_references(value, exclude, conditions)}
