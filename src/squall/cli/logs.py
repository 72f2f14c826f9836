"""``squall logs NAME`` prints a function's logs; ``squall invoke NAME`` calls it and shows its log tail.

Both talk to a running server through the public AWS APIs with boto3 — exactly what any
client sees, nothing squall-internal: CloudWatch Logs' FilterLogEvents (events of every
stream of the group, interleaved in time order) and Lambda's Invoke with ``LogType=Tail``
(the last 4 KB of the invocation's log, base64-encoded in ``LogResult``).

Endpoint: ``--endpoint-url``, else ``$AWS_ENDPOINT_URL``, else ``http://127.0.0.1:4566``;
credentials from the environment, else ``test``/``test``; region ``$AWS_DEFAULT_REGION``,
else ``us-east-1``. boto3 is imported only when a command runs, so ``squall up`` does not
pay for it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from squall.config import DEFAULT_PORT

FOLLOW_INTERVAL = 1.0
# --follow re-reads this far back on each poll (deduplicated by event id): events can land
# slightly behind the newest one already printed (another stream, a buffered writer).
FOLLOW_LOOKBACK_MS = 10_000
_SINCE = re.compile(r"(\d+)\s*([smhdw]?)")
_UNIT_MS = {"": 1000, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def endpoint_of(endpoint_url: str | None) -> str:
    return (endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")


def make_client(service: str, endpoint: str) -> Any:
    """A boto3 client for ``service`` at ``endpoint`` (tests replace this)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or "test",
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or "test",
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
        config=Config(retries={"max_attempts": 2}, read_timeout=900, connect_timeout=5),
    )


def parse_since(text: str) -> int:
    """``10m`` / ``2h`` / ``30s`` / ``1d`` / ``1w`` (a bare number is seconds) → milliseconds."""
    m = _SINCE.fullmatch(text.strip().lower())
    if m is None:
        raise click.BadParameter("use a number with a unit: 30s, 10m, 2h, 1d, 1w", param_hint="--since")
    return int(m.group(1)) * _UNIT_MS[m.group(2)]


def group_for(name: str) -> str:
    """A function's log group (``/aws/lambda/NAME``), or ``NAME`` itself when it is a group path."""
    return name if name.startswith("/") else f"/aws/lambda/{name}"


def format_event(event: dict[str, Any]) -> str:
    when = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat(timespec="milliseconds")
    message = event["message"]
    if message.endswith("\n"):
        message = message[:-1].removesuffix("\r")
    return f"{when} {event['logStreamName']} {message}"


def _events(client: Any, group: str, start: int, pattern: str | None) -> Iterator[dict[str, Any]]:
    """Every event of ``group`` from ``start`` (ms) on, across streams in time order."""
    params: dict[str, Any] = {"logGroupName": group, "startTime": max(start, 0)}
    if pattern:
        params["filterPattern"] = pattern
    while True:
        page = client.filter_log_events(**params)
        yield from page.get("events", [])
        token = page.get("nextToken")
        if not token:
            return
        params["nextToken"] = token


def _fail(message: str) -> None:
    click.echo(f"squall: {message}", err=True)
    sys.exit(1)


@click.command("logs")
@click.argument("name")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (polls every second).")
@click.option("--since", default="10m", show_default=True, help="How far back to start: 30s, 10m, 2h, 1d.")
@click.option("--filter-pattern", default=None, help="A CloudWatch Logs filter pattern.")
@click.option("--endpoint-url", default=None, help="Defaults to $AWS_ENDPOINT_URL or http://127.0.0.1:4566.")
def logs(name: str, follow: bool, since: str, filter_pattern: str | None, endpoint_url: str | None) -> None:
    """Print the log events of function NAME (log group /aws/lambda/NAME, or NAME if it starts with /)."""
    from botocore.exceptions import BotoCoreError, ClientError

    group = group_for(name)
    endpoint = endpoint_of(endpoint_url)
    client = make_client("logs", endpoint)
    start = int(time.time() * 1000) - parse_since(since)
    seen: dict[str, int] = {}  # event id -> timestamp, for the follow window
    try:
        while True:
            newest = start
            for event in _events(client, group, start, filter_pattern):
                if event["eventId"] in seen:
                    continue
                seen[event["eventId"]] = event["timestamp"]
                newest = max(newest, event["timestamp"])
                click.echo(format_event(event))
            sys.stdout.flush()
            if not follow:
                return
            start = max(start, newest - FOLLOW_LOOKBACK_MS)
            seen = {eid: ts for eid, ts in seen.items() if ts >= start}
            time.sleep(FOLLOW_INTERVAL)
    except KeyboardInterrupt:
        return
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ResourceNotFoundException":
            _fail(f"log group {group} does not exist")
        _fail(f"{error.get('Code')}: {error.get('Message')}")
    except BotoCoreError as exc:
        _fail(f"squall is not reachable at {endpoint}: {exc}")


def _payload(text: str | None) -> bytes:
    if text is None:
        return b"{}"
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {text[1:]}: {exc.strerror}", param_hint="--payload") from None
    try:
        json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--payload") from None
    return text.encode()


@click.command("invoke")
@click.argument("name")
@click.option("--payload", default=None, help="The event as JSON (or @file.json). Defaults to {}.")
@click.option("--endpoint-url", default=None, help="Defaults to $AWS_ENDPOINT_URL or http://127.0.0.1:4566.")
def invoke(name: str, payload: str | None, endpoint_url: str | None) -> None:
    """Invoke function NAME synchronously: print its result, then its log tail (on stderr).

    Exits 1 when the function returned an error (the result is then the error document)."""
    from botocore.exceptions import BotoCoreError, ClientError

    body = _payload(payload)
    endpoint = endpoint_of(endpoint_url)
    client = make_client("lambda", endpoint)
    try:
        resp = client.invoke(FunctionName=name, Payload=body, LogType="Tail")
    except ClientError as exc:
        error = exc.response.get("Error", {})
        _fail(f"{error.get('Code')}: {error.get('Message')}")
    except BotoCoreError as exc:
        _fail(f"squall is not reachable at {endpoint}: {exc}")
    result = resp["Payload"].read().decode("utf-8", "replace")
    click.echo(result)
    tail = resp.get("LogResult")
    if tail:
        text = base64.b64decode(tail).decode("utf-8", "replace")
        click.echo(text, err=True, nl=not text.endswith("\n"))
    if resp.get("FunctionError"):
        sys.exit(1)
