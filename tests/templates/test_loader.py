"""The template loader: JSON/YAML, CloudFormation's short forms and scalar rules, files and dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.templates.errors import TemplateError
from squall.templates.loader import load_path, load_template


def test_short_forms_become_long_forms() -> None:
    template = load_template("""
Resources:
  R:
    Type: X
    Properties:
      Ref: !Ref Param
      Sub: !Sub "${AWS::Region}-x"
      SubList: !Sub ["${A}", {A: !Ref B}]
      Att: !GetAtt Res.Arn
      AttDots: !GetAtt Res.Endpoint.Address
      AttList: !GetAtt [Res, Arn]
      Join: !Join [",", [a, b]]
      Select: !Select [0, !GetAZs ""]
      Split: !Split [",", "a,b"]
      If: !If [Cond, yes, !Ref AWS::NoValue]
      Find: !FindInMap [M, K1, K2]
      B64: !Base64 hello
      Imp: !ImportValue Shared
      Cidr: !Cidr [10.0.0.0/16, 2, 8]
      Json: !ToJsonString {a: 1}
      Len: !Length [1, 2]
      Inc: !Transform {Name: AWS::Include, Parameters: {Location: x.yaml}}
Conditions:
  C: !And [!Equals [a, !Ref P], !Or [!Not [!Condition D], !Condition E]]
""")
    props = template["Resources"]["R"]["Properties"]
    assert props["Ref"] == {"Ref": "Param"}
    assert props["Sub"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["SubList"] == {"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}
    assert props["Att"] == {"Fn::GetAtt": ["Res", "Arn"]}
    assert props["AttDots"] == {"Fn::GetAtt": ["Res", "Endpoint.Address"]}
    assert props["AttList"] == {"Fn::GetAtt": ["Res", "Arn"]}
    assert props["Join"] == {"Fn::Join": [",", ["a", "b"]]}
    assert props["Select"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert props["Split"] == {"Fn::Split": [",", "a,b"]}
    assert props["If"] == {"Fn::If": ["Cond", "yes", {"Ref": "AWS::NoValue"}]}
    assert props["Find"] == {"Fn::FindInMap": ["M", "K1", "K2"]}
    assert props["B64"] == {"Fn::Base64": "hello"}
    assert props["Imp"] == {"Fn::ImportValue": "Shared"}
    assert props["Cidr"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    assert props["Json"] == {"Fn::ToJsonString": {"a": 1}}
    assert props["Len"] == {"Fn::Length": [1, 2]}
    assert props["Inc"] == {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "x.yaml"}}}
    assert template["Conditions"]["C"] == {"Fn::And": [
        {"Fn::Equals": ["a", {"Ref": "P"}]},
        {"Fn::Or": [{"Fn::Not": [{"Condition": "D"}]}, {"Condition": "E"}]},
    ]}


def test_scalars_follow_cloudformation_not_yaml_1_1() -> None:
    template = load_template("""
AWSTemplateFormatVersion: 2010-09-09
Values: [2024-01-01T10:00:00Z, Yes, no, on, true, False, 012345678901, "1:30", 1:30, 0x1F, 42, -3, 1.5, 1e3, ~]
""")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert template["Values"] == ["2024-01-01T10:00:00Z", "Yes", "no", "on", True, False, "012345678901",
                                  "1:30", "1:30", "0x1F", 42, -3, 1.5, 1000.0, None]


def test_json_is_read_as_json() -> None:
    assert load_template('{"Resources": {"A": {"Type": "X", "Properties": {"N": 12345678901234567890}}}}') == {
        "Resources": {"A": {"Type": "X", "Properties": {"N": 12345678901234567890}}}}


@pytest.mark.parametrize(("text", "message"), [
    ("Resources: [\n", "Template format error: YAML not well-formed. (line 2, column 1)"),
    ('{"Resources": {"A": 1}\n', "Template format error: JSON not well-formed. (line 2, column 1)"),
    ("just a string", "Template format error: unsupported structure."),
    ("", "Template format error: unsupported structure."),
    ("A: !Bogus x", "Template format error: YAML not well-formed."),
])
def test_bad_syntax(text: str, message: str) -> None:
    with pytest.raises(TemplateError) as info:
        load_template(text)
    assert str(info.value).startswith(message)


def test_load_path_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "template.yml").write_text("Resources: {A: {Type: X}}\n")
    template, base = load_path(tmp_path)
    assert template == {"Resources": {"A": {"Type": "X"}}}
    assert base == tmp_path.resolve()
    other = tmp_path / "sub" / "stack.json"
    other.parent.mkdir()
    other.write_text('{"Resources": {"B": {"Type": "Y"}}}')
    assert load_path(other) == ({"Resources": {"B": {"Type": "Y"}}}, other.parent.resolve())
    with pytest.raises(TemplateError, match="No template found"):
        load_path(tmp_path / "sub")
