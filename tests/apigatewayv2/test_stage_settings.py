"""A stage's own settings, effective without a deployment: route throttling (429) and access logs
written to CloudWatch Logs."""

from __future__ import annotations

import json
import time

from tests.apigatewayv2.conftest import unique


def test_route_throttling(call, gw, lambda_api):
    api_id, _ = lambda_api(["GET /limited", "GET /free"],
                           RouteSettings={"GET /limited": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01}})
    statuses = [call(api_id, "GET", "/limited").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    reply = call(api_id, "GET", "/limited")
    assert reply.status == 429 and reply.json() == {"message": "Too Many Requests"} and reply.headers["apigw-requestid"]
    assert [call(api_id, "GET", "/free").status for _ in range(3)] == [200] * 3
    gw.update_stage(ApiId=api_id, StageName="$default", DefaultRouteSettings={"ThrottlingBurstLimit": 0,
                                                                              "ThrottlingRateLimit": 0})
    assert call(api_id, "GET", "/free").status == 429  # the stage default now applies to every route
    gw.delete_route_settings(ApiId=api_id, StageName="$default", RouteKey="GET /limited")
    assert call(api_id, "GET", "/limited").status == 429


def test_access_logs_reach_cloudwatch_logs(call, gw, lambda_api, aws_client):
    logs = aws_client("logs")
    group = unique("/aws/apigateway/access")
    logs.create_log_group(logGroupName=group)
    fmt = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
           '"routeKey":"$context.routeKey","status":"$context.status","path":"$context.path",'
           '"stage":"$context.stage","integrationStatus":"$context.integrationStatus",'
           '"error":"$context.error.message","missing":"$context.authorizer.principalId"}')
    api_id, _ = lambda_api(["GET /logged"], stage="prod", AccessLogSettings={
        "DestinationArn": f"arn:aws:logs:us-east-1:000000000000:log-group:{group}", "Format": fmt})
    ok = call(api_id, "GET", "/logged", stage="prod")
    missing = call(api_id, "GET", "/nothing", stage="prod")
    wanted = {ok.headers["apigw-requestid"], missing.headers["apigw-requestid"]}
    deadline = time.monotonic() + 10
    lines: dict[str, dict] = {}
    while time.monotonic() < deadline and set(lines) != wanted:
        for event in logs.filter_log_events(logGroupName=group).get("events", []):
            doc = json.loads(event["message"])
            lines[doc["requestId"]] = doc
        time.sleep(0.2)
    assert lines[ok.headers["apigw-requestid"]] == {
        "requestId": ok.headers["apigw-requestid"], "ip": "127.0.0.1", "method": "GET", "routeKey": "GET /logged",
        "status": "200", "path": "/prod/logged", "stage": "prod", "integrationStatus": "200", "error": "-",
        "missing": "-"}
    failed = lines[missing.headers["apigw-requestid"]]
    assert failed["status"] == "404" and failed["error"] == "Not Found" and failed["routeKey"] == "-"
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [f"{api_id}_prod"]
