"""Rule 19: patch takes a Postgres service with `user:` (it refused it before) and keeps it working as
that uid: PGDATA where the uid can create it, data/ owned by it (or the one chown to run)."""

from __future__ import annotations

import os

from ruamel.yaml import YAML

from composegen.service_block import missing_setup


def write(tmp_path, user_line: str):
    path = tmp_path / "compose.yaml"
    path.write_text(f"services:\n  db:\n    image: postgres:16\n    {user_line}\n")
    return path


def test_a_uid_gid_service_is_patched_and_data_given_to_it(tmp_path, run_patch, monkeypatch):
    path = write(tmp_path, 'user: "1000:1000"  # umbrel')
    given = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "lchown", lambda p, uid, gid: given.append((os.path.basename(p), uid, gid)))
    result = run_patch(path, "--fresh")
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert 'user: "1000:1000"  # umbrel' in text
    service = YAML().load(text)["services"]["db"]
    assert service["environment"]["PGDATA"] == "/var/tmp/pgdata"
    assert missing_setup(service) == []
    assert ("data", 1000, 1000) in given


def test_not_root_patch_prints_the_one_chown(tmp_path, run_patch, monkeypatch):
    path = write(tmp_path, "user: 1000:1000")
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    result = run_patch(path, "--fresh")
    assert result.exit_code == 0, result.output
    assert f"sudo chown -R 1000:1000 {tmp_path / 'data'}" in result.output


def test_a_named_user_is_patched_and_told_what_data_needs(tmp_path, run_patch):
    path = write(tmp_path, "user: postgres")
    result = run_patch(path, "--fresh")
    assert result.exit_code == 0, result.output
    assert "runs as 'postgres'" in result.output and "must belong to that user" in result.output
    assert YAML().load(path.read_text())["services"]["db"]["environment"]["PGDATA"] == "/var/tmp/pgdata"


def test_root_keeps_pgdata_in_the_root_folder(tmp_path, run_patch):
    path = write(tmp_path, 'user: "0:0"')
    assert run_patch(path, "--fresh").exit_code == 0
    assert YAML().load(path.read_text())["services"]["db"]["environment"]["PGDATA"] == "/pgdata"
