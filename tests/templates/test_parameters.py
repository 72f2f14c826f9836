"""Parameter values and CloudFormation's parameter validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from squall.templates.errors import TemplateError
from squall.templates.parameters import noecho_names, resolve_parameters


def _template(**decls: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": decls, "Resources": {"A": {"Type": "X"}}}


def test_types_defaults_and_values() -> None:
    template = _template(
        Name={"Type": "String", "Default": "web"},
        Count={"Type": "Number", "Default": 3},
        Ports={"Type": "List<Number>", "Default": "80, 443"},
        Envs={"Type": "CommaDelimitedList"},
        Subnets={"Type": "List<AWS::EC2::Subnet::Id>"},
        Vpc={"Type": "AWS::EC2::VPC::Id"},
        Ami={"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": "/aws/ami"},
        Flag={"Type": "String", "Default": True},
    )
    values = resolve_parameters(template, {"Envs": "dev, prod ,test", "Subnets": "subnet-1,subnet-2",
                                           "Vpc": "vpc-1"})
    assert values == {"Name": "web", "Count": "3", "Ports": ["80", "443"], "Envs": ["dev", "prod", "test"],
                      "Subnets": ["subnet-1", "subnet-2"], "Vpc": "vpc-1", "Ami": "/aws/ami", "Flag": "true"}


def test_unknown_and_missing() -> None:
    template = _template(A={"Type": "String"}, B={"Type": "String"}, C={"Type": "String", "Default": ""})
    with pytest.raises(TemplateError, match=r"^Parameters: \[X, Y\] do not exist in the template$"):
        resolve_parameters(template, {"X": "1", "A": "a", "Y": "2"})
    with pytest.raises(TemplateError, match=r"^Parameters: \[A, B\] must have values$"):
        resolve_parameters(template, {})


@pytest.mark.parametrize(("decl", "value", "message"), [
    ({"Type": "String", "AllowedValues": ["dev", "prod"]}, "test", "Parameter 'P' must be one of AllowedValues"),
    ({"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}, "a,c", "Parameter 'P' must be one of AllowedValues"),
    ({"Type": "String", "AllowedPattern": "[a-z]+"}, "abc1", "Parameter 'P' must match pattern [a-z]+"),
    ({"Type": "String", "MinLength": 3}, "ab", "Parameter 'P' must contain at least 3 characters"),
    ({"Type": "String", "MaxLength": "2"}, "abc", "Parameter 'P' must contain at most 2 characters"),
    ({"Type": "Number"}, "ten", "Parameter 'P' must be a number"),
    ({"Type": "Number", "MinValue": 1}, "0", "Parameter 'P' must be a number not less than 1"),
    ({"Type": "Number", "MaxValue": 10}, "10.5", "Parameter 'P' must be a number not greater than 10"),
    ({"Type": "List<Number>"}, "1,x", "Parameter 'P' must be a number"),
    ({"Type": "String", "AllowedPattern": "[a-z]+", "ConstraintDescription": "must be lower-case letters"}, "A1",
     "Parameter 'P' failed to satisfy constraint: must be lower-case letters"),
])
def test_constraints(decl: dict[str, Any], value: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        resolve_parameters(_template(P=decl), {"P": value})
    assert str(info.value) == message


def test_constraints_pass() -> None:
    template = _template(P={"Type": "Number", "MinValue": 1, "MaxValue": 10, "AllowedValues": [1, 5, 10]})
    assert resolve_parameters(template, {"P": "5"}) == {"P": "5"}


def test_declaration_errors() -> None:
    with pytest.raises(TemplateError, match="Unrecognized parameter type: Strin$"):
        resolve_parameters(_template(P={"Type": "Strin"}), {"P": "x"})
    with pytest.raises(TemplateError, match="Every Parameters object must contain a Type member"):
        resolve_parameters(_template(P={"Default": "x"}), {})


def test_use_previous_value() -> None:
    template = _template(P={"Type": "String"}, Q={"Type": "String", "Default": "d"})
    assert resolve_parameters(template, {"P": None}, previous={"P": "old", "Q": "older"}) == {"P": "old", "Q": "d"}
    with pytest.raises(TemplateError, match="usePreviousValue"):
        resolve_parameters(template, {"P": None}, previous={})


def test_noecho_names() -> None:
    template = _template(A={"Type": "String", "NoEcho": True}, B={"Type": "String", "NoEcho": "true"},
                         C={"Type": "String"})
    assert noecho_names(template) == {"A", "B"}
