"""AWS::ApiGateway::* — REST APIs as SAM emits them (a RestApi with an OpenAPI ``Body``, a
Deployment with a ``StageName``, a Stage) and as people write them by hand (Resources, Methods with
their integration, Authorizers, Models, validators, API keys and usage plans, gateway responses).

API Gateway updates everything through ``patchOperations``; :func:`patch_operations` turns the
difference between what a resource has and what the template wants into them, so every
in-place update here is "describe the members, diff, UpdateX". A Method is the exception: it is
replaced whole in place (DeleteMethod, then PutMethod with its responses and integration), which
leaves the same end state. Custom domain names are not served by squall: those resources fail
with a clear reason.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_ApiGateway.html
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement, Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.common import (
    flag,
    json_text,
    require_unchanged,
    tag_changes,
    tag_map,
    unless_gone,
)


# ---- helpers (also used by the HTTP API handlers) ----------------------------------------------------
def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _escape(segment: str) -> str:
    """A map key or set element as a patch path segment (``~`` → ``~0``, ``/`` → ``~1``)."""
    return segment.replace("~", "~0").replace("/", "~1")


def patch_operations(old: Mapping[str, Any], new: Mapping[str, Any], *,
                     sets: Collection[str] = ()) -> list[dict[str, str]]:
    """The ``patchOperations`` that turn members ``old`` into ``new``.

    Keys are patch paths without the leading ``/`` (``description``, ``throttle/rateLimit``);
    a dict value is a map patched per entry (``/variables/{name}``); a list value is patched per
    element — named in the path for the ``sets`` (``/binaryMediaTypes/image~1png``), given as the
    operation's value otherwise (``/apiStages`` ``api:stage``); ``None`` removes the member.
    https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
    """
    ops: list[dict[str, str]] = []
    for path in dict.fromkeys([*old, *new]):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        if isinstance(before, Mapping) or isinstance(after, Mapping):
            was, now = before or {}, after or {}
            ops += [{"op": "remove", "path": f"/{path}/{_escape(k)}"} for k in was if k not in now]
            ops += [{"op": "replace" if k in was else "add", "path": f"/{path}/{_escape(k)}", "value": _text(v)}
                    for k, v in now.items() if was.get(k) != v]
        elif isinstance(before, list) or isinstance(after, list):
            was_items, now_items = list(before or []), list(after or [])
            for op, items in (("remove", [i for i in was_items if i not in now_items]),
                              ("add", [i for i in now_items if i not in was_items])):
                for item in items:
                    ops.append({"op": op, "path": f"/{path}/{_escape(item)}"} if path in sets
                               else {"op": op, "path": f"/{path}", "value": _text(item)})
        elif after is None:
            ops.append({"op": "remove", "path": f"/{path}"})
        else:
            ops.append({"op": "replace", "path": f"/{path}", "value": _text(after)})
    return ops


def _present(**members: Any) -> dict[str, Any]:
    return {k: v for k, v in members.items() if v is not None}


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _bools(mapping: Mapping[str, Any] | None) -> dict[str, bool] | None:
    """A map of booleans (method request parameters), which templates may give as strings."""
    return {k: flag(v) for k, v in mapping.items()} if mapping else None


async def definition(ctx: StackContext, props: Mapping[str, Any]) -> str | None:
    """The OpenAPI document of ``Body`` (an object, or JSON/YAML text) or ``BodyS3Location``
    (read from squall's S3), or None."""
    if props.get("Body") is not None:
        return json_text(props["Body"])
    location = props.get("BodyS3Location")
    if not location:
        return None
    out = await ctx.call("s3", "GetObject", Bucket=location["Bucket"], Key=location["Key"],
                         VersionId=location.get("Version"))
    body = out.get("Body", b"")
    if not isinstance(body, (bytes, bytearray)):  # a stored object streams from its blob files
        body = b"".join([chunk async for chunk in body])
    return bytes(body).decode()


async def retag(ctx: StackContext, service: str, arn: str, old: Mapping[str, str], new: Mapping[str, str],
                *, tags: str = "tags", keys: str = "tagKeys", arn_member: str = "resourceArn") -> None:
    """TagResource / UntagResource for a tag change (member names differ between the two APIs)."""
    added, removed = tag_changes(old, new)
    if removed:
        await ctx.call(service, "UntagResource", **{arn_member: arn, keys: removed})
    if added:
        await ctx.call(service, "TagResource", **{arn_member: arn, tags: added})


def _arn(ctx: StackContext, path: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}::/{path}"


# ---- AWS::ApiGateway::RestApi -------------------------------------------------------------------------
#: RestApi member → its CloudFormation property
_API_PROPS = {"name": "Name", "description": "Description", "apiKeySource": "ApiKeySourceType",
              "minimumCompressionSize": "MinimumCompressionSize",
              "disableExecuteApiEndpoint": "DisableExecuteApiEndpoint", "policy": "Policy"}
#: what a member goes back to when the template stops setting it (others are removed)
_API_DEFAULTS = {"apiKeySource": "HEADER", "disableExecuteApiEndpoint": False}


def _api_members(api: Mapping[str, Any]) -> dict[str, Any]:
    """A RestApi (GetRestApi's answer) as patchable members."""
    members = {k: api.get(k) for k in _API_PROPS}
    members["binaryMediaTypes"] = list(api.get("binaryMediaTypes") or [])
    members["endpointConfiguration/types"] = list((api.get("endpointConfiguration") or {}).get("types") or [])
    return members


def _template_members(props: Mapping[str, Any]) -> dict[str, Any]:
    """The RestApi members the template sets."""
    values = {"name": props.get("Name"), "description": props.get("Description"),
              "apiKeySource": props.get("ApiKeySourceType"),
              "minimumCompressionSize": _int(props.get("MinimumCompressionSize")),
              "disableExecuteApiEndpoint": None if props.get("DisableExecuteApiEndpoint") is None
              else flag(props["DisableExecuteApiEndpoint"]),
              "policy": json_text(props["Policy"]) if props.get("Policy") is not None else None,
              "binaryMediaTypes": props.get("BinaryMediaTypes"),
              "endpointConfiguration/types": (props.get("EndpointConfiguration") or {}).get("Types")}
    return {k: v for k, v in values.items() if v is not None}


def _import_parameters(props: Mapping[str, Any]) -> dict[str, str] | None:
    params = dict(props.get("Parameters") or {})
    types = (props.get("EndpointConfiguration") or {}).get("Types")
    if types:
        params.setdefault("endpointConfigurationTypes", types[0])
    return params or None


async def _settle_api(ctx: StackContext, api: Mapping[str, Any], new: Mapping[str, Any],
                      old: Mapping[str, Any] | None = None, keep_media: Collection[str] = ()) -> None:
    """Make the API's members what the template says: its properties override the definition's,
    members the template stopped setting go back to their defaults, binary media types merge (the
    definition's, ``keep_media`` and the template's, less those the template dropped)."""
    old = old or {}
    current = _api_members(api)
    wanted = {**current, **{member: _API_DEFAULTS.get(member) for member, prop in _API_PROPS.items()
                            if old.get(prop) is not None and new.get(prop) is None}}
    wanted.update(_template_members(new))
    dropped = set(old.get("BinaryMediaTypes") or []) - set(new.get("BinaryMediaTypes") or [])
    media = [*current["binaryMediaTypes"], *keep_media, *(new.get("BinaryMediaTypes") or [])]
    wanted["binaryMediaTypes"] = [m for m in dict.fromkeys(media) if m not in dropped]
    ops = patch_operations(current, wanted, sets=("binaryMediaTypes",))
    if ops:
        await ctx.call("apigateway", "UpdateRestApi", restApiId=api["id"], patchOperations=ops)


def _rest_api(api: Mapping[str, Any]) -> Provisioned:
    return Provisioned(physical_id=api["id"], attributes={"RestApiId": api["id"],
                                                         "RootResourceId": api["rootResourceId"]})


@handler("AWS::ApiGateway::RestApi")
class RestApi:
    """Ref: the API id; GetAtt: RestApiId, RootResourceId. Every property updates in place; a new
    ``Body`` is put with ``Mode`` (default: the definition overwrites, binary media types merge —
    AWS's default for APIs created since March 2021)."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        body = await definition(ctx, props)
        tags = tag_map(props.get("Tags"))
        if body is None:
            if not props.get("Name"):
                raise ResourceFailed("Name is required for a REST API without a Body or BodyS3Location")
            members = _template_members(props)
            api = await ctx.call(
                "apigateway", "CreateRestApi", name=props["Name"], description=props.get("Description"),
                cloneFrom=props.get("CloneFrom"), binaryMediaTypes=props.get("BinaryMediaTypes"),
                minimumCompressionSize=members.get("minimumCompressionSize"),
                apiKeySource=props.get("ApiKeySourceType"), policy=members.get("policy"), tags=tags or None,
                endpointConfiguration=_present(types=(props.get("EndpointConfiguration") or {}).get("Types")) or None,
                disableExecuteApiEndpoint=members.get("disableExecuteApiEndpoint"))
            return _rest_api(api)
        api = await ctx.call("apigateway", "ImportRestApi", body=body.encode(),
                             failOnWarnings=flag(props.get("FailOnWarnings", False)),
                             parameters=_import_parameters(props))
        await _settle_api(ctx, api, props)
        await retag(ctx, "apigateway", _arn(ctx, f"restapis/{api['id']}"), {}, tags)
        return _rest_api(api)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        api_id = current.physical_id
        before = await ctx.call("apigateway", "GetRestApi", restApiId=api_id)
        keep: list[str] = []
        if any(old.get(k) != new.get(k) for k in ("Body", "BodyS3Location", "Mode", "Parameters")):
            body = await definition(ctx, new)
            if body is not None:
                mode = new.get("Mode") or "overwrite"
                keep = list(before.get("binaryMediaTypes") or []) if not new.get("Mode") else []
                before = await ctx.call("apigateway", "PutRestApi", restApiId=api_id, body=body.encode(), mode=mode,
                                        failOnWarnings=flag(new.get("FailOnWarnings", False)),
                                        parameters=_import_parameters(new))
        await _settle_api(ctx, before, new, old, keep)
        await retag(ctx, "apigateway", _arn(ctx, f"restapis/{api_id}"), tag_map(old.get("Tags")),
                    tag_map(new.get("Tags")))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteRestApi", restApiId=current.physical_id))


# ---- AWS::ApiGateway::Resource ------------------------------------------------------------------------
@handler("AWS::ApiGateway::Resource")
class Resource:
    """Ref: the resource id; GetAtt: ResourceId. Every property change needs replacement."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        res = await ctx.call("apigateway", "CreateResource", restApiId=props["RestApiId"], parentId=props["ParentId"],
                             pathPart=props["PathPart"])
        return Provisioned(physical_id=res["id"], attributes={"ResourceId": res["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "ParentId", "PathPart"))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteResource", restApiId=props["RestApiId"],
                                   resourceId=current.physical_id))


# ---- AWS::ApiGateway::Method --------------------------------------------------------------------------
async def _put_method(ctx: StackContext, props: Mapping[str, Any]) -> None:
    """PutMethod, its method responses, its integration and the integration's responses."""
    where = {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"],
             "httpMethod": str(props["HttpMethod"]).upper()}
    await ctx.call("apigateway", "PutMethod", **where, authorizationType=props.get("AuthorizationType") or "NONE",
                   authorizerId=props.get("AuthorizerId"), apiKeyRequired=flag(props.get("ApiKeyRequired", False)),
                   operationName=props.get("OperationName"), requestParameters=_bools(props.get("RequestParameters")),
                   requestModels=props.get("RequestModels"), requestValidatorId=props.get("RequestValidatorId"),
                   authorizationScopes=props.get("AuthorizationScopes"))
    for response in props.get("MethodResponses") or []:
        await ctx.call("apigateway", "PutMethodResponse", **where, statusCode=str(response["StatusCode"]),
                       responseParameters=_bools(response.get("ResponseParameters")),
                       responseModels=response.get("ResponseModels"))
    integration = props.get("Integration")
    if not integration:
        return
    await ctx.call("apigateway", "PutIntegration", **where, type=integration["Type"],
                   integrationHttpMethod=integration.get("IntegrationHttpMethod"), uri=integration.get("Uri"),
                   connectionType=integration.get("ConnectionType"), connectionId=integration.get("ConnectionId"),
                   credentials=integration.get("Credentials"), requestParameters=integration.get("RequestParameters"),
                   requestTemplates=integration.get("RequestTemplates"),
                   passthroughBehavior=integration.get("PassthroughBehavior"),
                   cacheNamespace=integration.get("CacheNamespace"),
                   cacheKeyParameters=integration.get("CacheKeyParameters"),
                   contentHandling=integration.get("ContentHandling"),
                   timeoutInMillis=_int(integration.get("TimeoutInMillis")))
    for response in integration.get("IntegrationResponses") or []:
        await ctx.call("apigateway", "PutIntegrationResponse", **where, statusCode=str(response["StatusCode"]),
                       selectionPattern=response.get("SelectionPattern"),
                       responseParameters=response.get("ResponseParameters"),
                       responseTemplates=response.get("ResponseTemplates"),
                       contentHandling=response.get("ContentHandling"))


async def _delete_method(ctx: StackContext, props: Mapping[str, Any]) -> None:
    await unless_gone(ctx.call("apigateway", "DeleteMethod", restApiId=props["RestApiId"],
                               resourceId=props["ResourceId"], httpMethod=str(props["HttpMethod"]).upper()))


@handler("AWS::ApiGateway::Method")
class Method:
    """Ref: a generated method id. Another API, resource or HTTP method is a new method; any other
    change rewrites this one in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await _put_method(ctx, props)
        return Provisioned(physical_id=ctx.name_for(logical_id))

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "ResourceId"))
        if str(old.get("HttpMethod")).upper() != str(new.get("HttpMethod")).upper():
            raise NeedsReplacement("HttpMethod")
        await _delete_method(ctx, old)
        await _put_method(ctx, new)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await _delete_method(ctx, props)


# ---- stages: AWS::ApiGateway::Stage and a Deployment's StageDescription -------------------------------
#: method setting property → its patch path under ``/{resource}/{method}/``
_METHOD_SETTINGS = {"MetricsEnabled": "metrics/enabled", "LoggingLevel": "logging/loglevel",
                    "DataTraceEnabled": "logging/dataTrace", "ThrottlingBurstLimit": "throttling/burstLimit",
                    "ThrottlingRateLimit": "throttling/rateLimit", "CachingEnabled": "caching/enabled",
                    "CacheTtlInSeconds": "caching/ttlInSeconds", "CacheDataEncrypted": "caching/dataEncrypted"}


def _method_settings(base: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{base}/{path}": settings[prop] for prop, path in _METHOD_SETTINGS.items()
            if settings.get(prop) is not None}


def _resource_path(path: str) -> str:
    """A MethodSetting's ResourcePath (``/~1pets``, ``/*``, ``/``) as a patch path segment.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html"""
    return "~1" if path == "/" else path[1:]


def stage_members(props: Mapping[str, Any]) -> dict[str, Any]:
    """A Stage's (or a StageDescription's) settings as patchable stage members."""
    access = props.get("AccessLogSetting") or {}
    canary = props.get("CanarySetting") or {}
    members = _present(
        deploymentId=props.get("DeploymentId"), description=props.get("Description"),
        variables=dict(props.get("Variables") or {}),
        cacheClusterEnabled=None if props.get("CacheClusterEnabled") is None else flag(props["CacheClusterEnabled"]),
        cacheClusterSize=props.get("CacheClusterSize"),
        tracingEnabled=None if props.get("TracingEnabled") is None else flag(props["TracingEnabled"]),
        clientCertificateId=props.get("ClientCertificateId"), documentationVersion=props.get("DocumentationVersion"))
    members.update(_present(**{"accessLogSettings/format": access.get("Format"),
                               "accessLogSettings/destinationArn": access.get("DestinationArn"),
                               "canarySettings/percentTraffic": _float(canary.get("PercentTraffic")),
                               "canarySettings/deploymentId": canary.get("DeploymentId"),
                               "canarySettings/useStageCache": canary.get("UseStageCache")}))
    members.update(_method_settings("*/*", props))  # a StageDescription's settings for every method
    for setting in props.get("MethodSettings") or []:
        base = f"{_resource_path(setting.get('ResourcePath') or '/*')}/{setting.get('HttpMethod') or '*'}"
        members.update(_method_settings(base, setting))
    return members


async def _update_stage(ctx: StackContext, api_id: str, name: str, old: Mapping[str, Any],
                        new: Mapping[str, Any]) -> None:
    ops = patch_operations(stage_members(old), stage_members(new))
    if ops:
        await ctx.call("apigateway", "UpdateStage", restApiId=api_id, stageName=name, patchOperations=ops)
    await retag(ctx, "apigateway", _arn(ctx, f"restapis/{api_id}/stages/{name}"), tag_map(old.get("Tags")),
                tag_map(new.get("Tags")))


@handler("AWS::ApiGateway::Stage")
class Stage:
    """Ref: the stage name. A new RestApiId or StageName is a new stage; the rest updates in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        api_id, name = props["RestApiId"], props.get("StageName") or ctx.name_for(logical_id, 128)
        await ctx.call("apigateway", "CreateStage", restApiId=api_id, stageName=name,
                       deploymentId=props["DeploymentId"])
        await _update_stage(ctx, api_id, name, {"DeploymentId": props["DeploymentId"]}, props)
        return Provisioned(physical_id=name)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "StageName"))
        await _update_stage(ctx, new["RestApiId"], current.physical_id, old, new)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteStage", restApiId=props["RestApiId"],
                                   stageName=current.physical_id))


# ---- AWS::ApiGateway::Deployment ----------------------------------------------------------------------
async def _deploy_stage(ctx: StackContext, api_id: str, deployment_id: str, props: Mapping[str, Any]) -> None:
    """Point the stage an updated ``StageName`` names at this deployment (creating the stage), with the
    StageDescription settings."""
    name, settings = props["StageName"], props.get("StageDescription") or {}
    try:
        await ctx.call("apigateway", "GetStage", restApiId=api_id, stageName=name)
    except ServiceError:  # no such stage yet
        await ctx.call("apigateway", "CreateStage", restApiId=api_id, stageName=name, deploymentId=deployment_id)
    await _update_stage(ctx, api_id, name, {}, {**settings, "DeploymentId": deployment_id})


async def _drop_stage(ctx: StackContext, api_id: str, deployment_id: str, name: str) -> None:
    """Delete the stage a deployment made, unless another deployment serves it by now."""
    try:
        stage = await ctx.call("apigateway", "GetStage", restApiId=api_id, stageName=name)
    except ServiceError:  # already gone (or the API is)
        return
    if stage.get("deploymentId") == deployment_id:
        await unless_gone(ctx.call("apigateway", "DeleteStage", restApiId=api_id, stageName=name))


@handler("AWS::ApiGateway::Deployment")
class Deployment:
    """Ref: the deployment id; GetAtt: DeploymentId. ``StageName`` creates (or repoints) that stage
    with the ``StageDescription`` settings. A new RestApiId or DeploymentCanarySettings is a new
    deployment; Description and the stage settings update in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        api_id = props["RestApiId"]
        if props.get("DeploymentCanarySettings"):
            ctx.warnings.append(f"{logical_id}: canary deployments are not supported by squall; "
                                "DeploymentCanarySettings was ignored")
        settings = props.get("StageDescription") or {}
        # CreateDeployment's own stage members create (or repoint) the stage, as AWS does with them
        out = await ctx.call("apigateway", "CreateDeployment", restApiId=api_id, description=props.get("Description"),
                             stageName=props.get("StageName"), stageDescription=settings.get("Description"),
                             variables=settings.get("Variables"), cacheClusterSize=settings.get("CacheClusterSize"),
                             cacheClusterEnabled=None if settings.get("CacheClusterEnabled") is None
                             else flag(settings["CacheClusterEnabled"]),
                             tracingEnabled=None if settings.get("TracingEnabled") is None
                             else flag(settings["TracingEnabled"]))
        if props.get("StageName"):  # the other settings (method settings, access logs, tags…)
            await _update_stage(ctx, api_id, props["StageName"], {}, settings)
        return Provisioned(physical_id=out["id"], attributes={"DeploymentId": out["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "DeploymentCanarySettings"))
        api_id, deployment_id = new["RestApiId"], current.physical_id
        if old.get("Description") != new.get("Description"):
            ops = patch_operations({"description": old.get("Description")}, {"description": new.get("Description")})
            await ctx.call("apigateway", "UpdateDeployment", restApiId=api_id, deploymentId=deployment_id,
                           patchOperations=ops)
        if old.get("StageName") != new.get("StageName"):
            if new.get("StageName"):
                await _deploy_stage(ctx, api_id, deployment_id, new)
            if old.get("StageName"):
                await _drop_stage(ctx, api_id, deployment_id, old["StageName"])
        elif new.get("StageName") and old.get("StageDescription") != new.get("StageDescription"):
            await _update_stage(ctx, api_id, new["StageName"], old.get("StageDescription") or {},
                                new.get("StageDescription") or {})
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        if props.get("StageName"):
            await _drop_stage(ctx, props["RestApiId"], current.physical_id, props["StageName"])
        await unless_gone(ctx.call("apigateway", "DeleteDeployment", restApiId=props["RestApiId"],
                                   deploymentId=current.physical_id))


# ---- AWS::ApiGateway::Authorizer ----------------------------------------------------------------------
def _authorizer_members(props: Mapping[str, Any]) -> dict[str, Any]:
    return _present(name=props.get("Name"), type=props.get("Type"), authorizerUri=props.get("AuthorizerUri"),
                    authorizerCredentials=props.get("AuthorizerCredentials"),
                    identitySource=props.get("IdentitySource"),
                    identityValidationExpression=props.get("IdentityValidationExpression"),
                    authorizerResultTtlInSeconds=_int(props.get("AuthorizerResultTtlInSeconds")),
                    providerARNs=props.get("ProviderARNs"), authType=props.get("AuthType"))


@handler("AWS::ApiGateway::Authorizer")
class Authorizer:
    """Ref: the authorizer id; GetAtt: AuthorizerId. A new RestApiId is a new authorizer."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("apigateway", "CreateAuthorizer", restApiId=props["RestApiId"],
                             **_authorizer_members(props))
        return Provisioned(physical_id=out["id"], attributes={"AuthorizerId": out["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId",))
        ops = patch_operations(_authorizer_members(old), _authorizer_members(new))
        if ops:
            await ctx.call("apigateway", "UpdateAuthorizer", restApiId=new["RestApiId"],
                           authorizerId=current.physical_id, patchOperations=ops)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteAuthorizer", restApiId=props["RestApiId"],
                                   authorizerId=current.physical_id))


# ---- AWS::ApiGateway::Model ---------------------------------------------------------------------------
def _model_members(props: Mapping[str, Any]) -> dict[str, Any]:
    return _present(description=props.get("Description"),
                    schema=json_text(props["Schema"]) if props.get("Schema") is not None else None)


@handler("AWS::ApiGateway::Model")
class Model:
    """Ref: the model name (generated, alphanumeric, when not given). A new RestApiId, Name or
    ContentType is a new model; Description and Schema update in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props.get("Name") or "".join(c for c in ctx.name_for(logical_id) if c.isalnum())
        await ctx.call("apigateway", "CreateModel", restApiId=props["RestApiId"], name=name,
                       contentType=props.get("ContentType") or "application/json", **_model_members(props))
        return Provisioned(physical_id=name)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "Name", "ContentType"))
        ops = patch_operations(_model_members(old), _model_members(new))
        if ops:
            await ctx.call("apigateway", "UpdateModel", restApiId=new["RestApiId"], modelName=current.physical_id,
                           patchOperations=ops)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteModel", restApiId=props["RestApiId"],
                                   modelName=current.physical_id))


# ---- AWS::ApiGateway::RequestValidator ----------------------------------------------------------------
def _validator_members(props: Mapping[str, Any]) -> dict[str, Any]:
    return {"validateRequestBody": flag(props.get("ValidateRequestBody", False)),
            "validateRequestParameters": flag(props.get("ValidateRequestParameters", False))}


@handler("AWS::ApiGateway::RequestValidator")
class RequestValidator:
    """Ref: the validator id; GetAtt: RequestValidatorId. A new RestApiId or Name is a new validator."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("apigateway", "CreateRequestValidator", restApiId=props["RestApiId"],
                             name=props.get("Name"), **_validator_members(props))
        return Provisioned(physical_id=out["id"], attributes={"RequestValidatorId": out["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "Name"))
        ops = patch_operations(_validator_members(old), _validator_members(new))
        if ops:
            await ctx.call("apigateway", "UpdateRequestValidator", restApiId=new["RestApiId"],
                           requestValidatorId=current.physical_id, patchOperations=ops)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteRequestValidator", restApiId=props["RestApiId"],
                                   requestValidatorId=current.physical_id))


# ---- AWS::ApiGateway::ApiKey --------------------------------------------------------------------------
def _key_members(props: Mapping[str, Any]) -> dict[str, Any]:
    return _present(description=props.get("Description"), customerId=props.get("CustomerId"),
                    enabled=flag(props.get("Enabled", False)),
                    stages=[f"{k['RestApiId']}/{k['StageName']}" for k in props.get("StageKeys") or []])


@handler("AWS::ApiGateway::ApiKey")
class ApiKey:
    """Ref: the key id; GetAtt: APIKeyId. A new Name, Value or GenerateDistinctId is a new key;
    Description, Enabled, CustomerId, StageKeys and Tags update in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call(
            "apigateway", "CreateApiKey", name=props.get("Name") or ctx.name_for(logical_id),
            description=props.get("Description"), enabled=flag(props.get("Enabled", False)),
            generateDistinctId=flag(props.get("GenerateDistinctId", False)), value=props.get("Value"),
            customerId=props.get("CustomerId"), tags=tag_map(props.get("Tags")) or None,
            stageKeys=[{"restApiId": k["RestApiId"], "stageName": k["StageName"]}
                       for k in props.get("StageKeys") or []] or None)
        return Provisioned(physical_id=out["id"], attributes={"APIKeyId": out["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("Name", "Value", "GenerateDistinctId"))
        ops = patch_operations(_key_members(old), _key_members(new))
        if ops:
            await ctx.call("apigateway", "UpdateApiKey", apiKey=current.physical_id, patchOperations=ops)
        await retag(ctx, "apigateway", _arn(ctx, f"apikeys/{current.physical_id}"), tag_map(old.get("Tags")),
                    tag_map(new.get("Tags")))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteApiKey", apiKey=current.physical_id))


# ---- AWS::ApiGateway::UsagePlan and UsagePlanKey ------------------------------------------------------
def _plan_members(props: Mapping[str, Any]) -> dict[str, Any]:
    throttle, quota = props.get("Throttle") or {}, props.get("Quota") or {}
    return _present(**{"description": props.get("Description"),
                       "throttle/burstLimit": _int(throttle.get("BurstLimit")),
                       "throttle/rateLimit": _float(throttle.get("RateLimit")),
                       "quota/limit": _int(quota.get("Limit")), "quota/offset": _int(quota.get("Offset")),
                       "quota/period": quota.get("Period"),
                       "apiStages": [f"{s['ApiId']}:{s['Stage']}" for s in props.get("ApiStages") or []]})


def _plan_stages(props: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    stages = []
    for stage in props.get("ApiStages") or []:
        throttle = {path: _present(burstLimit=_int(t.get("BurstLimit")), rateLimit=_float(t.get("RateLimit")))
                    for path, t in (stage.get("Throttle") or {}).items()}
        stages.append(_present(apiId=stage["ApiId"], stage=stage["Stage"], throttle=throttle or None))
    return stages or None


@handler("AWS::ApiGateway::UsagePlan")
class UsagePlan:
    """Ref: the plan id; GetAtt: Id. Every property updates in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        members = _plan_members(props)
        throttle = _present(burstLimit=members.get("throttle/burstLimit"), rateLimit=members.get("throttle/rateLimit"))
        quota = _present(limit=members.get("quota/limit"), offset=members.get("quota/offset"),
                         period=members.get("quota/period"))
        out = await ctx.call("apigateway", "CreateUsagePlan", name=props.get("UsagePlanName") or ctx.name_for(logical_id),
                             description=props.get("Description"), apiStages=_plan_stages(props),
                             throttle=throttle or None, quota=quota or None, tags=tag_map(props.get("Tags")) or None)
        return Provisioned(physical_id=out["id"], attributes={"Id": out["id"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        before, after = _plan_members(old), _plan_members(new)
        if old.get("UsagePlanName") != new.get("UsagePlanName"):
            before["name"], after["name"] = old.get("UsagePlanName"), new.get("UsagePlanName") or ctx.name_for(logical_id)
        ops = patch_operations(before, after)
        if ops:
            await ctx.call("apigateway", "UpdateUsagePlan", usagePlanId=current.physical_id, patchOperations=ops)
        await retag(ctx, "apigateway", _arn(ctx, f"usageplans/{current.physical_id}"), tag_map(old.get("Tags")),
                    tag_map(new.get("Tags")))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteUsagePlan", usagePlanId=current.physical_id))


@handler("AWS::ApiGateway::UsagePlanKey")
class UsagePlanKey:
    """Ref and GetAtt Id: ``{KeyId}:{UsagePlanId}``. Every property change needs replacement."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await ctx.call("apigateway", "CreateUsagePlanKey", usagePlanId=props["UsagePlanId"], keyId=props["KeyId"],
                       keyType=props.get("KeyType") or "API_KEY")
        ident = f"{props['KeyId']}:{props['UsagePlanId']}"
        return Provisioned(physical_id=ident, attributes={"Id": ident})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("KeyId", "KeyType", "UsagePlanId"))
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteUsagePlanKey", usagePlanId=props["UsagePlanId"],
                                   keyId=props["KeyId"]))


# ---- AWS::ApiGateway::GatewayResponse -----------------------------------------------------------------
async def _put_response(ctx: StackContext, props: Mapping[str, Any]) -> None:
    await ctx.call("apigateway", "PutGatewayResponse", restApiId=props["RestApiId"],
                   responseType=props["ResponseType"], statusCode=props.get("StatusCode"),
                   responseParameters=props.get("ResponseParameters"), responseTemplates=props.get("ResponseTemplates"))


@handler("AWS::ApiGateway::GatewayResponse")
class GatewayResponse:
    """Ref: a generated id. A new RestApiId or ResponseType is a new gateway response; the status,
    parameters and templates are put again in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await _put_response(ctx, props)
        return Provisioned(physical_id=ctx.name_for(logical_id))

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("RestApiId", "ResponseType"))
        await _put_response(ctx, new)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigateway", "DeleteGatewayResponse", restApiId=props["RestApiId"],
                                   responseType=props["ResponseType"]))


# ---- AWS::ApiGateway::Account -------------------------------------------------------------------------
@handler("AWS::ApiGateway::Account")
class Account:
    """The region's CloudWatch role for API Gateway logs: stored (squall writes access logs without
    one). Ref and GetAtt Id: a generated id. Deleting it leaves the account setting, as AWS does."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        await self._store(ctx, {}, props)
        ident = ctx.name_for(logical_id)
        return Provisioned(physical_id=ident, attributes={"Id": ident})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        await self._store(ctx, old, new)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        return None

    @staticmethod
    async def _store(ctx: StackContext, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        ops = patch_operations({"cloudwatchRoleArn": old.get("CloudWatchRoleArn")},
                               {"cloudwatchRoleArn": new.get("CloudWatchRoleArn")})
        if ops:
            await ctx.call("apigateway", "UpdateAccount", patchOperations=ops)


# ---- what squall does not serve -----------------------------------------------------------------------
class Unsupported:
    """A resource type squall cannot provision: creating or updating it fails with ``reason``."""

    reason = "not supported by squall"

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        raise ResourceFailed(self.reason)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        raise ResourceFailed(self.reason)

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        return None


@handler("AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2", "AWS::ApiGateway::BasePathMapping",
         "AWS::ApiGateway::BasePathMappingV2", "AWS::ApiGateway::DomainNameAccessAssociation")
class CustomDomain(Unsupported):
    reason = ("Custom domains are not supported by squall: call the API at its execute-api URL "
              "(http://127.0.0.1:4566/restapis/{apiId}/{stage}/_user_request_/...)")
