"""AWS::LanguageExtensions: Fn::ForEach, Fn::ToJsonString, Fn::Length, parameterised policies."""

from __future__ import annotations

from typing import Any

import pytest

from squall.templates.errors import TemplateError
from squall.templates.language_extensions import apply
from squall.templates.loader import load_template


def test_foreach_resources_outputs_conditions() -> None:
    template = load_template("""
Transform: AWS::LanguageExtensions
Parameters:
  Topics: {Type: CommaDelimitedList, Default: "Orders,Invoices"}
Conditions:
  Fn::ForEach::Is:
    - Name
    - !Ref Topics
    - Is${Name}: !Equals [!Ref Name, Orders]
Resources:
  Fn::ForEach::Topics:
    - TopicName
    - !Ref Topics
    - Topic${TopicName}:
        Type: AWS::SNS::Topic
        Condition: !Sub Is${TopicName}
        Properties:
          TopicName: !Ref TopicName
          DisplayName: !Sub "${TopicName}-${AWS::Region}"
  Fn::ForEach::Subnets:
    - Cidr
    - [10.0.1.0/24, 10.0.2.0/24]
    - Subnet&{Cidr}:
        Type: AWS::EC2::Subnet
        Properties: {CidrBlock: !Ref Cidr}
Outputs:
  Fn::ForEach::Out:
    - TopicName
    - !Ref Topics
    - ${TopicName}Arn:
        Value: !Ref
          Fn::Sub: Topic${TopicName}
""")
    out = apply(template, {"AWS::Region": "eu-west-1"})
    assert out["Conditions"] == {"IsOrders": {"Fn::Equals": ["Orders", "Orders"]},
                                 "IsInvoices": {"Fn::Equals": ["Invoices", "Orders"]}}
    assert out["Resources"]["TopicOrders"] == {"Type": "AWS::SNS::Topic", "Condition": {"Fn::Sub": "IsOrders"},
                                               "Properties": {"TopicName": "Orders",
                                                              "DisplayName": {"Fn::Sub": "Orders-${AWS::Region}"}}}
    assert list(out["Resources"]) == ["TopicOrders", "TopicInvoices", "Subnet1001024", "Subnet1002024"]
    assert out["Resources"]["Subnet1002024"]["Properties"] == {"CidrBlock": "10.0.2.0/24"}
    assert list(out["Outputs"]) == ["OrdersArn", "InvoicesArn"]
    assert template["Resources"].keys() == {"Fn::ForEach::Topics", "Fn::ForEach::Subnets"}  # input untouched


def test_foreach_nested_and_given_list() -> None:
    template: dict[str, Any] = {"Parameters": {"Envs": {"Type": "CommaDelimitedList"}}, "Resources": {
        "Fn::ForEach::Env": ["Env", {"Ref": "Envs"}, {
            "Fn::ForEach::App": ["App", ["api", "web"], {
                "${App}${Env}": {"Type": "X", "Properties": {"Name": "${App}-${Env}"}}}]}]}}
    out = apply(template, {"Envs": "dev, prod"})
    assert out["Resources"] == {
        "apidev": {"Type": "X", "Properties": {"Name": "api-dev"}},
        "webdev": {"Type": "X", "Properties": {"Name": "web-dev"}},
        "apiprod": {"Type": "X", "Properties": {"Name": "api-prod"}},
        "webprod": {"Type": "X", "Properties": {"Name": "web-prod"}},
    }


def test_foreach_errors() -> None:
    with pytest.raises(TemplateError, match="more than once"):
        apply({"Resources": {"Fn::ForEach::L": ["X", ["a", "b"], {"Same": {"Type": "T"}}]}}, {})
    with pytest.raises(TemplateError, match="already defined"):
        apply({"Resources": {"Ta": {"Type": "T"}, "Fn::ForEach::L": ["X", ["a"], {"T${X}": {"Type": "T"}}]}}, {})
    with pytest.raises(TemplateError, match="requires a list of three elements"):
        apply({"Resources": {"Fn::ForEach::L": ["X", ["a"]]}}, {})


def test_static_functions_and_policies() -> None:
    template: dict[str, Any] = {
        "Parameters": {"Policy": {"Type": "String", "Default": "Retain"}, "Ids": {"Type": "CommaDelimitedList"}},
        "Resources": {"Bucket": {
            "Type": "AWS::S3::Bucket", "DeletionPolicy": {"Ref": "Policy"}, "UpdateReplacePolicy": {"Ref": "Policy"},
            "Properties": {
                "Static": {"Fn::ToJsonString": {"ids": {"Ref": "Ids"}}},
                "Count": {"Fn::Length": {"Ref": "Ids"}},
                "Later": {"Fn::ToJsonString": {"arn": {"Fn::GetAtt": ["Other", "Arn"]}}},
            }}}}
    out = apply(template, {"Ids": "a,b,c"})
    bucket = out["Resources"]["Bucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert bucket["Properties"] == {"Static": '{"ids":["a","b","c"]}', "Count": 3,
                                    "Later": {"Fn::ToJsonString": {"arn": {"Fn::GetAtt": ["Other", "Arn"]}}}}


def test_foreach_in_properties_and_find_in_map_default() -> None:
    template: dict[str, Any] = {
        "Mappings": {"Sizes": {"prod": {"Mem": 1024}}},
        "Resources": {"Fn": {"Type": "X", "Properties": {
            "Memory": {"Fn::FindInMap": ["Sizes", "dev", "Mem", {"DefaultValue": 128}]},
            "Plain": {"Fn::FindInMap": ["Sizes", "prod", "Mem"]},
            "Tags": {"Fn::ForEach::Tags": ["Key", ["a", "b"], {"Tag${Key}": {"Ref": "Key"}}]},
        }}}}
    props = apply(template, {})["Resources"]["Fn"]["Properties"]
    assert props == {"Memory": 128, "Plain": {"Fn::FindInMap": ["Sizes", "prod", "Mem"]},
                     "Tags": {"Taga": "a", "Tagb": "b"}}
