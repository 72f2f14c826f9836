"""`squall up` / `squall status` as a user runs them: a real process, real signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.support.server import free_port, start_server


def _health(endpoint: str) -> dict:
    with urllib.request.urlopen(endpoint + "/_squall/health", timeout=5) as r:
        assert r.status == 200
        return json.loads(r.read())


def test_health_document(server):
    doc = _health(server.endpoint)
    assert doc["status"] == "ok"
    assert doc["version"]
    assert doc["backend"] in ("sqlite", "postgresql")
    assert "sqs" in doc["services"]


def test_status_command_prints_table(server):
    out = subprocess.run([sys.executable, "-m", "squall", "status", "--endpoint-url", server.endpoint],
                         capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 0, out.stderr
    assert "status" in out.stdout and "ok" in out.stdout and "sqs" in out.stdout
    raw = subprocess.run([sys.executable, "-m", "squall", "status", "--json", "--endpoint-url", server.endpoint],
                         capture_output=True, text=True, timeout=30, check=False)
    assert json.loads(raw.stdout)["status"] == "ok"


def test_status_when_nothing_runs():
    out = subprocess.run([sys.executable, "-m", "squall", "status", "--endpoint-url",
                          f"http://127.0.0.1:{free_port()}"], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 1
    assert "not reachable" in out.stderr


def test_second_server_on_same_data_dir_is_refused(tmp_path):
    first = start_server(tmp_path / "data", "sqlite")
    try:
        out = subprocess.run(
            [sys.executable, "-m", "squall", "up", "--port", str(free_port()), "--data-dir",
             str(tmp_path / "data")], capture_output=True, text=True, timeout=30, check=False)
        assert out.returncode != 0
        assert "already running" in out.stderr
        assert _health(first.endpoint)["status"] == "ok"
    finally:
        first.stop()


def test_sigterm_shuts_down_cleanly_and_data_survives(tmp_path):
    import boto3

    srv = start_server(tmp_path / "data", "sqlite")
    client = boto3.client("sqs", endpoint_url=srv.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    url = client.create_queue(QueueName="survivor")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="still here")
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(20) == 0
    srv.start()
    try:
        client = boto3.client("sqs", endpoint_url=srv.endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")
        msgs = client.receive_message(QueueUrl=client.get_queue_url(QueueName="survivor")["QueueUrl"])
        assert [m["Body"] for m in msgs["Messages"]] == ["still here"]
    finally:
        srv.stop()


def test_bad_backend_flag_is_a_clear_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "squall", "up", "--backend", "mysql://x", "--data-dir",
                          str(tmp_path)], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 2
    assert "postgresql://" in out.stderr


@pytest.mark.parametrize("path", ["/_squall/nope"])
def test_unknown_internal_path_is_404(server, path):
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(server.endpoint + path, timeout=5)
    assert exc.value.code == 404
