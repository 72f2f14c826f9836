"""ValidateTemplate, and the structural checks every deployment starts with.

:func:`check_structure` rejects what CloudFormation rejects before looking at values (unknown
sections, a missing Resources block, resources without a Type…); :func:`validate_template` adds
the reference checks and builds the ValidateTemplate answer: parameters, description, the
capabilities the template needs and why
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-capabilities).
"""

from __future__ import annotations

import re
from typing import Any

from squall.templates import graph
from squall.templates.errors import TemplateError
from squall.templates.parameters import as_text, check_type, noecho_names
from squall.templates.sam import SERVERLESS, declared_transforms

SECTIONS = ("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
            "Conditions", "Transform", "Resources", "Outputs", "Hooks")
RESOURCE_ATTRIBUTES = ("Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy",
                       "Metadata", "CreationPolicy", "UpdatePolicy",
                       "Connectors", "IgnoreGlobals")  # the last two: SAM resource attributes
FORMAT_VERSION = "2010-09-09"
_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+$")
#: keys of a section that a transform (not CloudFormation) consumes
_TRANSFORM_KEYS = ("Fn::ForEach::", "Fn::Transform")

#: IAM resource type → the property that names it (naming one needs CAPABILITY_NAMED_IAM)
IAM_TYPES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::Policy": None,
    "AWS::IAM::RolePolicy": None,
    "AWS::IAM::UserPolicy": None,
    "AWS::IAM::GroupPolicy": None,
    "AWS::IAM::AccessKey": None,
    "AWS::IAM::UserToGroupAddition": None,
}


def check_structure(template: dict[str, Any]) -> None:
    """Raise TemplateError for what makes ``template`` unusable whatever its parameters."""
    sam_template = SERVERLESS in declared_transforms(template)
    unknown = [key for key in template if key not in SECTIONS and not (sam_template and key == "Globals")]
    if unknown:
        raise TemplateError(f"Template format error: Invalid template property or properties [{', '.join(unknown)}]")
    version = template.get("AWSTemplateFormatVersion")
    if version is not None and as_text(version) != FORMAT_VERSION:
        raise TemplateError(f"Template format error: Unsupported AWSTemplateFormatVersion '{as_text(version)}' "
                            f"(the only version is {FORMAT_VERSION})")
    for name, decl in (template.get("Parameters") or {}).items():
        check_type(name, decl)
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("Template format error: At least one Resources member must be defined.")
    for logical_id, resource in resources.items():
        if logical_id.startswith(_TRANSFORM_KEYS):
            continue
        if not _LOGICAL_ID.match(logical_id):
            raise TemplateError(f"Template format error: Resource name {logical_id} is non alphanumeric.")
        if not isinstance(resource, dict):
            raise TemplateError("Template format error: Every Resources member must be an object.")
        if "Fn::Transform" in resource:  # completed by an AWS::Include snippet
            continue
        if not isinstance(resource.get("Type"), str):
            raise TemplateError(f"Template format error: [/Resources/{logical_id}] Every Resources object must "
                                "contain a Type member.")
        for attribute in resource:
            if attribute not in RESOURCE_ATTRIBUTES:
                raise TemplateError(f"Template format error: Invalid template resource property '{attribute}'")
    for key, output in (template.get("Outputs") or {}).items():
        if not key.startswith(_TRANSFORM_KEYS) and not (isinstance(output, dict) and "Value" in output):
            raise TemplateError(f"Template format error: Every Outputs member must contain a Value object "
                                f"(output {key})")


def validate_template(template: dict[str, Any]) -> dict[str, Any]:
    """The ValidateTemplate answer for ``template`` (TemplateError when it is invalid)."""
    check_structure(template)
    transforms = all_transforms(template)
    if not transforms:  # a transform may create what the template refers to: checked after expansion
        declared_conditions = {name: True for name in (template.get("Conditions") or {})}
        resources = graph.active_resources(template, declared_conditions)
        graph.order(graph.dependencies(resources, set(template.get("Parameters") or {})))
    noecho = noecho_names(template)
    parameters = []
    for name, decl in (template.get("Parameters") or {}).items():
        entry: dict[str, Any] = {"ParameterKey": name}
        if "Default" in decl:
            entry["DefaultValue"] = as_text(decl["Default"])
        entry["NoEcho"] = name in noecho
        if "Description" in decl:
            entry["Description"] = decl["Description"]
        parameters.append(entry)
    answer: dict[str, Any] = {"Parameters": parameters}
    if "Description" in template:
        answer["Description"] = template["Description"]
    capabilities, reasons = required_capabilities(template, transforms)
    answer["Capabilities"] = capabilities
    if reasons:
        answer["CapabilitiesReason"] = f"The following resource(s) require capabilities: [{', '.join(reasons)}]"
    answer["DeclaredTransforms"] = transforms
    return answer


def required_capabilities(template: dict[str, Any], transforms: list[str] | None = None
                          ) -> tuple[list[str], list[str]]:
    """(capabilities, what requires them): CAPABILITY_IAM or CAPABILITY_NAMED_IAM for IAM resources
    (named ones need the latter), CAPABILITY_AUTO_EXPAND for macros and transforms."""
    transforms = all_transforms(template) if transforms is None else transforms
    capabilities: list[str] = []
    reasons: list[str] = []
    named = False
    for resource in (template.get("Resources") or {}).values():
        type_name = resource.get("Type") if isinstance(resource, dict) else None
        if type_name not in IAM_TYPES:
            continue
        name_property = IAM_TYPES[type_name]
        named = named or bool(name_property and name_property in (resource.get("Properties") or {}))
        if type_name not in reasons:
            reasons.append(type_name)
    if reasons:
        capabilities.append("CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM")
    if transforms:
        capabilities.append("CAPABILITY_AUTO_EXPAND")
        reasons.extend(t for t in transforms if t not in reasons)
    return capabilities, reasons


def all_transforms(template: dict[str, Any]) -> list[str]:
    """The template-level transforms, then the macros named by ``Fn::Transform`` anywhere."""
    names = declared_transforms(template)
    _inline_transforms(template, names)
    return names


def _inline_transforms(value: Any, names: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _inline_transforms(item, names)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::Transform" and isinstance(item, dict) and isinstance(item.get("Name"), str):
                if item["Name"] not in names:
                    names.append(item["Name"])
            else:
                _inline_transforms(item, names)
