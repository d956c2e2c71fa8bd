"""utils/restore's checks before it loads anything, run under bash with both userlands: they need no
server, so they run on the host. "Cannot read" and "corrupt" are told apart, and named."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess

import pytest


def _run_restore(shell, utils_dir, dumps, state, as_nobody=False):
    if as_nobody:
        # pytest's temporary root is private to root: give the other user its own copy of utils/.
        copy = dumps.parent / "utils-copy"
        if not copy.exists():
            shutil.copytree(utils_dir, copy)
            os.chmod(copy, 0o755)
        utils_dir = copy
    env = {"PATH": os.environ["PATH"], "COMPOSEGEN_UTILS_DIR": str(utils_dir), "COMPOSEGEN_DUMPS_DIR": str(dumps),
           "COMPOSEGEN_STATE_DIR": str(state), "PGDATA": str(state / "no-pgdata")}
    cmd = [*shell, str(utils_dir / "restore")]
    if as_nobody:
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            pytest.skip("needs root and setpriv to run the restore as another user")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def dirs(tmp_path):
    # Every parent must be traversable by the other user some tests run the restore as.
    for parent in [tmp_path, *tmp_path.parents]:
        if str(parent).startswith("/tmp/") and parent.stat().st_uid == os.geteuid():
            os.chmod(parent, parent.stat().st_mode | 0o711)
    dumps, state = tmp_path / "dumps", tmp_path / "state"
    dumps.mkdir()
    state.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(dumps, 0o755)
    os.chmod(state, 0o777)
    return dumps, state


def test_no_dump_and_no_record_is_a_new_cluster(shell, utils_dir, dirs):
    dumps, state = dirs
    result = _run_restore(shell, utils_dir, dumps, state)
    assert result.returncode == 0, result.stderr
    assert "new, empty cluster" in result.stderr
    assert (state / "restore-done").exists()


def test_missing_dumps_with_a_record_refuses_to_start_empty(shell, utils_dir, dirs):
    dumps, state = dirs
    (dumps / "composegen-status.json").write_text(
        '{"version": 1, "outcome": "written", "last_good": {"file": "cluster-20260101T000000Z.sql.zst"}}\n')
    result = _run_restore(shell, utils_dir, dumps, state)
    assert result.returncode == 1
    assert "refusing to start an empty database" in result.stderr
    assert not (state / "restore-done").exists()


def test_missing_dumps_directory(shell, utils_dir, dirs):
    dumps, state = dirs
    dumps.rmdir()
    result = _run_restore(shell, utils_dir, dumps, state)
    assert result.returncode == 1
    assert f"{dumps} does not exist" in result.stderr


def test_unreadable_dump_is_cannot_read_not_corrupt(shell, utils_dir, dirs):
    dumps, state = dirs
    path = dumps / "cluster-20260101T000000Z.sql.gz"
    path.write_bytes(gzip.compress(b"-- PostgreSQL database cluster dump complete\n"))
    os.chmod(path, 0o600)  # root's, and the restore runs as another user
    result = _run_restore(shell, utils_dir, dumps, state, as_nobody=True)
    assert result.returncode == 1
    assert f"cannot read {path}" in result.stderr
    assert "runs as uid 65534" in result.stderr
    assert "not a complete dump" not in result.stderr


def test_unreadable_dumps_directory(shell, utils_dir, dirs):
    dumps, state = dirs
    os.chmod(dumps, 0o700)
    result = _run_restore(shell, utils_dir, dumps, state, as_nobody=True)
    assert result.returncode == 1
    assert f"cannot read {dumps}" in result.stderr


def test_corrupt_newest_dump_is_named_and_not_loaded(shell, utils_dir, dirs):
    dumps, state = dirs
    good = gzip.compress(b"SELECT 1;\n--\n-- PostgreSQL database cluster dump complete\n--\n\n")
    (dumps / "cluster-20260101T000000Z.sql.gz").write_bytes(good)
    newest = dumps / "cluster-20260102T000000Z.sql.gz"
    newest.write_bytes(good[: len(good) // 2])
    result = _run_restore(shell, utils_dir, dumps, state)
    assert result.returncode == 1
    assert f"{newest} is not a complete dump" in result.stderr
    # It says which dump to fall back to, and never falls back by itself.
    assert "cluster-20260101T000000Z.sql.gz" in result.stderr
    assert "restoring" in result.stderr and "restored" not in result.stderr.replace("restoring", "")
    assert not (state / "restore-done").exists()
