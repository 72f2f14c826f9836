"""AWS::Lambda::* resources, provisioned through squall's Lambda API.

Properties follow the CloudFormation resource reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_Lambda.html); where
it names a member differently from the API (``KmsKeyArn``, ``Tags`` as a list, ``Code.ZipFile``
as inline source) the handler translates. What differs from a plain API call:

* ``Code.ZipFile`` is the source of the function itself: CloudFormation writes it to a file named
  ``index`` and zips it; for a Python runtime it also provides the ``cfnresponse`` module
  (:data:`CFNRESPONSE`, squall's own implementation of the module's documented ``send``).
* ``{"SquallLocalPath": "/abs/path"}`` (what squall makes of a local ``CodeUri``/``Code``/
  ``ContentUri``): a directory runs in place as hot-reload code, a ``.zip`` file is uploaded.
* A layer ARN squall does not know (an AWS-published layer, another account's) is left out of
  the function with a warning on the stack, so a template written for AWS still deploys.
* CloudFormation waits for a function to be ready: a create waits until ``State`` leaves
  ``Pending``, an update until ``LastUpdateStatus`` is ``Successful`` (requirements.txt installs
  happen then); ``Failed`` fails the resource with Lambda's reason.
* Properties arrive as the template wrote them: numbers from parameters are strings, so numeric
  members are converted before the call.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from squall.errors import ServiceError
from squall.services.lambda_.code import HOT_RELOAD_BUCKET
from squall.templates.api import Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.common import flag, require_unchanged, tag_changes, tag_map, unless_gone
from squall.templates.resources.custom import as_strings

#: how long a create/update waits for the function to be ready (pip may run that long)
READY_TIMEOUT = 900.0
LOCAL_PATH = "SquallLocalPath"


# ---- code ------------------------------------------------------------------------------------------
CFNRESPONSE = '''"""cfnresponse: answer a CloudFormation custom resource request from an inline function.

squall's implementation of the module CloudFormation provides to ``Code.ZipFile`` functions
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-lambda-function-code-cfnresponsemodule.html):
``send`` PUTs the response object to the request's ``ResponseURL``.
"""

import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    stream = getattr(context, "log_stream_name", "")
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + stream,
        "PhysicalResourceId": physicalResourceId or stream,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }).encode()
    print("Response body:\\n" + body.decode())
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print("Status code: " + str(response.status))
    except Exception as exc:
        print("send(..) failed executing request: " + repr(exc))
'''


def inline_zip(source: str, runtime: str | None) -> bytes:
    """The package CloudFormation builds from ``Code.ZipFile``: the source as ``index`` (``index.py``
    for Python) plus ``cfnresponse.py``. Entries carry a fixed date, so the same source always
    makes the same zip (and CodeSha256): an unchanged template never looks like new code."""
    python = (runtime or "").startswith("python")
    files = {("index.py" if python else "index.js" if (runtime or "").startswith("nodejs") else "index"): source}
    if python:
        files["cfnresponse.py"] = CFNRESPONSE
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
    return buf.getvalue()


async def local_code(path: str) -> dict[str, Any]:
    """A ``SquallLocalPath``: a directory runs in place (hot reload), a zip file is uploaded."""
    local = Path(path)
    if local.is_dir():
        return {"S3Bucket": HOT_RELOAD_BUCKET, "S3Key": str(local)}
    if local.is_file() and zipfile.is_zipfile(local):
        return {"ZipFile": await asyncio.to_thread(local.read_bytes)}
    raise ResourceFailed(f"The local code path {path} is neither a directory nor a .zip file.")


async def code_param(code: dict[str, Any], runtime: str | None = None) -> dict[str, Any]:
    """The API's ``Code``/``Content`` member for a template's ``Code``/``Content`` property."""
    if code.get(LOCAL_PATH):
        return await local_code(code[LOCAL_PATH])
    if isinstance(code.get("ZipFile"), str):
        return {"ZipFile": inline_zip(code["ZipFile"], runtime)}
    return {k: code[k] for k in ("ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri") if code.get(k)}


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


# ---- shared steps --------------------------------------------------------------------------------------
def _int(value: Any) -> int | None:
    return None if value is None else int(value)


async def ready(ctx: StackContext, function: str, qualifier: str | None = None) -> dict[str, Any]:
    """Wait until the function version is no longer being created or updated; its configuration.
    https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html"""
    deadline = time.monotonic() + READY_TIMEOUT
    delay = 0.02
    while True:
        cfg = await ctx.call("lambda", "GetFunctionConfiguration", FunctionName=function, Qualifier=qualifier)
        if cfg.get("State") == "Failed":
            raise ResourceFailed(cfg.get("StateReason") or f"The function {function} failed to become active.")
        if cfg.get("LastUpdateStatus") == "Failed":
            raise ResourceFailed(cfg.get("LastUpdateStatusReason") or f"The update of {function} failed.")
        if cfg.get("State") != "Pending" and cfg.get("LastUpdateStatus") != "InProgress":
            return cfg
        if time.monotonic() > deadline:
            raise ResourceFailed(f"The function {function} did not become ready within {int(READY_TIMEOUT)} seconds.")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


async def known_layers(ctx: StackContext, logical_id: str, arns: list[str]) -> list[str]:
    """The layer versions squall has; the others are dropped with a warning on the stack."""
    kept = []
    for arn in arns:
        try:
            await ctx.call("lambda", "GetLayerVersionByArn", Arn=arn)
        except ServiceError:
            ctx.warnings.append(f"{logical_id}: layer {arn} is not known to squall (only layers published to this "
                                "server can be used); the function was deployed without it.")
            continue
        kept.append(arn)
    return kept


# ---- AWS::Lambda::Function -----------------------------------------------------------------------------
#: configuration properties (CloudFormation name → API member) and the value a removed one returns to
_CONFIG: dict[str, tuple[str, Any]] = {
    "Role": ("Role", None), "Handler": ("Handler", None), "Runtime": ("Runtime", None),
    "Description": ("Description", ""), "Timeout": ("Timeout", 3), "MemorySize": ("MemorySize", 128),
    "Environment": ("Environment", {"Variables": {}}), "TracingConfig": ("TracingConfig", {"Mode": "PassThrough"}),
    "DeadLetterConfig": ("DeadLetterConfig", {}), "KmsKeyArn": ("KMSKeyArn", ""),
    "EphemeralStorage": ("EphemeralStorage", {"Size": 512}), "SnapStart": ("SnapStart", {"ApplyOn": "None"}),
    "LoggingConfig": ("LoggingConfig", None), "VpcConfig": ("VpcConfig", {"SubnetIds": [], "SecurityGroupIds": []}),
    "FileSystemConfigs": ("FileSystemConfigs", []), "ImageConfig": ("ImageConfig", {}),
}


def _config(props: dict[str, Any], name: str, *, defaults: bool) -> dict[str, Any]:
    """The Create/UpdateFunctionConfiguration members for ``props`` (with ``defaults``: every member,
    those the template dropped set back to Lambda's default, as CloudFormation resets them)."""
    out: dict[str, Any] = {}
    for prop, (member, default) in _CONFIG.items():
        value = props.get(prop)
        if value is None and defaults:
            value = default if prop != "LoggingConfig" else {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
        if value is not None:
            out[member] = value
    for member in ("Timeout", "MemorySize"):
        out[member] = _int(out.get(member))
    if out.get("EphemeralStorage"):
        out["EphemeralStorage"] = {"Size": _int(out["EphemeralStorage"].get("Size"))}
    if out.get("Environment"):
        out["Environment"] = {"Variables": as_strings(out["Environment"].get("Variables") or {})}
    return out


def _function(cfg: dict[str, Any]) -> Provisioned:
    snap = cfg.get("SnapStart") or {}
    return Provisioned(cfg["FunctionName"], {
        "Arn": cfg["FunctionArn"],
        "SnapStartResponse.ApplyOn": snap.get("ApplyOn", "None"),
        "SnapStartResponse.OptimizationStatus": snap.get("OptimizationStatus", "Off"),
    })


@handler("AWS::Lambda::Function")
class Function:
    """Ref: the function name; GetAtt: Arn, SnapStartResponse.*. FunctionName changes need a new
    function; everything else is updated in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("FunctionName") or ctx.name_for(logical_id, 64)
        layers = await known_layers(ctx, logical_id, props.get("Layers") or [])
        await ctx.call("lambda", "CreateFunction", FunctionName=name,
                       Code=await code_param(props.get("Code") or {}, props.get("Runtime")),
                       PackageType=props.get("PackageType"), Architectures=props.get("Architectures"),
                       CodeSigningConfigArn=props.get("CodeSigningConfigArn"), Layers=layers or None,
                       Tags=tag_map(props.get("Tags")) or None, **_config(props, name, defaults=False))
        try:
            if props.get("ReservedConcurrentExecutions") is not None:
                await ctx.call("lambda", "PutFunctionConcurrency", FunctionName=name,
                               ReservedConcurrentExecutions=_int(props["ReservedConcurrentExecutions"]))
            cfg = await ready(ctx, name)
        except Exception:  # the engine never learns of a function it did not get back: remove it
            await unless_gone(ctx.call("lambda", "DeleteFunction", FunctionName=name))
            raise
        return _function(cfg)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("FunctionName",))
        name = current.physical_id
        if await self._code_changed(ctx, name, old, new):
            await ctx.call("lambda", "UpdateFunctionCode", FunctionName=name, Architectures=new.get("Architectures"),
                           **await code_param(new.get("Code") or {}, new.get("Runtime")))
            await ready(ctx, name)
        if _config(old, name, defaults=True) != _config(new, name, defaults=True) \
                or old.get("Layers") != new.get("Layers"):
            layers = await known_layers(ctx, logical_id, new.get("Layers") or [])
            await ctx.call("lambda", "UpdateFunctionConfiguration", FunctionName=name, Layers=layers,
                           **_config(new, name, defaults=True))
        reserved = new.get("ReservedConcurrentExecutions")
        if reserved != old.get("ReservedConcurrentExecutions"):
            if reserved is None:
                await ctx.call("lambda", "DeleteFunctionConcurrency", FunctionName=name)
            else:
                await ctx.call("lambda", "PutFunctionConcurrency", FunctionName=name,
                               ReservedConcurrentExecutions=_int(reserved))
        cfg = await ready(ctx, name)
        await _retag(ctx, cfg["FunctionArn"], old, new)
        return _function(cfg)

    @staticmethod
    async def _code_changed(ctx: StackContext, name: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
        if old.get("Code") != new.get("Code") or old.get("Architectures") != new.get("Architectures"):
            return True
        if isinstance((new.get("Code") or {}).get("ZipFile"), str) and old.get("Runtime") != new.get("Runtime"):
            return True  # cfnresponse comes with Python runtimes only
        local = (new.get("Code") or {}).get(LOCAL_PATH)
        if local and Path(local).is_file():  # the same path, perhaps a rebuilt zip
            data = await asyncio.to_thread(Path(local).read_bytes)
            cfg = await ctx.call("lambda", "GetFunctionConfiguration", FunctionName=name)
            return cfg.get("CodeSha256") != _sha256_b64(data)
        return False

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "DeleteFunction", FunctionName=current.physical_id))


async def _retag(ctx: StackContext, arn: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Bring a Lambda resource's tags from the old template's to the new one's."""
    to_set, to_remove = tag_changes(tag_map(old.get("Tags")), tag_map(new.get("Tags")))
    if to_remove:
        await ctx.call("lambda", "UntagResource", Resource=arn, TagKeys=to_remove)
    if to_set:
        await ctx.call("lambda", "TagResource", Resource=arn, Tags=to_set)


# ---- AWS::Lambda::Permission ---------------------------------------------------------------------------
_PERMISSION = ("Action", "EventSourceToken", "FunctionName", "FunctionUrlAuthType", "Principal", "PrincipalOrgID",
               "SourceAccount", "SourceArn")


@handler("AWS::Lambda::Permission")
class Permission:
    """One statement of the function's resource policy (its StatementId is generated). Ref and
    GetAtt Id: the statement id. Every property change needs a new statement."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        sid = ctx.name_for(logical_id, 100)
        await ctx.call("lambda", "AddPermission", StatementId=sid, **{k: props.get(k) for k in _PERMISSION})
        return Provisioned(sid, {"Id": sid})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, _PERMISSION)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "RemovePermission", FunctionName=props["FunctionName"],
                                   StatementId=current.physical_id))


# ---- AWS::Lambda::EventSourceMapping -------------------------------------------------------------------
_ESM_REPLACE = ("EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "SelfManagedEventSource",
                "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig")
#: the settings an update sends, with the value a removed one returns to
_ESM_SETTINGS: dict[str, Any] = {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "FilterCriteria": {},
                                 "FunctionResponseTypes": [], "ScalingConfig": {}}
#: the other properties, passed through (CloudFormation name → API member): the Lambda API refuses
#: what does not apply to the source (stream settings on an SQS mapping), as on AWS
_ESM_OTHER = {name: name for name in (
    "StartingPosition", "StartingPositionTimestamp", "ParallelizationFactor", "BisectBatchOnFunctionError",
    "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues",
    "SelfManagedEventSource", "SourceAccessConfigurations", "DestinationConfig", "MetricsConfig")} | {
    "KmsKeyArn": "KMSKeyArn"}


def _esm_settings(props: dict[str, Any], *, defaults: bool) -> dict[str, Any]:
    out = {k: props.get(k, default if defaults else None) for k, default in _ESM_SETTINGS.items()}
    for key in ("BatchSize", "MaximumBatchingWindowInSeconds"):
        out[key] = _int(out[key])
    if out.get("ScalingConfig") and out["ScalingConfig"].get("MaximumConcurrency") is not None:
        out["ScalingConfig"] = {"MaximumConcurrency": int(out["ScalingConfig"]["MaximumConcurrency"])}
    return out


def _mapping(out: dict[str, Any]) -> Provisioned:
    return Provisioned(out["UUID"], {"Id": out["UUID"], "EventSourceMappingArn": out.get("EventSourceMappingArn")})


@handler("AWS::Lambda::EventSourceMapping")
class EventSourceMapping:
    """Ref and GetAtt Id: the mapping's UUID; GetAtt EventSourceMappingArn. A new event source (or
    starting position) needs a new mapping; the function and batching settings change in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        enabled = None if props.get("Enabled") is None else flag(props["Enabled"])
        out = await ctx.call("lambda", "CreateEventSourceMapping", FunctionName=props.get("FunctionName"),
                             EventSourceArn=props.get("EventSourceArn"), Enabled=enabled,
                             Tags=tag_map(props.get("Tags")) or None, **_esm_settings(props, defaults=False),
                             **{member: props.get(prop) for prop, member in _ESM_OTHER.items()})
        return _mapping(out)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, _ESM_REPLACE)
        out = await ctx.call("lambda", "UpdateEventSourceMapping", UUID=current.physical_id,
                             FunctionName=new.get("FunctionName"), Enabled=flag(new.get("Enabled", True)),
                             **_esm_settings(new, defaults=True))
        await _retag(ctx, out["EventSourceMappingArn"], old, new)
        return _mapping(out)

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "DeleteEventSourceMapping", UUID=current.physical_id))


# ---- AWS::Lambda::EventInvokeConfig --------------------------------------------------------------------
def _invoke_config(props: dict[str, Any]) -> dict[str, Any]:
    return {"FunctionName": props["FunctionName"], "Qualifier": props.get("Qualifier"),
            "MaximumEventAgeInSeconds": _int(props.get("MaximumEventAgeInSeconds")),
            "MaximumRetryAttempts": _int(props.get("MaximumRetryAttempts")),
            "DestinationConfig": props.get("DestinationConfig")}


@handler("AWS::Lambda::EventInvokeConfig")
class EventInvokeConfig:
    """Asynchronous invocation settings of one function version or alias. Ref: a generated id.
    A different function or qualifier needs a new configuration; the settings are replaced in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await ctx.call("lambda", "PutFunctionEventInvokeConfig", **_invoke_config(props))
        return Provisioned(str(uuid.uuid4()))

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("FunctionName", "Qualifier"))
        await ctx.call("lambda", "PutFunctionEventInvokeConfig", **_invoke_config(new))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "DeleteFunctionEventInvokeConfig", FunctionName=props["FunctionName"],
                                   Qualifier=props.get("Qualifier")))


# ---- AWS::Lambda::LayerVersion -------------------------------------------------------------------------
_LAYER = ("CompatibleArchitectures", "CompatibleRuntimes", "Content", "Description", "LayerName", "LicenseInfo")


@handler("AWS::Lambda::LayerVersion")
class LayerVersion:
    """Ref and GetAtt LayerVersionArn: the layer version ARN. A layer version is immutable: any
    change publishes a new version."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("lambda", "PublishLayerVersion",
                             LayerName=props.get("LayerName") or ctx.name_for(logical_id, 140),
                             Content=await code_param(props.get("Content") or {}),
                             Description=props.get("Description"), LicenseInfo=props.get("LicenseInfo"),
                             CompatibleRuntimes=props.get("CompatibleRuntimes"),
                             CompatibleArchitectures=props.get("CompatibleArchitectures"))
        arn = out["LayerVersionArn"]
        return Provisioned(arn, {"LayerVersionArn": arn})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, _LAYER)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        layer, version = current.physical_id.rsplit(":", 1)
        await unless_gone(ctx.call("lambda", "DeleteLayerVersion", LayerName=layer, VersionNumber=int(version)))


# ---- AWS::Lambda::Version ------------------------------------------------------------------------------
@handler("AWS::Lambda::Version")
class Version:
    """Ref and GetAtt FunctionArn: the version's ARN; GetAtt Version: its number. A published version
    is immutable: a change of function, CodeSha256 or description publishes a new one."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await ready(ctx, props["FunctionName"])  # $LATEST must be ready to be published
        out = await ctx.call("lambda", "PublishVersion", FunctionName=props["FunctionName"],
                             CodeSha256=props.get("CodeSha256"), Description=props.get("Description"))
        await ready(ctx, props["FunctionName"], out["Version"])
        return Provisioned(out["FunctionArn"], {"Version": out["Version"], "FunctionArn": out["FunctionArn"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("FunctionName", "CodeSha256", "Description", "RuntimePolicy"))
        return current  # ProvisionedConcurrencyConfig: nothing to provision on squall

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        function, version = current.physical_id.rsplit(":", 1)
        await unless_gone(ctx.call("lambda", "DeleteFunction", FunctionName=function, Qualifier=version))


# ---- AWS::Lambda::Alias --------------------------------------------------------------------------------
def _routing(props: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's ``[{FunctionVersion, FunctionWeight}]`` as the API's weight map."""
    weights = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
    return {"AdditionalVersionWeights": {str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights}}


@handler("AWS::Lambda::Alias")
class Alias:
    """Ref and GetAtt AliasArn: the alias ARN. A different function or alias name needs a new
    alias; the version, description and routing change in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("lambda", "CreateAlias", FunctionName=props["FunctionName"], Name=props["Name"],
                             FunctionVersion=str(props["FunctionVersion"]), Description=props.get("Description"),
                             RoutingConfig=_routing(props))
        return Provisioned(out["AliasArn"], {"AliasArn": out["AliasArn"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("FunctionName", "Name"))
        out = await ctx.call("lambda", "UpdateAlias", FunctionName=new["FunctionName"], Name=new["Name"],
                             FunctionVersion=str(new["FunctionVersion"]), Description=new.get("Description") or "",
                             RoutingConfig=_routing(new))
        return Provisioned(out["AliasArn"], {"AliasArn": out["AliasArn"]})

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "DeleteAlias", FunctionName=props["FunctionName"], Name=props["Name"]))


# ---- AWS::Lambda::Url ----------------------------------------------------------------------------------
def _cors(props: dict[str, Any]) -> dict[str, Any] | None:
    cors = props.get("Cors")
    if cors is None:
        return None
    out = dict(cors)
    if out.get("MaxAge") is not None:
        out["MaxAge"] = int(out["MaxAge"])
    if out.get("AllowCredentials") is not None:
        out["AllowCredentials"] = flag(out["AllowCredentials"])
    return out


def _url(out: dict[str, Any]) -> Provisioned:
    return Provisioned(out["FunctionArn"], {"FunctionArn": out["FunctionArn"], "FunctionUrl": out["FunctionUrl"]})


@handler("AWS::Lambda::Url")
class Url:
    """A function URL. Ref and GetAtt FunctionArn: the function's ARN (qualified for an alias);
    GetAtt FunctionUrl: the URL. A different target or qualifier needs a new URL."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        return _url(await ctx.call("lambda", "CreateFunctionUrlConfig", FunctionName=props["TargetFunctionArn"],
                                   Qualifier=props.get("Qualifier"), AuthType=props["AuthType"],
                                   Cors=_cors(props), InvokeMode=props.get("InvokeMode")))

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("TargetFunctionArn", "Qualifier"))
        return _url(await ctx.call("lambda", "UpdateFunctionUrlConfig", FunctionName=new["TargetFunctionArn"],
                                   Qualifier=new.get("Qualifier"), AuthType=new["AuthType"],
                                   Cors=_cors(new) or {}, InvokeMode=new.get("InvokeMode") or "BUFFERED"))

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("lambda", "DeleteFunctionUrlConfig", FunctionName=props["TargetFunctionArn"],
                                   Qualifier=props.get("Qualifier")))

