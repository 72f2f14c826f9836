"""The ``AWS::LanguageExtensions`` transform: loops, JSON strings, lengths, parameterised policies.

CloudFormation runs this transform before any other it declares, rewriting the template into
plain CloudFormation: ``Fn::ForEach`` loops are unrolled, ``Fn::ToJsonString``/``Fn::Length``
and ``Fn::FindInMap`` with a DefaultValue become literals where their arguments are already known
(parameters, mappings), and
DeletionPolicy/UpdateReplacePolicy given as ``Ref`` to a parameter become their values
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html).
What depends on resources is left for the stack engine's evaluator, which knows the same functions.
"""

from __future__ import annotations

import re
from typing import Any

from squall.templates.errors import TemplateError
from squall.templates.intrinsics import Scope, evaluate_conditions, resolve
from squall.templates.parameters import as_text, parameter_value

_FOREACH = "Fn::ForEach::"
#: sections where loops may appear (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html)
_LOOP_SECTIONS = ("Conditions", "Resources", "Outputs")
_STATIC_FUNCTIONS = ("Fn::ToJsonString", "Fn::Length")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def apply(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with the language extensions applied. ``parameters``: given values
    by name (raw strings or resolved values; declared Defaults fill the gaps), plus optionally the
    pseudo parameters (``AWS::Region``…)."""
    scope = _static_scope(template, parameters)
    out = dict(template)
    for section in _LOOP_SECTIONS:
        if isinstance(out.get(section), dict):
            out[section] = _unroll(out[section], scope)
    try:
        scope.conditions = evaluate_conditions(out, scope)
    except TemplateError:  # conditions on something unknown yet: Fn::If stays for the engine
        pass
    for section in _LOOP_SECTIONS:
        if section in out:
            out[section] = _fold(out[section], scope)
    for logical_id, resource in (out.get("Resources") or {}).items():
        if isinstance(resource, dict):
            out["Resources"][logical_id] = _policies(logical_id, resource, scope)
    return out


def _static_scope(template: dict[str, Any], parameters: dict[str, Any]) -> Scope:
    declared = template.get("Parameters") or {}
    values = {}
    for name, decl in declared.items():
        if name in parameters:
            values[name] = parameter_value(decl, parameters[name])
        elif isinstance(decl, dict) and "Default" in decl:
            values[name] = parameter_value(decl, decl["Default"])
    pseudo = {name: value for name, value in parameters.items() if name.startswith("AWS::")}
    return Scope(parameters=values, pseudo=pseudo, mappings=template.get("Mappings") or {})


def _unroll(value: Any, scope: Scope) -> Any:
    """``value`` with every ``Fn::ForEach::Name`` key replaced by the keys its loop produces."""
    if isinstance(value, list):
        return [_unroll(item, scope) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        produced = _loop(key, item, scope) if key.startswith(_FOREACH) else {key: _unroll(item, scope)}
        for new_key, new_value in produced.items():
            if new_key in out:
                raise TemplateError(f"Template format error: {key} produces the key {new_key}, which is "
                                    "already defined")
            out[new_key] = new_value
    return out


def _loop(name: str, spec: Any, scope: Scope) -> dict[str, Any]:
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str) and isinstance(spec[2], dict)):
        raise TemplateError(f"Template format error: {name} requires a list of three elements: an identifier, "
                            "a collection and a template fragment (an object)")
    identifier, collection, fragment = spec
    items = resolve(collection, scope)
    if not isinstance(items, list):
        raise TemplateError(f"Template format error: the collection of {name} must be a list or a Ref to a "
                            "CommaDelimitedList parameter")
    produced: dict[str, Any] = {}
    for item in items:
        copy = _unroll(_substitute(fragment, identifier, as_text(item)), scope)
        for key, value in copy.items():
            if key in produced:
                raise TemplateError(f"Template format error: {name} produces the key {key} more than once; "
                                    f"use ${{{identifier}}} or &{{{identifier}}} in the key")
            produced[key] = value
    return produced


def _substitute(value: Any, identifier: str, item: str) -> Any:
    """``value`` with ``${identifier}`` → item, ``&{identifier}`` → item without its
    non-alphanumeric characters, and ``{"Ref": identifier}`` → item."""
    if isinstance(value, str):
        return value.replace("${" + identifier + "}", item).replace(
            "&{" + identifier + "}", _NOT_ALPHANUMERIC.sub("", item))
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": identifier}:
            return item
        return {_substitute(k, identifier, item): _substitute(v, identifier, item) for k, v in value.items()}
    return value


def _fold(value: Any, scope: Scope) -> Any:
    """Replace ``Fn::ToJsonString``/``Fn::Length`` (and ``Fn::FindInMap`` with a DefaultValue) by
    their result where it is known already."""
    if isinstance(value, list):
        return [_fold(item, scope) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and (next(iter(value)) in _STATIC_FUNCTIONS or _find_with_default(value)):
        try:
            return resolve(value, scope)
        except TemplateError:  # depends on a resource (or a condition not known yet)
            return value
    return {key: _fold(item, scope) for key, item in value.items()}


def _find_with_default(value: dict[str, Any]) -> bool:
    """``Fn::FindInMap`` with a DefaultValue: a form only this transform knows."""
    arg = value.get("Fn::FindInMap")
    return isinstance(arg, list) and len(arg) == 4


def _policies(logical_id: str, resource: dict[str, Any], scope: Scope) -> dict[str, Any]:
    out = dict(resource)
    for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
        if isinstance(out.get(attribute), dict):
            try:
                out[attribute] = resolve(out[attribute], scope)
            except TemplateError:
                raise TemplateError(f"Template format error: {attribute} of {logical_id} must resolve to a "
                                    "string from parameters or mappings") from None
            if not isinstance(out[attribute], str):
                raise TemplateError(f"Template format error: {attribute} of {logical_id} must be a string")
    return out
