"""Template transforms: a deployable template in, plain CloudFormation out.

``expand`` runs what CloudFormation runs before it creates anything: ``AWS::Include`` snippets
(from local files), ``AWS::LanguageExtensions`` and ``AWS::Serverless-2016-10-31`` — the last by
aws-sam-translator, the library AWS's own SAM transform is, so a SAM template means exactly what
it means on AWS. The translator is kept offline and fast:

* code on this machine: SAM only accepts S3 locations, so each local ``CodeUri``/``ContentUri``/
  ``DefinitionUri`` becomes a placeholder ``s3://squall-local/<n>-<fingerprint>`` before the
  transform and is mapped back after it — ``Code``/``Content`` → ``{"SquallLocalPath": <absolute
  path>}`` (what squall's Lambda handler reads: a directory or a .zip), an API definition →
  inline ``Body``. The fingerprint (file names, sizes, mtimes) makes SAM's content-hashed logical
  ids (``AutoPublishAlias`` versions, layer versions) change when the code does, as ``sam deploy``'s
  content-addressed uploads do;
* no AWS calls: the region comes from a stand-in session, AWS managed policy names resolve from
  the translator's bundled list then a table here (unknown names → ``arn:…:iam::aws:policy/<name>``),
  feature toggles are off, and Serverless Application Repository apps are refused up front.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from squall.templates import language_extensions
from squall.templates.errors import TemplateError
from squall.templates.intrinsics import partition_of
from squall.templates.loader import load_template

SERVERLESS = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
INCLUDE = "AWS::Include"
PLACEHOLDER_BUCKET = "squall-local"

#: AWS managed policies SAM templates and policy templates name (path included: several live
#: under service-role/); the translator's bundled list is asked first
MANAGED_POLICIES = {
    name: f"service-role/{name}" for name in (
        "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaRole",
        "AWSLambdaVPCAccessExecutionRole", "AWSLambdaDynamoDBExecutionRole", "AWSLambdaKinesisExecutionRole",
        "AWSLambdaMSKExecutionRole", "AmazonAPIGatewayPushToCloudWatchLogs", "AWSCodeDeployRoleForLambda",
        "AWSLambdaENIManagementAccess", "AWSAppSyncPushToCloudWatchLogs", "AWSIoTRuleActions",
    )
} | {
    name: name for name in (
        "AWSXRayDaemonWriteAccess", "AmazonS3ReadOnlyAccess", "AmazonS3FullAccess", "AmazonDynamoDBFullAccess",
        "AmazonDynamoDBReadOnlyAccess", "AmazonSQSFullAccess", "AmazonSQSReadOnlyAccess", "AmazonSNSFullAccess",
        "AmazonSNSReadOnlyAccess", "CloudWatchLogsFullAccess", "CloudWatchLogsReadOnlyAccess",
        "CloudWatchFullAccess", "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "AWSLambdaExecute",
        "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess", "AmazonEventBridgeFullAccess",
        "AWSStepFunctionsFullAccess", "AmazonKinesisFullAccess", "SecretsManagerReadWrite",
        "AmazonSSMReadOnlyAccess", "AWSXrayWriteOnlyAccess", "CloudWatchLambdaInsightsExecutionRolePolicy",
        "AmazonAPIGatewayInvokeFullAccess", "AmazonCognitoPowerUser", "AWSKeyManagementServicePowerUser",
    )
}

#: SAM resource type → its properties that may name local files
_LOCAL_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}
#: Globals section → property with a local path
_LOCAL_GLOBALS = {"Function": "CodeUri", "Api": "DefinitionUri", "HttpApi": "DefinitionUri"}
#: generated CloudFormation type → (property holding the S3 location, its bucket/key names,
#: what the local file becomes: a SquallLocalPath property, or the parsed document under a key)
_MAP_BACK = {
    "AWS::Lambda::Function": ("Code", "S3Bucket", "S3Key", "Code"),
    "AWS::Lambda::LayerVersion": ("Content", "S3Bucket", "S3Key", "Content"),
    "AWS::ApiGateway::RestApi": ("BodyS3Location", "Bucket", "Key", "Body"),
    "AWS::ApiGatewayV2::Api": ("BodyS3Location", "Bucket", "Key", "Body"),
    "AWS::StepFunctions::StateMachine": ("DefinitionS3Location", "Bucket", "Key", "Definition"),
}
_INLINED = {"Body", "Definition"}  # the rest become {"SquallLocalPath": …}
#: directories a code fingerprint skips besides hidden ones (.git, .venv, .aws-sam, squall's .squall):
#: a cache and another runtime's dependencies, not a Python function's code
_SKIPPED_DIRS = ("__pycache__", "node_modules")

_translator_lock = threading.Lock()  # the translator keeps the region in a class attribute


def expand(template: dict[str, Any], *, base_dir: Path | None, region: str, account: str, stack_name: str,
           parameters: dict[str, Any]) -> dict[str, Any]:
    """``template`` as plain CloudFormation (a new dict; ``template`` is not modified).
    ``parameters``: the stack's parameter values (given strings or resolved values)."""
    out = _inline_includes(copy.deepcopy(template), base_dir)
    transforms = _declared(out.pop("Transform", None))
    pseudo = {"AWS::Region": region, "AWS::AccountId": account, "AWS::StackName": stack_name,
              "AWS::Partition": partition_of(region)}
    for transform in transforms:
        if isinstance(transform, dict) and transform.get("Name") == INCLUDE:
            out = _merge(out, _include(transform, base_dir))
        elif transform == LANGUAGE_EXTENSIONS:
            out = language_extensions.apply(out, {**parameters, **pseudo})
        elif transform == SERVERLESS:
            out = _serverless(out, base_dir=base_dir, region=region, parameters=parameters)
        else:
            name = transform.get("Name") if isinstance(transform, dict) else transform
            raise TemplateError(f"Transform {name} is not supported by squall")
    return out


def declared_transforms(template: dict[str, Any]) -> list[str]:
    """The names of the template-level transforms, in order."""
    return [t.get("Name", "") if isinstance(t, dict) else t for t in _declared(template.get("Transform"))]


def _declared(value: Any) -> list[Any]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) or (isinstance(t, dict) and isinstance(t.get("Name"), str)) for t in items):
        raise TemplateError("Template format error: Transform must be a string, a list of strings, or an object "
                            "with a Name")
    return items


# --- AWS::Include ---------------------------------------------------------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html


def _inline_includes(value: Any, base_dir: Path | None) -> Any:
    if isinstance(value, list):
        return [_inline_includes(item, base_dir) for item in value]
    if not isinstance(value, dict):
        return value
    if "Fn::Transform" in value:
        snippet = _include(value["Fn::Transform"], base_dir)
        rest = {k: v for k, v in value.items() if k != "Fn::Transform"}
        return _inline_includes(_merge(rest, snippet) if rest else snippet, base_dir)
    return {key: _inline_includes(item, base_dir) for key, item in value.items()}


def _include(spec: Any, base_dir: Path | None) -> dict[str, Any]:
    name = spec.get("Name") if isinstance(spec, dict) else None
    if name != INCLUDE:
        raise TemplateError(f"Transform {name} is not supported by squall")
    location = (spec.get("Parameters") or {}).get("Location")
    if not isinstance(location, str):
        raise TemplateError("Transform AWS::Include failed with: Location must be a string")
    path = _local_path(location.removeprefix("file://"), base_dir, f"the {INCLUDE} Location")
    try:
        return load_template(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"Transform AWS::Include failed with: cannot read {path}: {exc}") from None


def _merge(base: dict[str, Any], snippet: dict[str, Any]) -> dict[str, Any]:
    """``snippet``'s keys over ``base``'s; sections present in both are merged one level down."""
    out = dict(base)
    for key, value in snippet.items():
        out[key] = {**out[key], **value} if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def _local_path(location: str, base_dir: Path | None, what: str) -> Path:
    if location.startswith(("s3://", "http://", "https://")):
        raise TemplateError(f"{what} {location} is remote: squall reads local files only")
    path = Path(location).expanduser()
    if not path.is_absolute():
        if base_dir is None:
            raise TemplateError(f"{what} {location} is a relative path, but the template has no base directory")
        path = base_dir / path
    path = path.resolve()
    if not path.exists():
        raise TemplateError(f"{what} {location}: {path} does not exist")
    return path


# --- AWS::Serverless-2016-10-31 ---------------------------------------------------------------


@dataclass
class _Placeholders:
    """Local paths swapped for S3 URIs SAM accepts, and back."""

    base_dir: Path | None
    paths: dict[str, Path] = field(default_factory=dict)  # S3 key → local path
    keys: dict[Path, str] = field(default_factory=dict)

    def uri(self, location: str, what: str) -> str:
        path = _local_path(location, self.base_dir, what)
        key = self.keys.get(path)
        if key is None:
            key = f"{len(self.keys) + 1}-{_fingerprint(path)}"
            self.keys[path], self.paths[key] = key, path
        return f"s3://{PLACEHOLDER_BUCKET}/{key}"

    def replace_in(self, template: dict[str, Any]) -> None:
        globals_ = template.get("Globals") if isinstance(template.get("Globals"), dict) else {}
        for section, prop in _LOCAL_GLOBALS.items():
            settings = globals_.get(section)
            if isinstance(settings, dict) and _is_local(settings.get(prop)):
                settings[prop] = self.uri(settings[prop], f"Globals {section} {prop}")
        global_code = isinstance(globals_.get("Function"), dict) and "CodeUri" in globals_["Function"]
        for logical_id, resource in (template.get("Resources") or {}).items():
            prop = _LOCAL_PROPERTIES.get(resource.get("Type")) if isinstance(resource, dict) else None
            if prop is None:
                continue
            props = resource.setdefault("Properties", {})
            if not isinstance(props, dict):
                continue
            if prop == "CodeUri" and not global_code and _needs_default_code(props):
                props["CodeUri"] = "."  # as sam build/deploy: the template's directory
            if _is_local(props.get(prop)):
                props[prop] = self.uri(props[prop], f"{prop} of {logical_id}")

    def map_back(self, template: dict[str, Any]) -> None:
        for resource in (template.get("Resources") or {}).values():
            spec = _MAP_BACK.get(resource.get("Type"))
            props = resource.get("Properties")
            if spec is None or not isinstance(props, dict):
                continue
            prop, bucket, key, target = spec
            location = props.get(prop)
            if not (isinstance(location, dict) and location.get(bucket) == PLACEHOLDER_BUCKET):
                continue
            path = self.paths[location[key]]
            del props[prop]
            props[target] = _document(path) if target in _INLINED else {"SquallLocalPath": str(path)}


def _is_local(value: Any) -> bool:
    return isinstance(value, str) and not value.startswith("s3://")


def _needs_default_code(props: dict[str, Any]) -> bool:
    return not any(k in props for k in ("CodeUri", "InlineCode", "ImageUri")) and props.get("PackageType") != "Image"


def _fingerprint(path: Path) -> str:
    """A cheap digest of what is at ``path`` (names, sizes, mtimes — no file is read)."""
    digest = hashlib.sha256()
    if path.is_file():
        stat = path.stat()
        digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:16]
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(root, name))
            except OSError:
                continue
            digest.update(f"{os.path.relpath(os.path.join(root, name), path)}\0{stat.st_size}:"
                          f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _document(path: Path) -> dict[str, Any]:
    try:
        return load_template(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"Cannot read the definition {path}: {exc}") from None


class _ManagedPolicies(dict[str, str]):
    """Name → ARN; a name not in the table is taken as an AWS managed policy at the root path."""

    def __init__(self, partition: str) -> None:
        super().__init__({name: f"arn:{partition}:iam::aws:policy/{path}" for name, path in MANAGED_POLICIES.items()})
        self.partition = partition

    def get(self, name: Any, default: Any = None) -> Any:  # type: ignore[override]
        if name in self:
            return self[name]
        return f"arn:{self.partition}:iam::aws:policy/{name}" if isinstance(name, str) else default


class _PolicyLoader:
    """The managed-policy loader the translator asks instead of IAM's ListPolicies."""

    def __init__(self, partition: str) -> None:
        self.partition = partition

    def load(self) -> dict[str, str]:
        return _ManagedPolicies(self.partition)


@dataclass
class _Session:
    """What the translator reads of a boto3 session: the region."""

    region_name: str


@functools.cache
def _toggles_off() -> Any:
    """Feature toggles that are all off — quietly (the default config logs a warning per query)."""
    from samtranslator.feature_toggle.feature_toggle import FeatureToggle, FeatureToggleDefaultConfigProvider

    class TogglesOff(FeatureToggle):
        def is_enabled(self, feature_name: str) -> bool:
            return False

    return TogglesOff(FeatureToggleDefaultConfigProvider(), stage=None, account_id=None, region=None)


def _serverless(template: dict[str, Any], *, base_dir: Path | None, region: str,
                parameters: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    _refuse_repository_apps(template)
    placeholders = _Placeholders(base_dir)
    placeholders.replace_in(template)
    loader = _PolicyLoader(partition_of(region))
    toggles = _toggles_off()
    try:
        with _translator_lock:
            translator = Translator(None, Parser(), boto_session=_Session(region))  # type: ignore[arg-type]
            try:
                out = translator.translate(template, parameter_values=dict(parameters), feature_toggle=toggles,
                                           get_managed_policy_map=loader.load)
            finally:
                translator.metrics.publish()  # to the translator's dummy publisher: clears its cache
    except InvalidDocumentException as exc:
        details = " ".join(cause.message for cause in exc.causes)
        raise TemplateError(f"Transform {SERVERLESS} failed with: {exc.message} {details}".rstrip()) from None
    except ExceptionWithMessage as exc:
        raise TemplateError(f"Transform {SERVERLESS} failed with: {exc.message}") from None
    except TemplateError:
        raise
    except Exception as exc:  # a translator bug or a template it cannot digest
        raise TemplateError(f"Transform {SERVERLESS} failed with: Internal transform failure "
                            f"({type(exc).__name__}: {exc})") from exc
    placeholders.map_back(out)
    return out


def _refuse_repository_apps(template: dict[str, Any]) -> None:
    for logical_id, resource in (template.get("Resources") or {}).items():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Application" and \
                isinstance((resource.get("Properties") or {}).get("Location"), dict):
            raise TemplateError(f"Transform {SERVERLESS} failed with: Resource with id [{logical_id}] is invalid. "
                                "Serverless Application Repository applications are not supported by squall")
