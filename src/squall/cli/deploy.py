"""``squall deploy TEMPLATE`` and ``squall delete STACK``: stacks of a running server, through its
CloudFormation API (boto3), as ``sam deploy`` / ``aws cloudformation deploy`` would — but reading
local code in place: the template's local paths are made absolute before it is sent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from squall.cli.logs import endpoint_of, make_client

SKIP_TAG = "squall:skip-unsupported"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
FAILED_OR_DONE = ("_COMPLETE", "_FAILED")


def _client(endpoint_url: str | None):
    return make_client("cloudformation", endpoint_of(endpoint_url))


def _overrides(items: tuple[str, ...]) -> list[dict[str, str]]:
    out = []
    for item in items:
        for part in item.split():
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise click.BadParameter(f"expected Key=Value, got {part!r}", param_hint="--parameter-overrides")
            out.append({"ParameterKey": key, "ParameterValue": value})
    return out


@click.command()
@click.argument("template", type=click.Path(exists=True, path_type=Path))
@click.argument("more_overrides", nargs=-1, metavar="[Key=Value]...")
@click.option("--stack-name", default=None, help="Defaults to the template directory's name.")
@click.option("--parameter-overrides", multiple=True,
              help="Key=Value; several may follow one flag, as with `aws cloudformation deploy`.")
@click.option("--endpoint-url", default=None, help="Defaults to $AWS_ENDPOINT_URL or http://127.0.0.1:4566.")
@click.option("--skip-unsupported", is_flag=True, help="Deploy the resources squall supports; skip the others.")
def deploy(template: Path, more_overrides: tuple[str, ...], stack_name: str | None,
           parameter_overrides: tuple[str, ...], endpoint_url: str | None, skip_unsupported: bool) -> None:
    """Deploy a SAM / CloudFormation template (file or directory) into a running squall."""
    import orjson
    from botocore.exceptions import ClientError, EndpointConnectionError

    from squall.services.cloudformation.app import stack_name_for, template_file
    from squall.templates.errors import TemplateError
    from squall.templates.loader import load_path
    from squall.templates.local_paths import absolutize

    path = template_file(template)
    if path is None:
        raise click.BadParameter(f"no template.yaml in {template}", param_hint="TEMPLATE")
    try:
        doc, base = load_path(path)
    except TemplateError as exc:
        click.echo(f"squall deploy: {exc}", err=True)
        sys.exit(1)
    body = orjson.dumps(absolutize(doc, base)).decode()
    name = stack_name or stack_name_for(template)
    cfn = _client(endpoint_url)
    params = _overrides(parameter_overrides + more_overrides)
    tags = [{"Key": SKIP_TAG, "Value": "true"}] if skip_unsupported else []
    started = time.time()
    try:
        existing = _status(cfn, name)
        if existing in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"):
            cfn.delete_stack(StackName=name)
            _wait(cfn, name, started, quiet=True)
            existing = None
        if existing is None:
            stack_id = cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params,
                                        Capabilities=CAPABILITIES, Tags=tags)["StackId"]
        else:
            try:
                stack_id = cfn.update_stack(StackName=name, TemplateBody=body, Parameters=params,
                                            Capabilities=CAPABILITIES, Tags=tags)["StackId"]
            except ClientError as exc:
                if "No updates are to be performed" in str(exc):
                    click.echo(f"stack {name}: no changes")
                    return
                raise
        status = _wait(cfn, stack_id, started)
    except EndpointConnectionError as exc:
        click.echo(f"squall deploy: no squall server answers: {exc}", err=True)
        sys.exit(1)
    except ClientError as exc:
        click.echo(f"squall deploy: {exc.response['Error'].get('Message', exc)}", err=True)
        sys.exit(1)
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    click.echo(f"stack {name}: {status} in {time.time() - started:.2f} s")
    for output in stack.get("Outputs") or []:
        click.echo(f"  {output['OutputKey']} = {output['OutputValue']}")
    if not status.endswith("_COMPLETE") or "ROLLBACK" in status:
        sys.exit(1)


def _status(cfn, name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _wait(cfn, stack: str, since: float, quiet: bool = False) -> str:
    """Poll until the operation ends, printing each new event (failures with their reason)."""
    seen: set[str] = set()
    while True:
        status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
        if not quiet:
            events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
            for event in reversed(events):
                if event["EventId"] in seen or event["Timestamp"].timestamp() < since - 1:
                    continue
                seen.add(event["EventId"])
                reason = f"  {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
                click.echo(f"  {event['ResourceStatus']:<28} {event['ResourceType']:<34} "
                           f"{event['LogicalResourceId']}{reason}")
        if status.endswith(FAILED_OR_DONE) and not status.endswith("CLEANUP_IN_PROGRESS") \
                and "IN_PROGRESS" not in status:
            return status
        time.sleep(0.1)


@click.command()
@click.argument("stack")
@click.option("--endpoint-url", default=None, help="Defaults to $AWS_ENDPOINT_URL or http://127.0.0.1:4566.")
def delete(stack: str, endpoint_url: str | None) -> None:
    """Delete a stack (and the resources it created) from a running squall."""
    from botocore.exceptions import ClientError

    cfn = _client(endpoint_url)
    if _status(cfn, stack) is None:
        click.echo(f"stack {stack} does not exist")
        return
    try:
        stack_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
        cfn.delete_stack(StackName=stack)
        status = _wait(cfn, stack_id, time.time())
    except ClientError as exc:
        click.echo(f"squall delete: {exc.response['Error'].get('Message', exc)}", err=True)
        sys.exit(1)
    click.echo(f"stack {stack}: {status}")
    if status != "DELETE_COMPLETE":
        sys.exit(1)
