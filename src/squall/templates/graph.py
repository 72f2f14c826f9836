"""Which resources a stack creates, what each waits for, and in what order.

A resource waits for every resource its properties (or other attributes) name through ``Ref``,
``Fn::GetAtt`` or ``Fn::Sub``, and for those in its ``DependsOn``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
The order is deterministic — template order among resources that are ready at the same time — so
a deployment is reproducible; :func:`layers` groups resources that can be created concurrently.
"""

from __future__ import annotations

import heapq
from typing import Any

from squall.templates.errors import TemplateError
from squall.templates.intrinsics import iter_references

#: resource attributes that never hold references to other resources
_NOT_SCANNED = frozenset({"Type", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy"})


def active_resources(template: dict[str, Any], conditions: dict[str, bool]) -> dict[str, dict[str, Any]]:
    """The resources to create: those without a ``Condition`` or whose condition is true."""
    active = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if condition is None:
            active[logical_id] = resource
            continue
        if not isinstance(condition, str):
            raise TemplateError("Template format error: Every Condition member must be a string.")
        if condition not in conditions:
            raise TemplateError(f"Template format error: Unresolved condition dependencies [{condition}] "
                                "in the Resources block of the template")
        if conditions[condition]:
            active[logical_id] = resource
    return active


def dependencies(resources: dict[str, dict[str, Any]], parameter_names: set[str], *,
                 conditions: dict[str, bool] | None = None) -> dict[str, set[str]]:
    """logical id → the logical ids it must wait for. A reference to a resource not in
    ``resources`` is CloudFormation's "Unresolved resource dependencies" error (or, through
    Fn::GetAtt, "references undefined resource"). With ``conditions``, references in the branch of
    an ``Fn::If`` that is not taken are ignored, as CloudFormation does."""
    deps: dict[str, set[str]] = {}
    unresolved: list[str] = []
    for logical_id, resource in resources.items():
        found: set[str] = set()
        for key, value in resource.items():
            if key in _NOT_SCANNED:
                continue
            for function, target in iter_references(value, parameter_names, conditions):
                if target in resources:
                    found.add(target)
                elif function == "Fn::GetAtt":
                    raise TemplateError(f"Template error: instance of Fn::GetAtt references undefined "
                                        f"resource {target}")
                elif target not in unresolved:
                    unresolved.append(target)
        for target in _depends_on(resource.get("DependsOn")):
            if target in resources:
                found.add(target)
            elif target not in unresolved:
                unresolved.append(target)
        deps[logical_id] = found
    if unresolved:
        raise TemplateError(f"Template format error: Unresolved resource dependencies [{', '.join(unresolved)}] "
                            "in the Resources block of the template")
    return deps


def order(deps: dict[str, set[str]]) -> list[str]:
    """A topological order of ``deps``: dependencies first, otherwise in ``deps``' (template) order."""
    return [logical_id for layer in _layers(deps, flat=True) for logical_id in layer]


def layers(deps: dict[str, set[str]]) -> list[list[str]]:
    """``deps`` as successive groups: every resource of a group depends only on earlier groups."""
    return _layers(deps, flat=False)


def _layers(deps: dict[str, set[str]], *, flat: bool) -> list[list[str]]:
    position = {logical_id: index for index, logical_id in enumerate(deps)}
    waiting = {logical_id: len(targets) for logical_id, targets in deps.items()}
    dependents: dict[str, list[str]] = {logical_id: [] for logical_id in deps}
    for logical_id, targets in deps.items():
        for target in targets:
            dependents[target].append(logical_id)
    ready = [(position[n], n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    result: list[list[str]] = []
    while ready:
        if flat:  # one at a time, so a resource freed early can go before later-ready ones
            batch = [heapq.heappop(ready)[1]]
        else:
            batch = [n for _, n in sorted(ready)]
            ready = []
        result.append(batch)
        for done in batch:
            for dependent in dependents[done]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    heapq.heappush(ready, (position[dependent], dependent))
    stuck = sorted(n for n, count in waiting.items() if count > 0)
    if stuck:
        raise TemplateError(f"Circular dependency between resources: [{', '.join(stuck)}]")
    return result


def _depends_on(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise TemplateError("Template format error: DependsOn must be a string or a list of strings")
