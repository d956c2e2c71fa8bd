"""Fast tests of the runtime scripts (templates/utils/): rendered once, run on the host under bash
with the userland of both image families: GNU (Debian images) and busybox's applets (Alpine images)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from composegen import stack
from composegen.utils_scripts import render_utils


def _shells() -> list:
    # The scripts are bash in every image; what differs between the families is the userland
    # beside it: GNU's (Debian images) or busybox's applets (Alpine images).
    found = [pytest.param(["bash"], id="gnu-userland")]
    if shutil.which("busybox"):
        found.append(pytest.param(["bash", "+userland"], id="busybox-userland"))
    else:
        found.append(pytest.param(None, id="busybox-userland",
                                  marks=pytest.mark.skip(reason="busybox is not installed")))
    return found


# Compressors and shells stay the real ones, as in the official Alpine images (they ship gzip, xz
# and zstd); setpriv is not a busybox applet there.
_NOT_FROM_BUSYBOX = {"sh", "ash", "bash", "gzip", "gunzip", "zcat", "xz", "unxz", "xzcat", "lzma", "unlzma",
                     "lzcat", "setpriv"}


@pytest.fixture(scope="session")
def busybox_userland(tmp_path_factory) -> Path:
    """A directory of busybox applet links, to put first on PATH."""
    path = tmp_path_factory.mktemp("busybox-userland")
    applets = subprocess.run(["busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    busybox = shutil.which("busybox")
    for applet in applets:
        if applet not in _NOT_FROM_BUSYBOX:
            (path / applet).symlink_to(busybox)
    os.chmod(path, 0o755)
    return path


SHELLS = _shells()


@pytest.fixture(scope="session")
def utils_dir(tmp_path_factory) -> Path:
    """utils/ as init writes it."""
    path = tmp_path_factory.mktemp("utils")
    for name, text in render_utils().items():
        target = path / name
        target.write_text(text)
        os.chmod(target, stack.UTILS_MODE)
    return path


@pytest.fixture(params=SHELLS)
def shell(request, monkeypatch) -> list[str]:
    """The shell command (bash); for busybox-userland, PATH (read by every test at run time) starts
    with busybox's applets."""
    cmd = list(request.param)
    if cmd[-1] == "+userland":
        cmd.pop()
        userland = request.getfixturevalue("busybox_userland")
        monkeypatch.setenv("PATH", f"{userland}:{os.environ['PATH']}")
    return cmd


@pytest.fixture
def run_lib(shell, utils_dir, tmp_path):
    """run_lib(snippet, **env) -> CompletedProcess: `snippet` after sourcing lib.sh, in `shell`,
    with the dumps and state directories under tmp_path."""
    dumps = tmp_path / "dumps"
    state = tmp_path / "state"
    dumps.mkdir()
    state.mkdir()

    def run(snippet: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
        full_env = {
            "PATH": os.environ["PATH"],
            "COMPOSEGEN_UTILS_DIR": str(utils_dir),
            "COMPOSEGEN_DUMPS_DIR": str(dumps),
            "COMPOSEGEN_STATE_DIR": str(state),
            **(env or {}),
        }
        script = f'. "{utils_dir}/lib.sh"\n{snippet}\n'
        return subprocess.run([*shell, "-c", script], capture_output=True, text=True, env=full_env,
                              input=input, timeout=60)

    run.dumps = dumps
    run.state = state
    return run


_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # These are the fast half of the runtime-rule suite: `pytest -k rule` selects them with the e2e
    # rule tests (tests/e2e/test_rule_*.py).
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.extra_keyword_matches.add("rule")
