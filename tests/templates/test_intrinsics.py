"""Every intrinsic function, conditions, and what a value refers to."""

from __future__ import annotations

from typing import Any

import pytest

from squall.templates.api import Provisioned
from squall.templates.errors import TemplateError
from squall.templates.intrinsics import (
    Scope,
    Unresolved,
    evaluate_conditions,
    pseudo_parameters,
    references,
    resolve,
)


@pytest.fixture
def scope() -> Scope:
    return Scope(
        parameters={"Env": "prod", "Subnets": ["s-1", "s-2"], "Count": "2"},
        pseudo=pseudo_parameters("eu-west-1", "123456789012", "stack", "arn:aws:cloudformation:eu-west-1:1:stack/s/x"),
        mappings={"Sizes": {"prod": {"Mem": 1024, "Tags": ["a", "b"]}}},
        conditions={"IsProd": True, "IsDev": False},
        resources={"Queue": Provisioned("https://q/url", {"Arn": "arn:q", "QueueName": "q", "Endpoint.Port": 5}),
                   "Topic": Provisioned("phys", ref="arn:topic")},
        imports={"Shared-Vpc": "vpc-9"},
    )


def test_pseudo_parameters(scope: Scope) -> None:
    assert resolve({"Ref": "AWS::Region"}, scope) == "eu-west-1"
    assert resolve({"Ref": "AWS::AccountId"}, scope) == "123456789012"
    assert resolve({"Ref": "AWS::StackName"}, scope) == "stack"
    assert resolve({"Ref": "AWS::Partition"}, scope) == "aws"
    assert resolve({"Ref": "AWS::URLSuffix"}, scope) == "amazonaws.com"
    assert resolve({"Ref": "AWS::NotificationARNs"}, scope) == []
    assert resolve({"Ref": "AWS::StackId"}, scope).startswith("arn:aws:cloudformation")
    assert scope.azs == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_ref(scope: Scope) -> None:
    assert resolve({"Ref": "Env"}, scope) == "prod"
    assert resolve({"Ref": "Subnets"}, scope) == ["s-1", "s-2"]
    assert resolve({"Ref": "Queue"}, scope) == "https://q/url"
    assert resolve({"Ref": "Topic"}, scope) == "arn:topic"
    with pytest.raises(Unresolved) as info:
        resolve({"Ref": "Later"}, scope)
    assert info.value.logical_id == "Later"
    assert isinstance(info.value, TemplateError)


def test_no_value_drops_keys_and_items(scope: Scope) -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Fn::If": ["IsDev", 2, {"Ref": "AWS::NoValue"}]}, 3],
             "C": {"Fn::If": ["IsProd", "yes", "no"]}}
    assert resolve(value, scope) == {"B": [1, 3], "C": "yes"}
    assert resolve({"Ref": "AWS::NoValue"}, scope) is None


def test_getatt(scope: Scope) -> None:
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}, scope) == "arn:q"
    assert resolve({"Fn::GetAtt": "Queue.Endpoint.Port"}, scope) == 5
    assert resolve({"Fn::GetAtt": ["Queue", {"Ref": "AttrParam"}]},
                   Scope(parameters={"AttrParam": "QueueName"}, resources=scope.resources)) == "q"
    with pytest.raises(TemplateError, match="^Template error: resource Queue does not support attribute type "
                                            "Nope in Fn::GetAtt$"):
        resolve({"Fn::GetAtt": ["Queue", "Nope"]}, scope)
    with pytest.raises(Unresolved):
        resolve({"Fn::GetAtt": ["Later", "Arn"]}, scope)


def test_sub(scope: Scope) -> None:
    assert resolve({"Fn::Sub": "${AWS::Region}:${Env}:${Queue}:${Queue.Arn}:${!Literal}:${Count}"}, scope) == \
        "eu-west-1:prod:https://q/url:arn:q:${Literal}:2"
    assert resolve({"Fn::Sub": ["${Name}-${Env}", {"Name": {"Fn::GetAtt": ["Queue", "QueueName"]}}]}, scope) == \
        "q-prod"
    assert resolve({"Fn::Sub": "no variables"}, scope) == "no variables"
    with pytest.raises(TemplateError, match="does not resolve to a string"):
        resolve({"Fn::Sub": "${Subnets}"}, scope)
    with pytest.raises(TemplateError, match="variable names in Fn::Sub syntax"):
        resolve({"Fn::Sub": "${a-b}"}, scope)
    with pytest.raises(Unresolved):
        resolve({"Fn::Sub": "${Later.Arn}"}, scope)


def test_join_select_split(scope: Scope) -> None:
    assert resolve({"Fn::Join": ["-", ["a", {"Ref": "Env"}, 3, True]]}, scope) == "a-prod-3-true"
    assert resolve({"Fn::Join": [",", {"Ref": "Subnets"}]}, scope) == "s-1,s-2"
    assert resolve({"Fn::Join": ["", [{"Fn::If": ["IsDev", "x", {"Ref": "AWS::NoValue"}]}, "y"]]}, scope) == "y"
    assert resolve({"Fn::Select": ["1", {"Ref": "Subnets"}]}, scope) == "s-2"
    assert resolve({"Fn::Select": [0, {"Fn::GetAZs": ""}]}, scope) == "eu-west-1a"
    assert resolve({"Fn::Split": ["|", "a|b||c"]}, scope) == ["a", "b", "", "c"]
    assert resolve({"Fn::Select": [2, {"Fn::Split": [":", {"Fn::GetAtt": ["Topic", "Missing"]}]}]},
                   Scope(resources={"Topic": Provisioned("t", {"Missing": "x:y:z"})})) == "z"
    with pytest.raises(TemplateError, match="Fn::Select cannot select nonexistent value at index 5"):
        resolve({"Fn::Select": [5, ["a"]]}, scope)
    with pytest.raises(TemplateError, match="every Fn::Join object requires two parameters"):
        resolve({"Fn::Join": ["-"]}, scope)


def test_if(scope: Scope) -> None:
    assert resolve({"Fn::If": ["IsDev", "a", {"Ref": "Env"}]}, scope) == "prod"
    with pytest.raises(TemplateError, match="unresolved condition dependency Nope in Fn::If"):
        resolve({"Fn::If": ["Nope", 1, 2]}, scope)


def test_find_in_map(scope: Scope) -> None:
    assert resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Mem"]}, scope) == 1024
    assert resolve({"Fn::FindInMap": ["Sizes", "prod", "Tags"]}, scope) == ["a", "b"]
    assert resolve({"Fn::FindInMap": ["Sizes", "dev", "Mem", {"DefaultValue": 128}]}, scope) == 128
    with pytest.raises(TemplateError, match="Unable to get mapping for Sizes::dev::Mem"):
        resolve({"Fn::FindInMap": ["Sizes", "dev", "Mem"]}, scope)


def test_get_azs_base64_import(scope: Scope) -> None:
    assert resolve({"Fn::GetAZs": {"Ref": "AWS::Region"}}, scope) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert resolve({"Fn::GetAZs": "us-east-2"}, scope) == ["us-east-2a", "us-east-2b", "us-east-2c"]
    assert resolve({"Fn::Base64": {"Fn::Sub": "echo ${Env}"}}, scope) == "ZWNobyBwcm9k"
    assert resolve({"Fn::ImportValue": {"Fn::Sub": "Shared-Vpc"}}, scope) == "vpc-9"
    with pytest.raises(TemplateError, match="^No export named Other found.$"):
        resolve({"Fn::ImportValue": "Other"}, scope)


def test_cidr(scope: Scope) -> None:
    assert resolve({"Fn::Cidr": ["192.168.0.0/24", 6, 5]}, scope) == [
        "192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27", "192.168.0.96/27", "192.168.0.128/27",
        "192.168.0.160/27"]
    assert resolve({"Fn::Cidr": ["10.0.0.0/16", "2", "8"]}, scope) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert resolve({"Fn::Cidr": ["2001:db8::/56", 2, 64]}, scope) == ["2001:db8::/64", "2001:db8:0:1::/64"]
    with pytest.raises(TemplateError, match="Fn::Cidr"):
        resolve({"Fn::Cidr": ["10.0.0.0/24", 3, 7]}, scope)


def test_to_json_string_and_length(scope: Scope) -> None:
    assert resolve({"Fn::ToJsonString": {"env": {"Ref": "Env"}, "n": [1, {"Ref": "AWS::NoValue"}]}}, scope) == \
        '{"env":"prod","n":[1]}'
    assert resolve({"Fn::Length": {"Ref": "Subnets"}}, scope) == 2
    assert resolve({"Fn::Length": [1, {"Fn::If": ["IsDev", 2, {"Ref": "AWS::NoValue"}]}]}, scope) == 1


def test_condition_functions_as_values(scope: Scope) -> None:
    assert resolve({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, scope) is True
    assert resolve({"Fn::Not": [{"Fn::Equals": [1, "1"]}]}, scope) is False
    assert resolve({"Fn::And": [{"Condition": "IsProd"}, {"Fn::Or": [{"Condition": "IsDev"}, True]}]}, scope) is True


def test_unsupported_function(scope: Scope) -> None:
    with pytest.raises(TemplateError, match="Encountered unsupported function: Fn::Nope"):
        resolve({"Fn::Nope": 1}, scope)
    # a multi-key mapping is data, whatever its keys
    assert resolve({"Ref": "x", "Other": 1}, scope) == {"Ref": "x", "Other": 1}


def test_evaluate_conditions() -> None:
    template: dict[str, Any] = {"Conditions": {
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "InEu"}]},
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "InEu": {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}, "eu"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Any": {"Fn::Or": [{"Condition": "NotProd"}, {"Fn::Equals": [{"Fn::FindInMap": ["M", "a", "b"]}, 1]}]},
    }, "Mappings": {"M": {"a": {"b": "1"}}}}
    scope = Scope(parameters={"Env": "prod"}, pseudo=pseudo_parameters("eu-west-1", "1", "s", "id"),
                  mappings=template["Mappings"])
    assert evaluate_conditions(template, scope) == {"Both": True, "IsProd": True, "InEu": True, "NotProd": False,
                                                    "Any": True}


@pytest.mark.parametrize(("conditions", "message"), [
    ({"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}},
     "Circular dependency between conditions: [A, B]"),
    ({"A": {"Condition": "Nope"}}, "Unresolved condition dependencies [Nope] in the Conditions block"),
    ({"A": {"Fn::Equals": [{"Ref": "Bucket"}, "x"]}},
     "Unresolved dependencies [Bucket]. Cannot reference resources in the Conditions block of the template"),
])
def test_condition_errors(conditions: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError) as info:
        evaluate_conditions({"Conditions": conditions}, Scope())
    assert message in str(info.value)


def test_references() -> None:
    value = {
        "A": {"Ref": "Queue"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::GetAtt": "Bucket.DomainName"},
        "D": {"Fn::Sub": "${Table}/${Api.RootResourceId}/${AWS::Region}/${Env}/${!Skip}"},
        "E": {"Fn::Sub": ["${Local}-${Fn}", {"Local": {"Ref": "Topic"}}]},
        "F": [{"Ref": "AWS::NoValue"}, {"Ref": "Env"}],
        "G": {"Fn::If": ["C", {"Ref": "OnlyTrue"}, {"Ref": "OnlyFalse"}]},
    }
    assert references(value, {"Env"}) == {"Queue", "Role", "Bucket", "Table", "Api", "Topic", "Fn", "OnlyTrue",
                                          "OnlyFalse"}
    assert "OnlyFalse" not in references(value, {"Env"}, {"C": True})
    assert "OnlyTrue" not in references(value, {"Env"}, {"C": False})
