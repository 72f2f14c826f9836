"""`squall deploy`'s parameter overrides: one flag followed by several Key=Value (as `aws
cloudformation deploy` takes them), the flag repeated, or one quoted string — all the same."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from squall.cli import deploy as deploy_cli


@pytest.mark.parametrize("args", [
    ["--parameter-overrides", "A=1", "B=x=y"],
    ["--parameter-overrides", "A=1", "--parameter-overrides", "B=x=y"],
    ["--parameter-overrides", "A=1 B=x=y"],
])
def test_overrides_forms(tmp_path, monkeypatch, args):
    (tmp_path / "template.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    seen = {}

    class Stop(Exception):
        pass

    def fake_client(_endpoint):
        class Client:
            def describe_stacks(self, StackName):
                seen["name"] = StackName
                raise Stop

        return Client()

    real = deploy_cli._overrides
    monkeypatch.setattr(deploy_cli, "_overrides", lambda items: seen.setdefault("params", real(items)))
    monkeypatch.setattr(deploy_cli, "_client", fake_client)
    result = CliRunner().invoke(deploy_cli.deploy, [str(tmp_path), "--stack-name", "s", *args])
    assert isinstance(result.exception, Stop), result.output
    assert seen["params"] == [{"ParameterKey": "A", "ParameterValue": "1"},
                              {"ParameterKey": "B", "ParameterValue": "x=y"}]


def test_a_bare_word_is_refused(tmp_path):
    (tmp_path / "template.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    result = CliRunner().invoke(deploy_cli.deploy, [str(tmp_path), "--parameter-overrides", "A=1", "oops"])
    assert result.exit_code == 2 and "expected Key=Value" in result.output
