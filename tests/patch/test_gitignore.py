"""patch git-ignores the dumps and .env where git is in play, adding only what is missing."""

from __future__ import annotations

import subprocess

COMPOSE = "services:\n  db:\n    image: postgres:16\n"


def git_init(folder):
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def test_in_a_repository(tmp_path, run_patch):
    git_init(tmp_path)
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "compose.yaml").write_text(COMPOSE)
    result = run_patch(stack / "compose.yaml")
    assert result.exit_code == 0, result.output
    assert "added to .gitignore: /.env, /data/*" in result.stdout
    (stack / "data" / "cluster-20261201T000000Z.sql.zst").write_bytes(b"x")
    (stack / ".env").write_text("A=1\n")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=tmp_path,
                            capture_output=True, text=True, check=True).stdout
    assert "cluster-" not in status and ".env" not in status.replace(".gitignore", "")
    again = run_patch(stack / "compose.yaml")
    assert again.exit_code == 0 and ".gitignore" not in again.stdout


def test_the_users_lines_stay_and_nothing_is_duplicated(tmp_path, run_patch):
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / ".gitignore").write_bytes(b"node_modules\r\ndata/\r\n# mine\r\n*.log")
    result = run_patch(tmp_path / "compose.yaml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_bytes() == b"node_modules\r\ndata/\r\n# mine\r\n*.log\r\n/.env\r\n"


def test_a_rule_already_covering_it(tmp_path, run_patch):
    git_init(tmp_path)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / ".gitignore").write_text("/.env\n/data/*\n")
    run_patch(tmp_path / "compose.yaml")
    assert (tmp_path / ".gitignore").read_text() == "/.env\n/data/*\n"


def test_no_git_no_gitignore(tmp_path, run_patch):
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    assert run_patch(tmp_path / "compose.yaml").exit_code == 0
    assert not (tmp_path / ".gitignore").exists()


def test_dry_run_says_and_writes_nothing(tmp_path, run_patch):
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / ".gitignore").write_text("x\n")
    result = run_patch("--dry-run", tmp_path / "compose.yaml")
    assert "would add to .gitignore: /.env, /data/*" in result.stdout
    assert (tmp_path / ".gitignore").read_text() == "x\n"
