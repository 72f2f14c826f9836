"""The app's shape at a glance, printed by ``squall up`` / ``squall deploy`` after a deploy: each
function with what triggers it, each API with its URL and routes, each bucket and queue, and
the stack's outputs."""

from __future__ import annotations

from typing import Any

from squall.errors import ServiceError
from squall.services.lambda_.names import parse_function_arn
from squall.templates.calls import call_service


def _fn_name(arn_or_name: str) -> str:
    parsed = parse_function_arn(arn_or_name)
    return parsed[2] if parsed else arn_or_name


async def summary(runtime: Any, stack: dict[str, Any]) -> str:
    resources: dict[str, dict[str, Any]] = stack.get("resources") or {}
    endpoint = runtime.settings.endpoint
    account, region = stack["account"], stack["region"]
    by_name = {e["physical_id"]: lid for lid, e in resources.items() if e["type"] == "AWS::Lambda::Function"}
    triggers: dict[str, list[str]] = {lid: [] for lid in by_name.values()}

    def add(fn: str, what: str) -> None:
        lid = by_name.get(_fn_name(fn))
        if lid is not None:
            triggers[lid].append(what)

    apis: list[str] = []
    for lid, entry in resources.items():
        props, rtype = entry.get("props") or {}, entry["type"]
        if rtype == "AWS::Lambda::EventSourceMapping":
            source = str(props.get("EventSourceArn", "")).rsplit(":", 1)[-1]
            add(str(props.get("FunctionName", "")), f"SQS {source} (batch {props.get('BatchSize', 10)})")
        elif rtype == "AWS::S3::Bucket":
            for cfg in (props.get("NotificationConfiguration") or {}).get("LambdaConfigurations") or []:
                add(str(cfg.get("Function", "")), f"S3 {entry['physical_id']} {cfg.get('Event', '')}")
        elif rtype == "AWS::Lambda::Url":
            add(str(props.get("TargetFunctionArn", "")), f"URL {entry.get('attributes', {}).get('FunctionUrl', '')}")
        elif rtype == "AWS::ApiGatewayV2::Api":
            apis.append(await _http_api(runtime, account, region, lid, entry["physical_id"], endpoint, add))
        elif rtype == "AWS::ApiGateway::RestApi":
            apis.append(await _rest_api(runtime, account, region, lid, entry["physical_id"], endpoint, resources))
    lines = [f"squall: stack {stack['StackName']} — {stack['StackStatus']} ({len(resources)} resources)"]
    if triggers:
        lines.append("  functions")
        for name, lid in sorted(by_name.items(), key=lambda kv: kv[1]):
            lines.append(f"    {lid} ({name})" + (" ← " + "; ".join(triggers[lid]) if triggers[lid] else ""))
    if apis:
        lines.append("  APIs")
        lines.extend(apis)
    for title, rtype in (("buckets", "AWS::S3::Bucket"), ("queues", "AWS::SQS::Queue")):
        items = [f"{lid}: {e['physical_id']}" for lid, e in resources.items() if e["type"] == rtype]
        if items:
            lines.append(f"  {title}")
            lines.extend(f"    {item}" for item in items)
    if stack.get("Outputs"):
        lines.append("  outputs")
        lines.extend(f"    {o['OutputKey']} = {o['OutputValue']}" for o in stack["Outputs"])
    return "\n".join(lines)


async def _http_api(runtime: Any, account: str, region: str, lid: str, api_id: str, endpoint: str,
                    add: Any) -> str:
    lines = [(f"    {lid}  {endpoint}/_api/{api_id}/  (also http://{api_id}.execute-api.localhost:"
             f"{endpoint.rsplit(':', 1)[-1]}/)")]
    try:
        routes = (await call_service(runtime, "apigatewayv2", "GetRoutes", account, region, ApiId=api_id)).get(
            "Items") or []
        integrations = {i["IntegrationId"]: i for i in (await call_service(
            runtime, "apigatewayv2", "GetIntegrations", account, region, ApiId=api_id)).get("Items") or []}
    except ServiceError:
        return lines[0]
    for route in sorted(routes, key=lambda r: r["RouteKey"]):
        lines.append(f"      {route['RouteKey']}")
        target = str(route.get("Target", ""))
        integration = integrations.get(target.split("/", 1)[-1]) if target.startswith("integrations/") else None
        if integration and integration.get("IntegrationType") == "AWS_PROXY":
            uri = str(integration.get("IntegrationUri", ""))
            fn = uri.split("/functions/", 1)[-1].split("/invocations", 1)[0]
            add(fn, f"HTTP API {route['RouteKey']}")
    return "\n".join(lines)


async def _rest_api(runtime: Any, account: str, region: str, lid: str, api_id: str, endpoint: str,
                    resources: dict[str, dict[str, Any]]) -> str:
    stages = [e["physical_id"] for e in resources.values()
              if e["type"] == "AWS::ApiGateway::Stage" and (e.get("props") or {}).get("RestApiId") == api_id]
    stage = stages[0] if stages else "<stage>"
    lines = [f"    {lid}  {endpoint}/_api/{api_id}/{stage}/"]
    try:
        items = (await call_service(runtime, "apigateway", "GetResources", account, region, restApiId=api_id,
                                    limit=500)).get("items") or []
    except ServiceError:
        return lines[0]
    for item in sorted(items, key=lambda r: r.get("path", "")):
        for method in sorted(item.get("resourceMethods") or {}):
            lines.append(f"      {method} {item.get('path')}")
    return "\n".join(lines)
