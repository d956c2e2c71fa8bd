"""Every entry point against hostile files, in a real process under a memory limit (issue #12, items 4-5).

Each run must end by itself, in bounded time and memory, with no traceback: exit 2 and one line for
a refused input (lint and status report a bad compose file as a finding, exit 1), and nothing the
command was given is changed. The time bound is generous (a busy CI machine); the memory bound is
what matters: the bugs were 1 to 8 GB and hangs.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

MEMORY_LIMIT = 1024 * 1024 * 1024  # address space; a healthy run uses a fraction of it
TIME_LIMIT = 60  # seconds; each case takes about one on a quiet machine

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"b{i}: &b{i} [{', '.join(['*a' if i == 1 else f'*b{i - 1}'] * 9)}]\n" for i in range(1, 12))
SPEC_HEAD = "name: app\nimage: example/app:1\ndatabase: {name: app, user: app}\n"
COMPOSE_HEAD = "services:\n  db:\n    image: postgres:16\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COMPOSE_", "COMPOSEGEN_"))}
    return subprocess.run([sys.executable, "-m", "composegen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=TIME_LIMIT, preexec_fn=_limit_memory, env=env, stdin=subprocess.DEVNULL)


def snapshot(root: Path) -> dict:
    """Every entry under root: bytes of regular files, the link text of links, the kind of the rest."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                out[str(path)] = ("link", os.readlink(path))
            elif path.is_file():
                out[str(path)] = path.read_bytes()
            else:
                out[str(path)] = ("dir" if path.is_dir() else "other", os.stat(path).st_mode)
    return out


def make(kind: str, path: Path, head: str) -> None:
    """An odd file at `path`; `head` is a valid beginning for the aliases and nesting to hide behind."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling-link":
        path.symlink_to(path.parent / "missing")
    elif kind == "devzero-link":
        path.symlink_to("/dev/zero")
    elif kind == "alias-bomb" and head == SPEC_HEAD:
        # Inside `environment`, where each value is checked (and an error message once printed it whole).
        path.write_text(head + "environment:\n" + "".join("  " + line + "\n" for line in ALIAS_BOMB.splitlines()))
    elif kind == "alias-bomb":
        path.write_text(ALIAS_BOMB + head + "    environment: *b11\n")
    elif kind == "deep-flow":
        path.write_text(head.split("\n")[0] + "\nx: " + "[" * 50000 + "]" * 50000 + "\n")
    elif kind == "deep-block":
        path.write_text(head + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(1500)))
    elif kind == "huge":
        with open(path, "w") as handle:
            handle.write(head + "#" + "x" * 6 * 1024 * 1024 + "\n")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "not-utf8":
        path.write_bytes(head.encode() + b"x: \xff\xfe\n")
    else:
        raise AssertionError(kind)


KINDS = ["fifo", "folder", "dangling-link", "devzero-link", "alias-bomb", "deep-flow", "deep-block", "huge",
         "binary", "not-utf8"]


def check(result: subprocess.CompletedProcess, allowed: tuple[int, ...]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in allowed, (result.returncode, result.stdout[-2000:], result.stderr[-2000:])
    if result.returncode == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("composegen: error: "), result.stderr[-2000:]


@pytest.mark.parametrize("kind", KINDS)
def test_init_spec(tmp_path, kind):
    make(kind, tmp_path / "spec.yaml", SPEC_HEAD)
    before = snapshot(tmp_path)
    check(run_cli("init", "--spec", "spec.yaml", "--dir", "out", cwd=tmp_path), (2,))
    assert snapshot(tmp_path) == before


def test_init_spec_from_a_device(tmp_path):
    check(run_cli("init", "--spec", "/dev/zero", "--dir", "out", cwd=tmp_path), (2,))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", KINDS)
def test_patch(tmp_path, kind):
    make(kind, tmp_path / "compose.yaml", COMPOSE_HEAD)
    before = snapshot(tmp_path)
    check(run_cli("patch", "compose.yaml", "--fresh", cwd=tmp_path), (2,))
    assert snapshot(tmp_path) == before


def test_patch_of_a_device(tmp_path):
    check(run_cli("patch", "/dev/zero", cwd=tmp_path), (2,))


@pytest.mark.parametrize("kind", ["fifo", "alias-bomb", "deep-flow", "huge", "binary"])
def test_lint_reports_a_finding(tmp_path, kind):
    (tmp_path / "stack").mkdir()
    make(kind, tmp_path / "stack" / "compose.yaml", COMPOSE_HEAD)
    before = snapshot(tmp_path)
    result = run_cli("lint", "stack", cwd=tmp_path)
    check(result, (1,))
    assert "CG000" in result.stdout
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "alias-bomb", "deep-flow", "huge"])
def test_status_reports_a_finding_and_the_other_stacks(tmp_path, kind):
    good = tmp_path / "good"
    (good / "data").mkdir(parents=True)
    (good / "compose.yaml").write_text(COMPOSE_HEAD + "    entrypoint: [/utils/entrypoint]\n"
                                       "    volumes: [./data:/dumps, ./utils:/utils:ro]\n")
    (tmp_path / "bad").mkdir()
    make(kind, tmp_path / "bad" / "compose.yaml", COMPOSE_HEAD)
    make(kind if kind != "alias-bomb" else "deep-flow", good / "data" / "composegen-status.json", "{}\n")
    before = snapshot(tmp_path)
    result = run_cli("status", ".", cwd=tmp_path)
    check(result, (1,))
    assert "good/compose.yaml db: NEEDS ATTENTION" in result.stdout
    assert "bad/compose.yaml: NEEDS ATTENTION" in result.stdout
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["fifo", "alias-bomb", "deep-flow", "huge", "devzero-link"])
def test_down_dry_run(tmp_path, kind):
    make(kind, tmp_path / "compose.yaml", COMPOSE_HEAD)
    before = snapshot(tmp_path)
    check(run_cli("down", "--dry-run", "compose.yaml", cwd=tmp_path), (2,))
    assert snapshot(tmp_path) == before


def test_init_force_over_hostile_stack_files(tmp_path):
    """--force reads .env, .gitignore and the scripts of a folder: none of them may hang or grow it."""
    stack = tmp_path / "stack"
    (stack / "utils").mkdir(parents=True)
    (stack / "compose.yaml").write_text("# app: written by composegen 0.1.0\nservices: {}\n")
    os.mkfifo(stack / ".env")
    (stack / "utils" / "dump").symlink_to("/dev/zero")
    (tmp_path / "spec.yaml").write_text(SPEC_HEAD)
    before = snapshot(tmp_path)
    check(run_cli("init", "--spec", "spec.yaml", "--dir", "stack", "--force", cwd=tmp_path), (2,))
    assert snapshot(tmp_path) == before
