"""Usage errors and dry runs (issue #12, item 11): one line for a usage error, `--explain ''` is one,
`down --dry-run` prints arguments as a shell reads them, and dry runs hide secrets."""

from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner

from composegen.cli import cli


def run(*args: str, cwd=None):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("args", [
    ("init", "miniflux", "--bogus"),
    ("bogus",),
    ("status", "--max-age", "xx"),
    ("lint", "--format", "yaml"),
    ("patch",),
    ("patch", "x.yaml", "--keep", "many"),
    ("init", "--postgres-version", "x"),
    ("lint", "--explain", ""),
    ("lint", "--explain", "no-such-rule"),
    ("status", "--max-age", "99999999999d"),
])
def test_a_usage_error_is_one_line_and_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("composegen: error: "), result.stderr
    assert "Usage:" not in result.output and "Traceback" not in result.output


def test_explain_of_an_empty_rule_name_does_not_run_a_lint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    result = run("lint", "--explain", "")
    assert result.exit_code == 2
    assert "unknown rule ''" in result.stderr and result.stdout == ""


def test_help_and_version_still_exit_0():
    assert run("--help").exit_code == 0
    assert run("lint", "--help").exit_code == 0
    assert run("--version").exit_code == 0


@pytest.fixture
def patched_stack(tmp_path):
    stack = tmp_path / "my stack"
    assert run("init", "miniflux", "--dir", str(stack)).exit_code == 0
    return stack


def test_down_dry_run_prints_its_commands_shell_quoted(patched_stack):
    result = run("down", "--dry-run", "-p", "a b", str(patched_stack), "--", "--x y", "$(touch z)")
    assert result.exit_code == 0, result.output
    stop, _, remove = result.stdout.splitlines()
    where, _, command = stop.partition(": would run in ")[2].partition(": ")
    assert shlex.split(where) == [str(patched_stack)]
    assert shlex.split(command.split("  (")[0])[-3:] == ["-p", "a b", "stop"]
    removal = shlex.split(remove.partition("would then run: ")[2].split("  (")[0])
    assert removal[-5:] == ["-p", "a b", "down", "--x y", "$(touch z)"]


def test_patch_dry_run_hides_secret_values_unless_asked(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres:16\n    environment:\n"
                       "      POSTGRES_PASSWORD: hunter2\n      APP_TOKEN: tok-123\n      PGUSER: app\n")
    hidden = run("patch", str(compose), "--dry-run")
    assert hidden.exit_code == 0, hidden.output
    assert "hunter2" not in hidden.stdout and "tok-123" not in hidden.stdout
    assert "POSTGRES_PASSWORD: <hidden>" in hidden.stdout and "PGUSER: app" in hidden.stdout
    shown = run("patch", str(compose), "--dry-run", "--show-secrets")
    assert "POSTGRES_PASSWORD: hunter2" in shown.stdout


def test_masking_keeps_references_and_key_names():
    from composegen.masking import mask_compose_lines, mask_env

    assert mask_env("# c\nA='x'\nexport B = y\n\nC: z\n\"cont\n") == "# c\nA=<hidden>\nexport B =<hidden>\n\nC:<hidden>\n<hidden>\n"
    text = ('      POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:?set it}"\n+      - DB_PASSWORD=x y\n'
            ' KEY: 1\n')
    assert mask_compose_lines(text) == ('      POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:?set it}"\n'
                                        '+      - DB_PASSWORD=<hidden>\n KEY: 1\n')
