"""ValidateTemplate's answer and the structural checks."""

from __future__ import annotations

from typing import Any

import pytest

from squall.templates.errors import TemplateError
from squall.templates.validate import validate_template


def test_answer() -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "demo",
        "Parameters": {"Env": {"Type": "String", "Default": "dev", "Description": "stage"},
                       "Secret": {"Type": "String", "NoEcho": True},
                       "Size": {"Type": "Number", "Default": 3}},
        "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                      "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Env"}}}},
    }
    assert validate_template(template) == {
        "Parameters": [
            {"ParameterKey": "Env", "DefaultValue": "dev", "NoEcho": False, "Description": "stage"},
            {"ParameterKey": "Secret", "NoEcho": True},
            {"ParameterKey": "Size", "DefaultValue": "3", "NoEcho": False},
        ],
        "Description": "demo",
        "Capabilities": ["CAPABILITY_IAM"],
        "CapabilitiesReason": "The following resource(s) require capabilities: [AWS::IAM::Role]",
        "DeclaredTransforms": [],
    }


def test_capabilities() -> None:
    named = {"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}},
                           "Policy": {"Type": "AWS::IAM::Policy"}}}
    answer = validate_template(named)
    assert answer["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert answer["CapabilitiesReason"] == ("The following resource(s) require capabilities: "
                                            "[AWS::IAM::Role, AWS::IAM::Policy]")
    sam = {"Transform": "AWS::Serverless-2016-10-31", "Globals": {},
           "Resources": {"Fn": {"Type": "AWS::Serverless::Function"},
                         "Q": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "q.yaml"}}}}}
    answer = validate_template(sam)
    assert answer["Capabilities"] == ["CAPABILITY_AUTO_EXPAND"]
    assert answer["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31", "AWS::Include"]
    assert answer["CapabilitiesReason"] == ("The following resource(s) require capabilities: "
                                            "[AWS::Serverless-2016-10-31, AWS::Include]")
    assert validate_template({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})["Capabilities"] == []


@pytest.mark.parametrize(("template", "message"), [
    ({"Description": "x"}, "Template format error: At least one Resources member must be defined."),
    ({"Resources": {}}, "Template format error: At least one Resources member must be defined."),
    ({"Resources": {"A": {"Type": "X"}}, "Output": {}},
     "Template format error: Invalid template property or properties [Output]"),
    ({"Resources": {"A": {"Type": "X"}}, "Globals": {}},
     "Template format error: Invalid template property or properties [Globals]"),
    ({"AWSTemplateFormatVersion": "2010-09-10", "Resources": {"A": {"Type": "X"}}},
     "Template format error: Unsupported AWSTemplateFormatVersion '2010-09-10'"),
    ({"Resources": {"A": {"Properties": {}}}},
     "Template format error: [/Resources/A] Every Resources object must contain a Type member."),
    ({"Resources": {"A": "x"}}, "Template format error: Every Resources member must be an object."),
    ({"Resources": {"A-b": {"Type": "X"}}}, "Template format error: Resource name A-b is non alphanumeric."),
    ({"Resources": {"A": {"Type": "X", "Propertes": {}}}},
     "Template format error: Invalid template resource property 'Propertes'"),
    ({"Resources": {"A": {"Type": "X", "Properties": {"P": {"Ref": "B"}}}}},
     "Template format error: Unresolved resource dependencies [B] in the Resources block of the template"),
    ({"Resources": {"A": {"Type": "X", "DependsOn": "B"}, "B": {"Type": "X", "DependsOn": "A"}}},
     "Circular dependency between resources: [A, B]"),
    ({"Resources": {"A": {"Type": "X", "Condition": "Nope"}}},
     "Template format error: Unresolved condition dependencies [Nope] in the Resources block of the template"),
    ({"Parameters": {"P": {"Type": "Strng"}}, "Resources": {"A": {"Type": "X"}}},
     "Template format error: Unrecognized parameter type: Strng"),
    ({"Resources": {"A": {"Type": "X"}}, "Outputs": {"O": {"Description": "no value"}}},
     "Template format error: Every Outputs member must contain a Value object"),
])
def test_structure_errors(template: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError) as info:
        validate_template(template)
    assert str(info.value).startswith(message)
