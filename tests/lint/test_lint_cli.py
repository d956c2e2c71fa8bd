"""`composegen lint` on the command line: exit 0 clean, 1 findings at or above --fail-on, 2 usage or input error."""

from __future__ import annotations

import json

from click.testing import CliRunner

from composegen.cli import cli
from lint_helpers import GOOD_COMPOSE, write_stack

UNPINNED = GOOD_COMPOSE.replace("image: postgres:17-alpine", "image: postgres")


def run(*args: str):
    return CliRunner().invoke(cli, ["lint", *args])


def test_clean_exits_0(tmp_path):
    write_stack(tmp_path)
    result = run(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 compose file checked, 0 findings" in result.output


def test_fail_on_threshold(tmp_path):
    write_stack(tmp_path, UNPINNED)
    assert run(str(tmp_path)).exit_code == 0  # a warning, default --fail-on error
    assert run(str(tmp_path), "--fail-on", "warning").exit_code == 1
    write_stack(tmp_path, UNPINNED.replace("stop_signal: SIGTERM", "stop_signal: SIGKILL"))
    assert run(str(tmp_path)).exit_code == 1


def test_invalid_yaml_exits_1_with_its_line(tmp_path):
    write_stack(tmp_path, "services:\n  db: [\n", utils=False)
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "compose.yaml:3:1: error CG000" in result.output


def test_usage_and_input_errors_exit_2(tmp_path):
    assert run(str(tmp_path / "missing")).exit_code == 2
    assert run("--format", "xml", str(tmp_path)).exit_code == 2
    (tmp_path / ".composegen.yaml").write_text("disable: [nope]\n")
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert result.output.strip().startswith("composegen: error:") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_config_option(tmp_path):
    write_stack(tmp_path / "s", UNPINNED)
    (tmp_path / "cfg.yaml").write_text("severity:\n  CG008: error\n")
    assert run(str(tmp_path / "s"), "--config", str(tmp_path / "cfg.yaml")).exit_code == 1
    assert run(str(tmp_path / "s"), "--config", str(tmp_path / "nope.yaml")).exit_code == 2


def test_json_format_on_stdout(tmp_path):
    write_stack(tmp_path, UNPINNED)
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(tmp_path)])
    assert json.loads(result.stdout)["findings"][0]["rule"] == "CG008"


def test_list_rules_and_explain():
    listed = CliRunner().invoke(cli, ["lint", "--list-rules"])
    assert listed.exit_code == 0 and "CG001  missing-setup" in listed.output
    explained = CliRunner().invoke(cli, ["lint", "--explain", "missing-setup"])
    assert explained.exit_code == 0 and "composegen patch" in explained.output
    assert CliRunner().invoke(cli, ["lint", "--explain", "nope"]).exit_code == 2
