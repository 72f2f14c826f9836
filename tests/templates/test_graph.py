"""Active resources, dependencies, creation order and concurrent layers."""

from __future__ import annotations

from typing import Any

import pytest

from squall.templates.errors import TemplateError
from squall.templates.graph import active_resources, dependencies, layers, order


def _resources() -> dict[str, Any]:
    return {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]},
                                                              "Environment": {"Q": {"Ref": "Queue"}}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"Name": {"Ref": "Env"}}},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": "Fn",
                    "Properties": {"Source": {"Fn::Sub": "${Queue.Arn}"}}},
        "Log": {"Type": "AWS::Logs::LogGroup", "DependsOn": ["Queue"]},
    }


def test_dependencies_order_layers() -> None:
    deps = dependencies(_resources(), {"Env"})
    assert deps == {"Fn": {"Role", "Queue"}, "Role": set(), "Queue": set(), "Mapping": {"Fn", "Queue"},
                    "Log": {"Queue"}}
    assert order(deps) == ["Role", "Queue", "Fn", "Mapping", "Log"]
    assert layers(deps) == [["Role", "Queue"], ["Fn", "Log"], ["Mapping"]]


def test_order_is_deterministic_template_order() -> None:
    deps = {"C": set(), "B": set(), "A": {"C"}}
    assert order(deps) == ["C", "B", "A"]
    assert layers(deps) == [["C", "B"], ["A"]]


def test_unresolved_references() -> None:
    resources = _resources()
    resources["Fn"]["Properties"]["X"] = {"Ref": "Missing"}
    resources["Log"]["DependsOn"] = ["Queue", "Other"]
    with pytest.raises(TemplateError) as info:
        dependencies(resources, {"Env"})
    assert str(info.value) == ("Template format error: Unresolved resource dependencies [Missing, Other] in the "
                               "Resources block of the template")
    with pytest.raises(TemplateError, match="^Template error: instance of Fn::GetAtt references undefined "
                                            "resource Ghost$"):
        dependencies({"A": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["Ghost", "Arn"]}}}}, set())


def test_cycles() -> None:
    with pytest.raises(TemplateError, match=r"^Circular dependency between resources: \[A, B, C\]$"):
        order({"A": {"B"}, "B": {"A"}, "C": {"A"}, "D": set()})
    with pytest.raises(TemplateError, match=r"^Circular dependency between resources: \[A\]$"):
        layers({"A": {"A"}})


def test_active_resources_and_condition_aware_references() -> None:
    template = {"Resources": {
        "Prod": {"Type": "X", "Condition": "IsProd"},
        "Always": {"Type": "X", "Properties": {"P": {"Fn::If": ["IsProd", {"Ref": "Prod"}, "none"]}}},
    }}
    active = active_resources(template, {"IsProd": False})
    assert list(active) == ["Always"]
    assert dependencies(active, set(), conditions={"IsProd": False}) == {"Always": set()}
    with pytest.raises(TemplateError, match=r"Unresolved resource dependencies \[Prod\]"):
        dependencies(active, set())
    assert dependencies(active_resources(template, {"IsProd": True}), set(), conditions={"IsProd": True}) == {
        "Prod": set(), "Always": {"Prod"}}
    with pytest.raises(TemplateError, match=r"Unresolved condition dependencies \[IsProd\]"):
        active_resources(template, {})
