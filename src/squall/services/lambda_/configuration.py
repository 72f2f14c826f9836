"""A function version's configuration: validating the members Create/UpdateFunctionConfiguration
take, and rendering the ``FunctionConfiguration`` every function operation answers with.

Limits and defaults: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html and
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (memory 128–10,240 MB,
timeout 1–900 s, /tmp 512–10,240 MB, environment 4 KB). Reserved environment variables:
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime.
Messages are AWS's (checked against recorded responses).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

from squall.services.lambda_ import runtimes
from squall.services.lambda_.errors import InvalidParameterValue, check_range, constraint, validation
from squall.services.lambda_.names import PARTITION, function_arn
from squall.services.lambda_.store import lambda_date

ROLE = re.compile(r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")
ROLE_PATTERN = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
ENV_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
ENV_LIMIT = 4096
MAX_LAYERS = 5
LAYER_VERSION = re.compile(r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z0-9-]+:\d{12}:layer:[a-zA-Z0-9_-]+:[0-9]+")
LAYER_VERSION_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:"
                         r"\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
APP_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LEVELS = ("DEBUG", "INFO", "WARN")
DEFAULTS: dict[str, Any] = {
    "Description": "", "Timeout": 3, "MemorySize": 128, "TracingConfig": "PassThrough",
    "Architectures": ["x86_64"], "EphemeralStorage": 512, "SnapStart": "None", "PackageType": "Zip",
}
# Members that change how code runs but squall cannot honour: refused rather than silently ignored.
UNSUPPORTED = {"CapacityProviderConfig": "Lambda Managed Instances (CapacityProviderConfig)",
               "DurableConfig": "durable functions (DurableConfig)"}


def apply(cfg: dict[str, Any], params: dict[str, Any], name: str, *, creating: bool) -> dict[str, Any]:
    """A validated copy of ``cfg`` with the configuration members of ``params`` applied.
    ``Layers`` are checked for form only here (their existence is the caller's, in its transaction)."""
    out = dict(DEFAULTS, **cfg) if creating else dict(cfg)
    for member, what in UNSUPPORTED.items():
        if params.get(member):
            raise InvalidParameterValue(f"squall does not support {what} yet.")
    if creating:
        package = params.get("PackageType") or "Zip"
        if package == "Image":
            raise InvalidParameterValue("squall cannot run container image functions (PackageType Image) yet: "
                                        "deploy a .zip file archive with a Python runtime.")
        if package != "Zip":
            raise validation(constraint(package, "packageType", "Member must satisfy enum value set: [Image, Zip]"))
        for member, where in (("Runtime", "runtime"), ("Handler", "handler")):
            if not params.get(member):
                raise validation(constraint(None, where, "Member must not be null"))
    if params.get("Runtime") is not None:
        runtimes.check(params["Runtime"])
        out["Runtime"] = params["Runtime"]
    if params.get("Role") is not None or creating:
        role = params.get("Role")
        if not role or not ROLE.fullmatch(role):
            raise validation(constraint(role, "role", f"Member must satisfy regular expression pattern: {ROLE_PATTERN}"))
        out["Role"] = role
    if params.get("Handler") is not None:
        handler = params["Handler"]
        if len(handler) > 128 or not re.fullmatch(r"[^\s]+", handler):
            raise validation(constraint(handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+"))
        out["Handler"] = handler
    if params.get("Description") is not None:
        if len(params["Description"]) > 256:
            raise validation(constraint(params["Description"], "description",
                                        "Member must have length less than or equal to 256"))
        out["Description"] = params["Description"]
    _numbers(out, params)
    if params.get("Environment") is not None:
        out["Environment"] = _environment(params["Environment"].get("Variables") or {})
    if params.get("TracingConfig") is not None:
        mode = params["TracingConfig"].get("Mode") or "PassThrough"
        if mode not in ("Active", "PassThrough"):
            raise validation(constraint(mode, "tracingConfig.mode",
                                        "Member must satisfy enum value set: [Active, PassThrough]"))
        out["TracingConfig"] = mode
    if params.get("DeadLetterConfig") is not None:
        out["DeadLetterConfig"] = _dead_letter(params["DeadLetterConfig"].get("TargetArn"))
    if params.get("KMSKeyArn") is not None:
        out["KMSKeyArn"] = params["KMSKeyArn"] or None
    if params.get("Layers") is not None:
        check_layer_arns(params["Layers"])
    if params.get("Architectures") is not None:
        out["Architectures"] = architectures(params["Architectures"])
    if params.get("SnapStart") is not None:
        out["SnapStart"] = _snapstart(params["SnapStart"], out.get("Runtime"))
    if params.get("LoggingConfig") is not None or creating:
        out["LoggingConfig"] = _logging(out.get("LoggingConfig") or {}, params.get("LoggingConfig") or {}, name)
    for member in ("VpcConfig", "FileSystemConfigs", "ImageConfig", "CodeSigningConfigArn"):
        if params.get(member) is not None:  # kept and reported; no effect on a local runtime
            out[member] = params[member]
    return out


def _numbers(out: dict[str, Any], params: dict[str, Any]) -> None:
    check_range(params.get("MemorySize"), "memorySize", 128, 10240)
    check_range(params.get("Timeout"), "timeout", 1, 900)
    if params.get("MemorySize") is not None:
        out["MemorySize"] = params["MemorySize"]
    if params.get("Timeout") is not None:
        out["Timeout"] = params["Timeout"]
    if params.get("EphemeralStorage") is not None:
        size = params["EphemeralStorage"].get("Size")
        check_range(size, "ephemeralStorage.size", 512, 10240)
        out["EphemeralStorage"] = size or 512


def _environment(variables: dict[str, str]) -> dict[str, str]:
    bad = [k for k in variables if not ENV_KEY.fullmatch(k)]
    if bad:
        shown = "{" + ", ".join(f"{k}={v}" for k, v in variables.items()) + "}"
        raise validation(constraint(shown, "environment.variables",
                                    "Map keys must satisfy constraint: [Member must satisfy regular expression "
                                    "pattern: [a-zA-Z]([a-zA-Z0-9_])+]"))
    reserved = [k for k in variables if k in RESERVED_ENV]
    if reserved:
        raise InvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment variables you have "
            "provided contains reserved keys that are currently not supported for modification. Reserved keys used "
            f"in this request: {', '.join(reserved)}")
    measured = orjson.dumps(variables).decode()
    if len(measured.encode()) > ENV_LIMIT:
        raise InvalidParameterValue(
            "Lambda was unable to configure your environment variables because the environment variables you have "
            f"provided exceeded the 4KB limit. String measured: {measured}")
    return dict(variables)


def _dead_letter(target: str | None) -> str | None:
    if not target:
        return None
    parts = target.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] not in ("sqs", "sns"):
        raise InvalidParameterValue(f"The provided DeadLetterConfig target ARN {target} is invalid: it must be the "
                                    "ARN of an Amazon SQS queue or an Amazon SNS topic.")
    return target


def architectures(archs: list[str]) -> list[str]:
    shown = f"[{', '.join(archs)}]"
    if len(archs) != 1:
        raise validation(constraint(shown, "architectures", "Member must have length less than or equal to 1"
                                    if archs else "Member must have length greater than or equal to 1"))
    if archs[0] not in ("x86_64", "arm64"):
        raise validation(constraint(shown, "architectures", "Member must satisfy constraint: [Member must satisfy "
                                    "enum value set: [x86_64, arm64], Member must not be null]"))
    return list(archs)


def _snapstart(snap: dict[str, Any], runtime: str | None) -> str:
    apply_on = snap.get("ApplyOn") or "None"
    if apply_on not in ("PublishedVersions", "None"):
        raise validation(constraint(apply_on, "snapStart.applyOn",
                                    "Member must satisfy enum value set: [PublishedVersions, None]"))
    if apply_on != "None" and runtime not in runtimes.SNAPSTART:
        raise InvalidParameterValue(f"{runtime} is not supported for SnapStart enabled functions.")
    return apply_on


def _logging(current: dict[str, Any], given: dict[str, Any], name: str) -> dict[str, Any]:
    """LoggingConfig as Lambda merges it: levels only with JSON (INFO by default), the log group
    ``/aws/lambda/NAME`` unless set. https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html"""
    fmt = given.get("LogFormat") or current.get("LogFormat") or "Text"
    if fmt not in ("Text", "JSON"):
        raise validation(constraint(fmt, "loggingConfig.logFormat", "Member must satisfy enum value set: [JSON, Text]"))
    app, system = given.get("ApplicationLogLevel"), given.get("SystemLogLevel")
    if fmt == "Text" and (app or system):
        raise InvalidParameterValue('LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from '
                                    'your request or change the LogFormat to "JSON" and try again.')
    if app is not None and app not in APP_LEVELS:
        raise validation(constraint(app, "loggingConfig.applicationLogLevel",
                                    f"Member must satisfy enum value set: [{', '.join(APP_LEVELS)}]"))
    if system is not None and system not in SYSTEM_LEVELS:
        raise validation(constraint(system, "loggingConfig.systemLogLevel",
                                    f"Member must satisfy enum value set: [{', '.join(SYSTEM_LEVELS)}]"))
    out = {"LogFormat": fmt, "LogGroup": given.get("LogGroup") or current.get("LogGroup") or f"/aws/lambda/{name}"}
    if fmt == "JSON":
        out["ApplicationLogLevel"] = app or current.get("ApplicationLogLevel") or "INFO"
        out["SystemLogLevel"] = system or current.get("SystemLogLevel") or "INFO"
    return out


def check_layer_arns(arns: list[str]) -> None:
    if len(arns) > MAX_LAYERS:
        raise InvalidParameterValue(f"Cannot reference more than {MAX_LAYERS} layers.")
    for arn in arns:
        if not LAYER_VERSION.fullmatch(arn):
            raise validation(constraint(f"[{arn}]", "layers", "Member must satisfy constraint: [Member must have "
                                        "length less than or equal to 2048, Member must have length greater than or "
                                        "equal to 1, Member must satisfy regular expression pattern: "
                                        f"{LAYER_VERSION_PATTERN}, Member must not be null]"))
    seen: dict[str, str] = {}
    for arn in arns:
        layer = arn.rsplit(":", 1)[0]
        if layer in seen:
            raise InvalidParameterValue(
                "Two different versions of the same layer are not allowed to be referenced in the same function. "
                f"{seen[layer]} and {arn} are versions of the same layer.")
        seen[layer] = arn


# ---- output --------------------------------------------------------------------------
def runtime_version_arn(region: str, runtime: str) -> str:
    return f"arn:{PARTITION}:lambda:{region}::runtime:{hashlib.sha256(runtime.encode()).hexdigest()}"


def render(doc: dict[str, Any], account: str, region: str, name: str, *, arn_qualifier: str | None = None,
           listing: bool = False) -> dict[str, Any]:
    """The ``FunctionConfiguration`` of a version document. ``arn_qualifier`` qualifies FunctionArn
    (a version, ``$LATEST`` or the alias it was asked through); ``listing`` drops the members
    Lambda leaves out of ListFunctions / ListVersionsByFunction."""
    cfg, code = doc["cfg"], doc["code"]
    out: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": function_arn(region, account, name, arn_qualifier),
        "Runtime": cfg.get("Runtime"),
        "Role": cfg.get("Role"),
        "Handler": cfg.get("Handler"),
        "CodeSize": code.get("size", 0),
        "Description": cfg.get("Description", ""),
        "Timeout": cfg.get("Timeout", 3),
        "MemorySize": cfg.get("MemorySize", 128),
        "LastModified": lambda_date(doc["modified"]),
        "CodeSha256": code["b64"],
        "Version": doc["v"],
        "TracingConfig": {"Mode": cfg.get("TracingConfig", "PassThrough")},
        "RevisionId": doc["rev"],
        "PackageType": cfg.get("PackageType", "Zip"),
        "Architectures": cfg.get("Architectures", ["x86_64"]),
        "EphemeralStorage": {"Size": cfg.get("EphemeralStorage", 512)},
        "SnapStart": {"ApplyOn": cfg.get("SnapStart", "None"), "OptimizationStatus": "Off"},
        "LoggingConfig": cfg.get("LoggingConfig") or {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    if cfg.get("Environment") is not None:
        out["Environment"] = {"Variables": cfg["Environment"]}
    if cfg.get("DeadLetterConfig"):
        out["DeadLetterConfig"] = {"TargetArn": cfg["DeadLetterConfig"]}
    if cfg.get("KMSKeyArn"):
        out["KMSKeyArn"] = cfg["KMSKeyArn"]
    if cfg.get("Layers"):
        out["Layers"] = [{"Arn": layer["Arn"], "CodeSize": layer["CodeSize"]} for layer in cfg["Layers"]]
    if cfg.get("VpcConfig"):
        vpc = cfg["VpcConfig"]
        out["VpcConfig"] = {"SubnetIds": vpc.get("SubnetIds") or [], "SecurityGroupIds": vpc.get("SecurityGroupIds")
                            or [], "VpcId": "", "Ipv6AllowedForDualStack": bool(vpc.get("Ipv6AllowedForDualStack"))}
    if cfg.get("FileSystemConfigs"):
        out["FileSystemConfigs"] = cfg["FileSystemConfigs"]
    if listing:
        return out
    out["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtime_version_arn(region, cfg.get("Runtime") or "")}
    out["State"] = doc["state"]
    if doc.get("state_reason"):
        out["StateReason"] = doc["state_reason"]
        out["StateReasonCode"] = doc["state_code"]
    update = doc.get("update")
    if update:
        out["LastUpdateStatus"] = update["status"]
        if update.get("reason"):
            out["LastUpdateStatusReason"] = update["reason"]
            out["LastUpdateStatusReasonCode"] = update["code"]
    return out
