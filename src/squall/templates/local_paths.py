"""Local paths in a template, made absolute before it leaves the directory it was written in.

SAM's ``CodeUri`` / ``ContentUri`` / ``DefinitionUri`` (and ``Globals``), ``AWS::Include``
``Location`` and CloudFormation's packaging forms (``AWS::Lambda::Function`` ``Code: ./dir``) are
relative to the template's directory. ``squall deploy`` and ``squall up`` send templates to a
server whose working directory may be elsewhere, so they pin those paths first — as the SAM CLI
resolves them against the template before building.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_SAM_KEYS = {"AWS::Serverless::Function": ("CodeUri",), "AWS::Serverless::LayerVersion": ("ContentUri",),
             "AWS::Serverless::Api": ("DefinitionUri",), "AWS::Serverless::HttpApi": ("DefinitionUri",),
             "AWS::Serverless::StateMachine": ("DefinitionUri",), "AWS::Lambda::Function": ("Code",),
             "AWS::Lambda::LayerVersion": ("Content",), "AWS::ApiGateway::RestApi": ("BodyS3Location",)}


def _local(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "://" not in value and not value.startswith("arn:")


def _pin(value: Any, base: Path) -> Any:
    return str((base / value).resolve()) if _local(value) else value


def absolutize(template: dict[str, Any], base: Path) -> dict[str, Any]:
    """``template`` with every local path above made absolute against ``base`` (in place)."""
    for section in ("Function", "LayerVersion", "Api", "HttpApi"):
        glob = (template.get("Globals") or {}).get(section)
        if isinstance(glob, dict):
            for key in ("CodeUri", "ContentUri", "DefinitionUri"):
                if key in glob:
                    glob[key] = _pin(glob[key], base)
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict):
            continue
        props = resource.get("Properties")
        if not isinstance(props, dict):
            continue
        rtype = resource.get("Type", "")
        for key in _SAM_KEYS.get(rtype, ()):
            if key in props:
                props[key] = _pin(props[key], base)
                if rtype in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion") and _local(props[key]):
                    props[key] = {"SquallLocalPath": props[key]}  # the packaging form: a local dir or zip
    _includes(template, base)
    return template


def _includes(node: Any, base: Path) -> None:
    if isinstance(node, dict):
        if node.get("Name") == "AWS::Include" and isinstance(node.get("Parameters"), dict):
            params = node["Parameters"]
            params["Location"] = _pin(params.get("Location"), base)
        for value in node.values():
            _includes(value, base)
    elif isinstance(node, list):
        for value in node:
            _includes(value, base)
