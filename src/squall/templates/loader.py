"""Reading a template file: JSON or YAML, with CloudFormation's YAML short forms.

CloudFormation reads JSON first and falls back to YAML
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-validate-template.html).
Its YAML differs from PyYAML's YAML 1.1 defaults in ways templates rely on, so the loader has
its own scalar rules:

* ``!Ref X``, ``!GetAtt A.B``, ``!Sub …``… are the short forms of the ``Fn::`` functions and load
  as their long dict forms (``{"Fn::GetAtt": ["A", "B"]}``), so nothing downstream sees tags;
* dates stay strings: ``AWSTemplateFormatVersion: 2010-09-09`` is the string "2010-09-09";
* only ``true``/``false`` are booleans (``Yes``/``No``/``on``/``off`` stay strings, as in
  ``!Equals [!Ref Deploy, Yes]``), and only plain decimals are integers: ``012345678901`` (an
  account id) stays a string instead of losing its zero or being read as octal, ``1:30`` is not 90.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import yaml

from squall.templates.errors import TemplateError

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: the names a directory is searched for, in order (SAM CLI's defaults)
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")

#: YAML tag (without "!") → the long form's key; short forms per
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
_SHORT_FORMS = {
    name: f"Fn::{name}"
    for name in ("Base64", "Cidr", "And", "Equals", "If", "Not", "Or", "FindInMap", "GetAtt", "GetAZs",
                 "ImportValue", "Join", "Length", "Select", "Split", "Sub", "ToJsonString", "Transform")
}
_SHORT_FORMS["Ref"] = "Ref"
_SHORT_FORMS["Condition"] = "Condition"


class _TemplateLoader(_Base):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     (r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
      r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"), "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
):
    _TemplateLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _short_form(key: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if key == "Fn::GetAtt":  # "Res.Attr.With.Dots": the resource name ends at the first dot
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {key: value}

    return construct


for _name, _key in _SHORT_FORMS.items():
    _TemplateLoader.add_constructor(f"!{_name}", _short_form(_key))


def load_template(text: str) -> dict[str, Any]:
    """Parse a template body (JSON, else YAML). Bad syntax → TemplateError with CloudFormation's
    "Template format error: … not well-formed. (line L, column C)"."""
    json_error: json.JSONDecodeError | None = None
    if text.lstrip().startswith("{"):
        try:
            return _mapping(json.loads(text))
        except json.JSONDecodeError as exc:  # maybe a YAML flow mapping; report the JSON error if not
            json_error = exc
    try:
        return _mapping(yaml.load(text, Loader=_TemplateLoader))  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        if json_error is not None:
            raise TemplateError(f"Template format error: JSON not well-formed. "
                                f"(line {json_error.lineno}, column {json_error.colno})") from None
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise TemplateError(f"Template format error: YAML not well-formed.{where}{detail}") from None


def load_path(path: Path) -> tuple[dict[str, Any], Path]:
    """Load the template at ``path`` — a file, or a directory holding template.yaml / .yml / .json —
    and return it with its base directory (what relative CodeUri and Include locations resolve from)."""
    path = Path(path)
    if path.is_dir():
        found = next((path / name for name in TEMPLATE_NAMES if (path / name).is_file()), None)
        if found is None:
            raise TemplateError(f"No template found in {path} (looked for {', '.join(TEMPLATE_NAMES)})")
        path = found
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"Cannot read template {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TemplateError(f"Template format error: {path} is not UTF-8 text") from None
    return load_template(text), path.resolve().parent


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TemplateError("Template format error: unsupported structure.")
    return value
