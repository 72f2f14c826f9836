"""AWS::ApiGatewayV2::* — HTTP APIs: what SAM emits for ``AWS::Serverless::HttpApi`` (an Api with
an OpenAPI 3 ``Body`` carrying ``x-amazon-apigateway-integration``, and a ``$default`` Stage with
``AutoDeploy``) and what people write by hand (quick create with ``Target``, Routes,
Integrations, Authorizers, Deployments, Stages).

HTTP APIs' Update operations take members, not patches: an update sends what changed; what the
template stopped setting goes back to its neutral value where the API has one (an empty string,
``false``, a Delete… operation). A ``Body`` is imported (ImportApi) and, when it changes,
reimported (ReimportApi); the template's own properties (Name, CorsConfiguration…) then override
the definition's. WebSocket APIs and custom domains are refused with a clear reason.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_ApiGatewayV2.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from squall.errors import ServiceError
from squall.templates.api import NeedsReplacement, Provisioned, ResourceFailed, StackContext, handler
from squall.templates.resources.apigateway import CustomDomain, Unsupported, definition, retag
from squall.templates.resources.common import flag, require_unchanged, unless_gone


def _changed(old: Mapping[str, Any], new: Mapping[str, Any], names: tuple[str, ...],
             cleared: Mapping[str, Any]) -> dict[str, Any]:
    """The members among ``names`` whose value changed; one the template dropped gets its
    ``cleared`` value (members without one are left as they are)."""
    out: dict[str, Any] = {}
    for name in names:
        if old.get(name) == new.get(name):
            continue
        if new.get(name) is not None:
            out[name] = new[name]
        elif name in cleared:
            out[name] = cleared[name]
    return out


def _api_arn(ctx: StackContext, api_id: str, stage: str | None = None) -> str:
    return f"arn:aws:apigateway:{ctx.region}::/apis/{api_id}" + (f"/stages/{stage}" if stage else "")


async def _retag(ctx: StackContext, arn: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    await retag(ctx, "apigatewayv2", arn, old.get("Tags") or {}, new.get("Tags") or {}, tags="Tags", keys="TagKeys",
                arn_member="ResourceArn")


# ---- AWS::ApiGatewayV2::Api ---------------------------------------------------------------------------
#: Api properties UpdateApi takes as they are
_API_SETTABLE = ("Name", "Description", "Version", "DisableExecuteApiEndpoint", "DisableSchemaValidation",
                 "RouteSelectionExpression", "ApiKeySelectionExpression", "IpAddressType")
_API_CLEARED = {"Description": "", "Version": "", "DisableExecuteApiEndpoint": False,
                "DisableSchemaValidation": False}


def _refuse_websocket(props: Mapping[str, Any]) -> None:
    if str(props.get("ProtocolType") or "HTTP").upper() == "WEBSOCKET":
        raise ResourceFailed("WebSocket APIs are not supported by squall yet; use ProtocolType HTTP")


def _overrides(props: Mapping[str, Any]) -> dict[str, Any]:
    """The template's properties that override an imported definition's."""
    out = {name: props[name] for name in _API_SETTABLE if props.get(name) is not None}
    if props.get("CorsConfiguration") is not None:
        out["CorsConfiguration"] = props["CorsConfiguration"]
    return out


async def _api(ctx: StackContext, out: Mapping[str, Any]) -> Provisioned:
    if not out.get("ApiEndpoint"):
        out = await ctx.call("apigatewayv2", "GetApi", ApiId=out["ApiId"])
    return Provisioned(physical_id=out["ApiId"], attributes={"ApiEndpoint": out["ApiEndpoint"], "ApiId": out["ApiId"]})


@handler("AWS::ApiGatewayV2::Api")
class Api:
    """Ref: the API id; GetAtt: ApiEndpoint (squall's execute-api URL of the API), ApiId. A new
    ProtocolType needs a new API; everything else updates in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        _refuse_websocket(props)
        body = await definition(ctx, props)
        if body is None:
            out = await ctx.call(
                "apigatewayv2", "CreateApi", ProtocolType=props.get("ProtocolType") or "HTTP",
                Target=props.get("Target"), RouteKey=props.get("RouteKey"), CredentialsArn=props.get("CredentialsArn"),
                Tags=props.get("Tags"), **_overrides(props))
            return await _api(ctx, out)
        out = await ctx.call("apigatewayv2", "ImportApi", Body=body, Basepath=props.get("BasePath"),
                             FailOnWarnings=flag(props.get("FailOnWarnings", False)))
        api_id = out["ApiId"]
        overrides = _overrides(props)
        if overrides:
            out = await ctx.call("apigatewayv2", "UpdateApi", ApiId=api_id, **overrides)
        await _retag(ctx, _api_arn(ctx, api_id), {}, props)
        return await _api(ctx, out)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        if str(old.get("ProtocolType") or "HTTP").upper() != str(new.get("ProtocolType") or "HTTP").upper():
            raise NeedsReplacement("ProtocolType")
        api_id = current.physical_id
        body = await definition(ctx, new)
        if body is not None:
            # the definition, then the template's overrides: what a property the template dropped
            # goes back to is the definition's value
            if any(old.get(k) != new.get(k) for k in {*old, *new} - {"Tags"}):
                await ctx.call("apigatewayv2", "ReimportApi", ApiId=api_id, Body=body, Basepath=new.get("BasePath"),
                               FailOnWarnings=flag(new.get("FailOnWarnings", False)))
                members = _overrides(new)
            else:
                members = {}
        else:
            members = _changed(old, new, (*_API_SETTABLE, "CorsConfiguration"), _API_CLEARED)
            for name in ("Target", "RouteKey", "CredentialsArn"):  # quick create's managed route and integration
                if new.get(name) is not None and old.get(name) != new.get(name):
                    members[name] = new[name]
            if old.get("CorsConfiguration") is not None and new.get("CorsConfiguration") is None:
                await ctx.call("apigatewayv2", "DeleteCorsConfiguration", ApiId=api_id)
        if members:
            await ctx.call("apigatewayv2", "UpdateApi", ApiId=api_id, **members)
        await _retag(ctx, _api_arn(ctx, api_id), old, new)
        return await _api(ctx, {"ApiId": api_id})

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigatewayv2", "DeleteApi", ApiId=current.physical_id))


# ---- AWS::ApiGatewayV2::Stage -------------------------------------------------------------------------
_STAGE_SETTABLE = ("AutoDeploy", "DeploymentId", "Description", "DefaultRouteSettings", "ClientCertificateId")
_STAGE_CLEARED = {"AutoDeploy": False, "Description": ""}


def _stage_members(members: dict[str, Any]) -> dict[str, Any]:
    if "AutoDeploy" in members:
        members["AutoDeploy"] = flag(members["AutoDeploy"])
    return members


@handler("AWS::ApiGatewayV2::Stage")
class Stage:
    """Ref: the stage name. A new ApiId or StageName is a new stage; the rest updates in place
    (stage variables and route settings per key, access log settings deleted when dropped)."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        name = props["StageName"]
        await ctx.call("apigatewayv2", "CreateStage", ApiId=props["ApiId"], StageName=name,
                       StageVariables=props.get("StageVariables"), AccessLogSettings=props.get("AccessLogSettings"),
                       RouteSettings=props.get("RouteSettings"), Tags=props.get("Tags"),
                       **_stage_members({k: props[k] for k in _STAGE_SETTABLE if props.get(k) is not None}))
        return Provisioned(physical_id=name)

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ApiId", "StageName"))
        where = {"ApiId": new["ApiId"], "StageName": current.physical_id}
        members = _stage_members(_changed(old, new, _STAGE_SETTABLE, _STAGE_CLEARED))
        was, now = old.get("StageVariables") or {}, new.get("StageVariables") or {}
        if was != now:  # UpdateStage merges variables; an empty value removes one
            members["StageVariables"] = {**dict.fromkeys(was, ""), **now}
        was, now = old.get("RouteSettings") or {}, new.get("RouteSettings") or {}
        for key in was:
            if key not in now:
                await unless_gone(ctx.call("apigatewayv2", "DeleteRouteSettings", **where, RouteKey=key))
        if any(was.get(k) != v for k, v in now.items()):
            members["RouteSettings"] = {k: v for k, v in now.items() if was.get(k) != v}
        if new.get("AccessLogSettings") is not None:
            if old.get("AccessLogSettings") != new["AccessLogSettings"]:
                members["AccessLogSettings"] = new["AccessLogSettings"]
        elif old.get("AccessLogSettings") is not None:
            await ctx.call("apigatewayv2", "DeleteAccessLogSettings", **where)
        if members:
            await ctx.call("apigatewayv2", "UpdateStage", **where, **members)
        await _retag(ctx, _api_arn(ctx, new["ApiId"], current.physical_id), old, new)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigatewayv2", "DeleteStage", ApiId=props["ApiId"],
                                   StageName=current.physical_id))


# ---- AWS::ApiGatewayV2::Route -------------------------------------------------------------------------
_ROUTE_SETTABLE = ("RouteKey", "Target", "AuthorizationType", "AuthorizerId", "AuthorizationScopes", "ApiKeyRequired",
                   "OperationName", "RequestModels", "RequestParameters", "ModelSelectionExpression",
                   "RouteResponseSelectionExpression")
_ROUTE_CLEARED = {"AuthorizationType": "NONE", "AuthorizationScopes": [], "ApiKeyRequired": False}


@handler("AWS::ApiGatewayV2::Route")
class Route:
    """Ref and GetAtt RouteId: the route id. A new ApiId is a new route; the rest updates in place."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        members = {k: props[k] for k in _ROUTE_SETTABLE if props.get(k) is not None}
        out = await ctx.call("apigatewayv2", "CreateRoute", ApiId=props["ApiId"], **members)
        return Provisioned(physical_id=out["RouteId"], attributes={"RouteId": out["RouteId"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ApiId",))
        members = _changed(old, new, _ROUTE_SETTABLE, _ROUTE_CLEARED)
        if members:
            await ctx.call("apigatewayv2", "UpdateRoute", ApiId=new["ApiId"], RouteId=current.physical_id, **members)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigatewayv2", "DeleteRoute", ApiId=props["ApiId"], RouteId=current.physical_id))


# ---- AWS::ApiGatewayV2::Integration -------------------------------------------------------------------
_INTEGRATION_SETTABLE = ("IntegrationType", "IntegrationUri", "IntegrationMethod", "PayloadFormatVersion",
                         "TimeoutInMillis", "RequestParameters", "ConnectionType", "ConnectionId", "CredentialsArn",
                         "Description", "IntegrationSubtype", "TlsConfig", "PassthroughBehavior", "RequestTemplates",
                         "TemplateSelectionExpression", "ContentHandlingStrategy")


def _response_parameters(value: Mapping[str, Any] | None) -> dict[str, dict[str, str]] | None:
    """ResponseParameters by status code: CloudFormation's ``{"ResponseParameters": [{"Destination",
    "Source"}]}`` lists, or the API's own ``{"overwrite:header.x": "value"}`` maps.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-integration-responseparameterlist.html"""
    if value is None:
        return None
    out = {}
    for status, params in value.items():
        if isinstance(params, Mapping) and isinstance(params.get("ResponseParameters"), list):
            params = {p["Destination"]: p["Source"] for p in params["ResponseParameters"]}
        out[str(status)] = dict(params or {})
    return out


def _integration_members(props: Mapping[str, Any]) -> dict[str, Any]:
    members = {k: props[k] for k in _INTEGRATION_SETTABLE if props.get(k) is not None}
    if "TimeoutInMillis" in members:
        members["TimeoutInMillis"] = int(members["TimeoutInMillis"])
    if props.get("ResponseParameters") is not None:
        members["ResponseParameters"] = _response_parameters(props["ResponseParameters"])
    return members


@handler("AWS::ApiGatewayV2::Integration")
class Integration:
    """Ref and GetAtt IntegrationId: the integration id. A new ApiId is a new integration."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("apigatewayv2", "CreateIntegration", ApiId=props["ApiId"], **_integration_members(props))
        return Provisioned(physical_id=out["IntegrationId"], attributes={"IntegrationId": out["IntegrationId"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ApiId",))
        before, after = _integration_members(old), _integration_members(new)
        members = {k: v for k, v in after.items() if before.get(k) != v}
        for name in ("RequestParameters", "ResponseParameters"):  # UpdateIntegration merges: "" removes a mapping
            if name in members and before.get(name):
                cleared = {k: ({} if name == "ResponseParameters" else "") for k in before[name]}
                members[name] = {**cleared, **members[name]}
        if members:
            await ctx.call("apigatewayv2", "UpdateIntegration", ApiId=new["ApiId"], IntegrationId=current.physical_id,
                           **members)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigatewayv2", "DeleteIntegration", ApiId=props["ApiId"],
                                   IntegrationId=current.physical_id))


# ---- AWS::ApiGatewayV2::Authorizer --------------------------------------------------------------------
_AUTHORIZER_SETTABLE = ("AuthorizerType", "Name", "IdentitySource", "AuthorizerUri", "AuthorizerCredentialsArn",
                        "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds", "EnableSimpleResponses",
                        "IdentityValidationExpression", "JwtConfiguration")


def _authorizer_members(props: Mapping[str, Any]) -> dict[str, Any]:
    members = {k: props[k] for k in _AUTHORIZER_SETTABLE if props.get(k) is not None}
    if "AuthorizerResultTtlInSeconds" in members:
        members["AuthorizerResultTtlInSeconds"] = int(members["AuthorizerResultTtlInSeconds"])
    if "EnableSimpleResponses" in members:
        members["EnableSimpleResponses"] = flag(members["EnableSimpleResponses"])
    return members


@handler("AWS::ApiGatewayV2::Authorizer")
class Authorizer:
    """Ref and GetAtt AuthorizerId: the authorizer id. A new ApiId is a new authorizer."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("apigatewayv2", "CreateAuthorizer", ApiId=props["ApiId"], **_authorizer_members(props))
        return Provisioned(physical_id=out["AuthorizerId"], attributes={"AuthorizerId": out["AuthorizerId"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ApiId",))
        before, after = _authorizer_members(old), _authorizer_members(new)
        members = {k: v for k, v in after.items() if before.get(k) != v}
        if members:
            await ctx.call("apigatewayv2", "UpdateAuthorizer", ApiId=new["ApiId"], AuthorizerId=current.physical_id,
                           **members)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        await unless_gone(ctx.call("apigatewayv2", "DeleteAuthorizer", ApiId=props["ApiId"],
                                   AuthorizerId=current.physical_id))


# ---- AWS::ApiGatewayV2::Deployment --------------------------------------------------------------------
@handler("AWS::ApiGatewayV2::Deployment")
class Deployment:
    """Ref and GetAtt DeploymentId: the deployment id; ``StageName`` names an existing stage that
    is pointed at it. A new ApiId is a new deployment."""

    async def create(self, ctx: StackContext, logical_id: str, props: dict[str, Any]) -> Provisioned:
        out = await ctx.call("apigatewayv2", "CreateDeployment", ApiId=props["ApiId"],
                             Description=props.get("Description"), StageName=props.get("StageName"))
        return Provisioned(physical_id=out["DeploymentId"], attributes={"DeploymentId": out["DeploymentId"]})

    async def update(self, ctx: StackContext, logical_id: str, current: Provisioned, old: dict[str, Any],
                     new: dict[str, Any]) -> Provisioned:
        require_unchanged(old, new, ("ApiId",))
        if old.get("Description") != new.get("Description"):
            await ctx.call("apigatewayv2", "UpdateDeployment", ApiId=new["ApiId"], DeploymentId=current.physical_id,
                           Description=new.get("Description") or "")
        if new.get("StageName") and old.get("StageName") != new["StageName"]:
            await ctx.call("apigatewayv2", "UpdateStage", ApiId=new["ApiId"], StageName=new["StageName"],
                           DeploymentId=current.physical_id)
        return current

    async def delete(self, ctx: StackContext, logical_id: str, current: Provisioned, props: dict[str, Any]) -> None:
        try:
            await unless_gone(ctx.call("apigatewayv2", "DeleteDeployment", ApiId=props["ApiId"],
                                       DeploymentId=current.physical_id))
        except ServiceError as err:
            # a stage outside this resource still serves it (its StageName's stage): the snapshot
            # stays with the API until the stage moves on or the API is deleted
            ctx.warnings.append(f"{logical_id}: deployment {current.physical_id} was kept: {err.message}")


# ---- what squall does not serve -----------------------------------------------------------------------
@handler("AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse", "AWS::ApiGatewayV2::Model")
class WebSocketOnly(Unsupported):
    reason = ("Route responses, integration responses and models belong to WebSocket APIs, which squall "
              "does not support yet")


@handler("AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping")
class CustomDomainV2(CustomDomain):
    reason = ("Custom domains are not supported by squall: call the HTTP API at its ApiEndpoint "
              "(http://{apiId}.execute-api.localhost:4566/...)")
