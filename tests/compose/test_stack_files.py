"""Compose's own choice of files: `-f/--file`, COMPOSE_FILE (environment or .env, COMPOSE_PATH_SEPARATOR),
else the folder's file and its compose.override.yaml; used by patch, lint, status and down alike, and
agreeing with `docker compose config` on the same files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from composegen.cli import cli
from composegen.compose.files import StackFiles, stack_files
from composegen.compose.project import load_project
from composegen.compose_binary import compose_command
from composegen.errors import UserError
from tests.compose.test_project_vs_compose import ENV, assert_agree

BASE = """\
services:
  app:
    image: nginx
  db:
    image: ${DB_IMAGE:-example/db:1}
    environment:
      POSTGRES_PASSWORD: ${PGPASS}
    volumes:
      - ./pg:/var/lib/postgresql/data
"""
PROD = """\
services:
  db:
    image: postgres:16
    environment:
      TZ: UTC
"""
SETS_HEALTHCHECK = """\
services:
  db:
    healthcheck:
      test: [CMD, pg_isready]
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


def run(*args: str, cwd: Path, env: dict | None = None):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        os.chdir(old)


# --- the choice of files ----------------------------------------------------------------------------

def test_dash_f_names_the_main_file_then_the_overrides_and_no_automatic_override(tmp_path):
    write(tmp_path, {"compose.yaml": BASE, "compose.override.yaml": PROD, "prod.yaml": PROD})
    stack = stack_files(None, [tmp_path / "compose.yaml", tmp_path / "prod.yaml"], environ={})
    assert stack == StackFiles(tmp_path / "compose.yaml", (tmp_path / "prod.yaml",), auto_override=False, explicit=True)


def test_a_folder_without_compose_file_variable_is_its_compose_file_with_the_automatic_override(tmp_path):
    write(tmp_path, {"compose.yaml": BASE})
    assert stack_files(tmp_path, environ={}) == StackFiles(tmp_path / "compose.yaml")


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_compose_file_variable_from_the_environment_or_dot_env(tmp_path, where):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD})
    environ = {"COMPOSE_FILE": "base.yaml:prod.yaml"} if where == "environment" else {}
    if where == ".env":
        (tmp_path / ".env").write_text("COMPOSE_FILE=base.yaml:prod.yaml\n")
    stack = stack_files(tmp_path, environ=environ)
    assert (stack.main, stack.overrides, stack.auto_override) == (tmp_path / "base.yaml", (tmp_path / "prod.yaml",), False)


def test_the_environment_wins_over_dot_env_and_the_separator_is_compose_path_separator(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD, "other.yaml": PROD})
    (tmp_path / ".env").write_text("COMPOSE_FILE=other.yaml\nCOMPOSE_PATH_SEPARATOR=;\n")
    stack = stack_files(tmp_path, environ={"COMPOSE_FILE": "base.yaml;prod.yaml"})
    assert stack.all == [tmp_path / "base.yaml", tmp_path / "prod.yaml"]


def test_dash_f_wins_over_compose_file(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD})
    stack = stack_files(None, [tmp_path / "prod.yaml"], environ={"COMPOSE_FILE": "base.yaml"})
    assert stack.all == [tmp_path / "prod.yaml"]


def test_a_missing_file_and_a_path_with_dash_f_are_one_line_errors(tmp_path):
    write(tmp_path, {"compose.yaml": BASE})
    with pytest.raises(UserError, match="nope.yaml: no such compose file .named by -f"):
        stack_files(None, [tmp_path / "compose.yaml", tmp_path / "nope.yaml"], environ={})
    with pytest.raises(UserError, match="named by COMPOSE_FILE"):
        stack_files(tmp_path, environ={"COMPOSE_FILE": "gone.yaml"})
    with pytest.raises(UserError, match="either a PATH or -f"):
        stack_files(tmp_path, [tmp_path / "compose.yaml"], environ={})


# --- agreement with `docker compose config` ----------------------------------------------------------

def reference(folder: Path, *args: str, env: dict | None = None) -> dict:
    done = subprocess.run([*compose_command(), *args, "-p", "ref", "config", "--format", "json"], cwd=folder,
                          capture_output=True, text=True, env={**ENV, **(env or {})}, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["services"]


def ours(folder: Path, stack: StackFiles, env: dict | None = None) -> dict:
    return load_project(stack.main, overrides=list(stack.overrides), auto_override=stack.auto_override,
                        environ={**ENV, **(env or {})}).services


def test_dash_f_agrees_with_compose(tmp_path):
    # compose.override.yaml is there but not read with -f, by either
    write(tmp_path, {"compose.yaml": BASE, "prod.yaml": PROD, "compose.override.yaml": SETS_HEALTHCHECK.replace("db", "app"),
                     ".env": "PGPASS=secret\n"})
    stack = stack_files(None, [tmp_path / "compose.yaml", tmp_path / "prod.yaml"], environ={})
    theirs = reference(tmp_path, "-f", "compose.yaml", "-f", "prod.yaml")
    assert_agree(ours(tmp_path, stack), theirs, tmp_path)
    assert theirs["db"]["image"] == "postgres:16" and "healthcheck" not in theirs["app"]


def test_compose_file_in_dot_env_agrees_with_compose(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\nCOMPOSE_FILE=base.yaml:prod.yaml\n"})
    theirs = reference(tmp_path)  # Compose in the folder, no -f: it reads COMPOSE_FILE from .env
    assert_agree(ours(tmp_path, stack_files(tmp_path, environ=ENV)), theirs, tmp_path)
    assert theirs["db"]["environment"]["TZ"] == "UTC"


def test_compose_file_in_the_environment_with_a_separator_agrees_with_compose(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\n"})
    env = {"COMPOSE_FILE": "base.yaml,prod.yaml", "COMPOSE_PATH_SEPARATOR": ","}
    theirs = reference(tmp_path, env=env)
    assert_agree(ours(tmp_path, stack_files(tmp_path, environ={**ENV, **env}), env), theirs, tmp_path)


# --- the commands ----------------------------------------------------------------------------------

def test_patch_dash_f_edits_only_the_main_file_when_the_image_comes_from_the_override(tmp_path):
    write(tmp_path, {"compose.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\n"})
    before_prod = (tmp_path / "prod.yaml").read_bytes()
    result = run("patch", "-f", "compose.yaml", "-f", "prod.yaml", "--fresh", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "patched service 'db'" in result.output
    assert "/utils/entrypoint" in (tmp_path / "compose.yaml").read_text()
    assert (tmp_path / "prod.yaml").read_bytes() == before_prod
    # Without the override the image is not a Postgres one: the view with -f is what found the service.
    (tmp_path / "compose.yaml").write_text(BASE)
    assert run("patch", "compose.yaml", "--fresh", "--dry-run", cwd=tmp_path).exit_code == 2


@pytest.mark.parametrize("how", ["-f", "COMPOSE_FILE", "compose.override.yaml"])
def test_patch_refuses_when_a_merged_file_would_override_the_setup(tmp_path, how):
    main = "compose.yaml"
    write(tmp_path, {main: BASE.replace("${DB_IMAGE:-example/db:1}", "postgres:16"), ".env": "PGPASS=x\n"})
    if how == "compose.override.yaml":
        write(tmp_path, {"compose.override.yaml": SETS_HEALTHCHECK})
        args = ["patch", "--fresh"]
    else:
        write(tmp_path, {"over.yaml": SETS_HEALTHCHECK})
        args = ["patch", "-f", main, "-f", "over.yaml", "--fresh"] if how == "-f" else ["patch", "--fresh"]
        if how == "COMPOSE_FILE":
            (tmp_path / ".env").write_text("PGPASS=x\nCOMPOSE_FILE=compose.yaml:over.yaml\n")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "overrides what patch writes (healthcheck" in lines[0] and "move those keys" in lines[0]
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_patch_reads_compose_file_from_dot_env(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\nCOMPOSE_FILE=base.yaml:prod.yaml\n"})
    result = run("patch", "--fresh", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "base.yaml: patched service 'db'" in result.output
    assert (tmp_path / "prod.yaml").read_text() == PROD


def test_lint_dash_f_sees_the_postgres_service_the_override_makes(tmp_path):
    write(tmp_path, {"compose.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\n"})
    without = run("lint", "compose.yaml", cwd=tmp_path)
    assert "CG001" not in without.output
    with_f = run("lint", "-f", "compose.yaml", "-f", "prod.yaml", cwd=tmp_path)
    assert with_f.exit_code == 1 and "compose.yaml:4:3: error CG001" in with_f.output, with_f.output


def test_status_dash_f_reports_the_service_the_override_makes(tmp_path):
    write(tmp_path, {"compose.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\n"})
    result = run("status", "-f", "compose.yaml", "-f", "prod.yaml", cwd=tmp_path)
    assert "compose.yaml db: NEEDS ATTENTION" in result.output, result.output
    assert run("status", "compose.yaml", cwd=tmp_path).exit_code == 2  # no Postgres service without the override


def test_down_dash_f_passes_every_file_on_to_compose(tmp_path):
    write(tmp_path, {"compose.yaml": BASE.replace("${DB_IMAGE:-example/db:1}", "postgres:16"), ".env": "PGPASS=x\n",
                     "prod.yaml": PROD})
    assert run("patch", "--fresh", "compose.yaml", cwd=tmp_path).exit_code == 0
    result = run("down", "-f", "compose.yaml", "-f", "prod.yaml", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    main, prod = (str((tmp_path / name).resolve()) for name in ("compose.yaml", "prod.yaml"))
    assert f"-f {main} -f {prod} stop" in result.output


def test_down_passes_profiles_on_to_compose(tmp_path):
    write(tmp_path, {"compose.yaml": BASE.replace("${DB_IMAGE:-example/db:1}", "postgres:16"), ".env": "PGPASS=x\n"})
    assert run("patch", "--fresh", "compose.yaml", cwd=tmp_path).exit_code == 0
    result = run("down", "--profile", "db", "--profile", "tools", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "--profile db --profile tools stop" in result.output


def test_lint_suggests_the_patch_command_with_the_same_files(tmp_path):
    write(tmp_path, {"compose.yaml": BASE, "prod.yaml": PROD, ".env": "PGPASS=x\n"})
    result = run("lint", "-f", "compose.yaml", "-f", "prod.yaml", cwd=tmp_path)
    assert "fix: composegen patch -f compose.yaml -f prod.yaml" in result.output, result.output
    assert run("patch", "-f", "compose.yaml", "-f", "prod.yaml", "--fresh", "--dry-run", cwd=tmp_path).exit_code == 0
