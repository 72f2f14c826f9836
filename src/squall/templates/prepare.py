"""Everything the stack engine needs before it provisions anything, in one call.

``prepare`` takes a template as the user wrote it and returns it as plain CloudFormation with
parameters resolved and checked, conditions evaluated, the active resources, their dependencies
and a creation order — so every template error surfaces before the first resource is touched,
as CloudFormation's CreateStack/UpdateStack answer a ValidationError rather than start a stack.
``outputs`` evaluates the Outputs section once the resources exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from squall.templates import graph, sam
from squall.templates.errors import TemplateError
from squall.templates.intrinsics import (
    Scope,
    evaluate_conditions,
    iter_references,
    pseudo_parameters,
    resolve,
)
from squall.templates.parameters import as_text, noecho_names, resolve_parameters
from squall.templates.validate import check_structure


@dataclass
class Prepared:
    #: the expanded, plain CloudFormation template
    template: dict[str, Any]
    #: parameter values as Ref yields them (strings; lists for list types)
    parameters: dict[str, Any]
    noecho: set[str]
    #: parameters, pseudo parameters, mappings, conditions, imports — ``resources`` empty
    scope: Scope
    conditions: dict[str, bool]
    #: the resources to create (conditions applied), logical id → definition
    resources: dict[str, dict[str, Any]]
    deps: dict[str, set[str]]
    order: list[str]
    #: the Outputs section (output Conditions are applied by :func:`outputs`)
    outputs_spec: dict[str, Any]


def prepare(template: dict[str, Any], *, base_dir: Path | None, region: str, account: str, stack_name: str,
            stack_id: str, given: dict[str, str], previous: dict[str, str] | None = None,
            imports: dict[str, str] | None = None) -> Prepared:
    """Check, expand and plan ``template``; raises TemplateError (CloudFormation's message)."""
    parameters = resolve_parameters(template, given, previous=previous)  # before the (slower) transforms
    expanded = sam.expand(template, base_dir=base_dir, region=region, account=account, stack_name=stack_name,
                          parameters=parameters)
    check_structure(expanded)
    scope = Scope(parameters=parameters, pseudo=pseudo_parameters(region, account, stack_name, stack_id),
                  mappings=expanded.get("Mappings") or {}, imports=dict(imports or {}))
    conditions = evaluate_conditions(expanded, scope)
    scope.conditions = conditions
    resources = graph.active_resources(expanded, conditions)
    deps = graph.dependencies(resources, set(parameters), conditions=conditions)
    outputs_spec = expanded.get("Outputs") or {}
    _check_output_references(outputs_spec, resources, set(parameters), conditions)
    return Prepared(template=expanded, parameters=parameters, noecho=noecho_names(expanded), scope=scope,
                    conditions=conditions, resources=resources, deps=deps, order=graph.order(deps),
                    outputs_spec=outputs_spec)


def outputs(prepared: Prepared, scope: Scope) -> list[dict[str, Any]]:
    """The stack's outputs as DescribeStacks lists them, evaluated in ``scope`` (whose resources
    are the provisioned ones); outputs whose Condition is false are left out."""
    result = []
    for key, spec in prepared.outputs_spec.items():
        if not _active(spec, prepared.conditions):
            continue
        entry: dict[str, Any] = {"OutputKey": key, "OutputValue": _output_text(key, resolve(spec["Value"], scope))}
        if "Description" in spec:
            entry["Description"] = as_text(resolve(spec["Description"], scope))
        export = spec.get("Export")
        if isinstance(export, dict) and "Name" in export:
            entry["ExportName"] = _output_text(key, resolve(export["Name"], scope))
        result.append(entry)
    return result


def _active(spec: dict[str, Any], conditions: dict[str, bool]) -> bool:
    condition = spec.get("Condition")
    if condition is None:
        return True
    if condition not in conditions:
        raise TemplateError(f"Template format error: Unresolved condition dependencies [{condition}] "
                            "in the Outputs block of the template")
    return conditions[condition]


def _output_text(key: str, value: Any) -> str:
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    if isinstance(value, dict) or value is None:
        raise TemplateError(f"Template error: the value of output {key} must resolve to a string or a list")
    return as_text(value)


def _check_output_references(spec: dict[str, Any], resources: dict[str, Any], parameter_names: set[str],
                             conditions: dict[str, bool]) -> None:
    missing: list[str] = []
    for output in spec.values():
        if not _active(output, conditions):
            continue
        for function, target in iter_references(output, parameter_names, conditions):
            if target in resources:
                continue
            if function == "Fn::GetAtt":
                raise TemplateError(f"Template error: instance of Fn::GetAtt references undefined resource {target}")
            if target not in missing:
                missing.append(target)
    if missing:
        raise TemplateError(f"Template format error: Unresolved resource dependencies [{', '.join(missing)}] "
                            "in the Outputs block of the template")
