"""``squall up`` runs the platform in the foreground; ``squall status`` asks a running one."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import click

from squall import __version__
from squall.cli.deploy import delete, deploy
from squall.cli.logs import invoke, logs
from squall.config import DEFAULT_PORT, Settings


@click.group()
@click.version_option(__version__, prog_name="squall")
def main() -> None:
    """Squall: AWS-compatible serverless, self-hosted."""


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--data-dir", default=".squall", show_default=True, type=click.Path(path_type=Path),
              help="Where state lives (SQLite database, object files).")
@click.option("--backend", default="sqlite", show_default=True,
              help="sqlite (embedded), memory (nothing kept), or a postgresql://… URL (cluster).")
@click.option("--strict-auth", is_flag=True, help="Reject requests not signed by a known key.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def up(path: Path | None, host: str, port: int, data_dir: Path, backend: str, strict_auth: bool,
       log_level: str) -> None:
    """Start squall in the foreground (Ctrl-C / SIGTERM stops it gracefully).

    PATH, when given, is an app: a SAM / CloudFormation template (or a directory holding
    template.yaml), deployed at start and redeployed whenever it changes."""
    from squall.cli.lock import DataDirLock, DataDirLocked
    from squall.cli.serve import serve

    if not (backend in ("sqlite", "memory") or backend.startswith(("postgresql://", "postgres://"))):
        raise click.BadParameter("use sqlite, memory or a postgresql:// URL", param_hint="--backend")
    settings = Settings.from_env(host=host, port=port, data_dir=data_dir.resolve(), backend=backend,
                                 strict_auth=strict_auth or None, app_path=path, log_level=log_level)
    lock = DataDirLock(settings.data_dir)
    try:
        lock.acquire()
    except DataDirLocked as exc:
        click.echo(f"squall: {exc}", err=True)
        sys.exit(1)
    try:
        sys.exit(serve(settings))
    finally:
        lock.release()


@main.command()
@click.option("--endpoint-url", default=None, help="Defaults to $AWS_ENDPOINT_URL or http://127.0.0.1:4566.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw health document.")
def status(endpoint_url: str | None, as_json: bool) -> None:
    """Show a running server's health, version, backend and services."""
    endpoint = (endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{DEFAULT_PORT}").rstrip("/")
    try:
        with urllib.request.urlopen(endpoint + "/_squall/health", timeout=5) as resp:
            doc = json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        click.echo(f"squall is not reachable at {endpoint}: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"squall at {endpoint}", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    for key in ("status", "version", "backend", "region", "account", "strict_auth"):
        if key in doc:
            table.add_row(key, str(doc[key]))
    table.add_row("services", ", ".join(doc.get("services", [])))
    Console().print(table)


main.add_command(logs)
main.add_command(deploy)
main.add_command(delete)
main.add_command(invoke)
