"""``squall logs`` against the live server (a subprocess, as a user runs it) and ``squall invoke``'s
argument handling and printing with a stub Lambda client (Lambda is served elsewhere)."""

from __future__ import annotations

import base64
import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import click
import pytest
from click.testing import CliRunner

from squall.cli import logs as cli_logs
from squall.cli.main import main
from tests.logs.conftest import now_ms, put, unique


def squall(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    return subprocess.run([sys.executable, "-m", "squall", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=60, **kw)


@pytest.fixture
def function_group(logs, make_group):
    name = unique("fn")
    group = make_group(f"/aws/lambda/{name}", streams=("2026/01/01/[$LATEST]aaa", "2026/01/01/[$LATEST]bbb"))
    return name, group


def test_logs_prints_streams_interleaved(logs, server, function_group):
    name, group = function_group
    now = now_ms()
    put(logs, group, "2026/01/01/[$LATEST]aaa", "START RequestId: 1\n", "END RequestId: 1\n", ts=now - 1000, step=2)
    put(logs, group, "2026/01/01/[$LATEST]bbb", "hello from bbb\n", ts=now - 999)
    put(logs, group, "2026/01/01/[$LATEST]bbb", "too old to show\n", ts=now - 3 * 3_600_000)
    out = squall("logs", name, "--endpoint-url", server.endpoint)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(" ", 2)[1:] for line in lines] == [
        ["2026/01/01/[$LATEST]aaa", "START RequestId: 1"],
        ["2026/01/01/[$LATEST]bbb", "hello from bbb"],
        ["2026/01/01/[$LATEST]aaa", "END RequestId: 1"],
    ]
    assert lines[0].split(" ")[0].endswith("+00:00")
    wide = squall("logs", group, "--since", "4h", "--filter-pattern", "old", "--endpoint-url", server.endpoint)
    assert wide.stdout.splitlines()[0].endswith("too old to show")


def test_logs_missing_group_and_bad_since(server):
    out = squall("logs", unique("nofn"), "--endpoint-url", server.endpoint)
    assert out.returncode == 1 and "does not exist" in out.stderr
    bad = squall("logs", "x", "--since", "ten minutes", "--endpoint-url", server.endpoint)
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_logs_follow(logs, server, function_group):
    name, group = function_group
    put(logs, group, "2026/01/01/[$LATEST]aaa", "before follow\n")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_ENDPOINT_URL": server.endpoint}
    proc = subprocess.Popen([sys.executable, "-m", "squall", "logs", name, "--follow"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        assert lines.get(timeout=20).rstrip().endswith("before follow")
        put(logs, group, "2026/01/01/[$LATEST]bbb", "while following\n")
        assert lines.get(timeout=20).rstrip().endswith("while following")
        put(logs, group, "2026/01/01/[$LATEST]aaa", "and again\n")
        assert lines.get(timeout=20).rstrip().endswith("and again")
        time.sleep(1.5)  # another poll or two: nothing is printed twice
        assert lines.empty()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0


def test_parse_since_and_group_names():
    assert cli_logs.parse_since("10m") == 600_000
    assert cli_logs.parse_since("2h") == 7_200_000
    assert cli_logs.parse_since("45") == 45_000
    assert cli_logs.parse_since("1w") == 604_800_000
    with pytest.raises(click.BadParameter):
        cli_logs.parse_since("soon")
    assert cli_logs.group_for("orders") == "/aws/lambda/orders"
    assert cli_logs.group_for("/custom/group") == "/custom/group"


class StubLambda:
    def __init__(self, response: dict) -> None:
        self.response = response
        self.calls: list[dict] = []

    def invoke(self, **kw):
        self.calls.append(kw)
        return {**self.response, "Payload": io.BytesIO(self.response["Payload"])}


@pytest.fixture
def stub_lambda(monkeypatch):
    made: dict[str, object] = {}

    def install(response: dict) -> StubLambda:
        stub = StubLambda(response)

        def make_client(service: str, endpoint: str):
            made.update(service=service, endpoint=endpoint)
            return stub

        monkeypatch.setattr(cli_logs, "make_client", make_client)
        return stub

    install.made = made  # type: ignore[attr-defined]
    return install


def test_invoke_prints_result_then_log_tail(stub_lambda, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    tail = "START RequestId: r1\nhello\nEND RequestId: r1\n"
    stub = stub_lambda({"StatusCode": 200, "Payload": b'{"ok": true}',
                        "LogResult": base64.b64encode(tail.encode()).decode()})
    result = CliRunner().invoke(main, ["invoke", "orders", "--payload", '{"id": 7}'])
    assert result.exit_code == 0, result.output
    assert result.stdout == '{"ok": true}\n'
    assert result.stderr == tail
    assert stub.calls == [{"FunctionName": "orders", "Payload": b'{"id": 7}', "LogType": "Tail"}]
    assert stub_lambda.made == {"service": "lambda", "endpoint": "http://127.0.0.1:4566"}


def test_invoke_payload_file_endpoint_and_errors(stub_lambda, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://example.test:9999/")
    event = tmp_path / "event.json"
    event.write_text('{"from": "file"}')
    stub = stub_lambda({"StatusCode": 200, "Payload": b'{"errorMessage": "boom"}', "FunctionError": "Unhandled"})
    result = CliRunner().invoke(main, ["invoke", "orders", "--payload", f"@{event}"])
    assert result.exit_code == 1 and result.stdout == '{"errorMessage": "boom"}\n'
    assert stub.calls[0]["Payload"] == b'{"from": "file"}'
    assert stub_lambda.made["endpoint"] == "http://example.test:9999"
    result = CliRunner().invoke(main, ["invoke", "orders"])
    assert stub.calls[-1]["Payload"] == b"{}"
    bad = CliRunner().invoke(main, ["invoke", "orders", "--payload", "{not json"])
    assert bad.exit_code == 2 and "not valid JSON" in bad.stderr
