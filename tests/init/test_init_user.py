"""Rule 19: `composegen init --user UID:GID` writes a Postgres service that runs as that uid: `user:`,
a PGDATA the uid can create in the container layer, and data/ owned by it (or the one chown to run)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from composegen import fsutil
from composegen.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("value", ["1000", "abc:1000", "1000:", ":1000", "1000:1000:1", " 1000:1000",
                                   "4294967295:1000", "12345678901:1", "0:0", "0:1000"])
def test_a_user_that_is_not_uid_gid_is_refused_with_one_line(tmp_path, stub_utils, value):
    result = run("init", "miniflux", "--dir", str(tmp_path / "x"), "--user", value)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("composegen: error: --user: ") and repr(value) in line
    assert not (tmp_path / "x").exists()


def test_user_is_written_with_its_pgdata_and_data_belongs_to_it(tmp_path, stub_utils, monkeypatch):
    target = tmp_path / "miniflux"
    chowned = {}
    monkeypatch.setattr(os, "chown", lambda path, uid, gid, **kw: chowned.__setitem__(os.path.basename(path), (uid, gid)))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    result = run("init", "miniflux", "--dir", str(target), "--user", "1000:1001")
    assert result.exit_code == 0, result.output
    service = YAML().load((target / "compose.yaml").read_text())["services"]["postgres"]
    assert service["user"] == "1000:1001"
    # / belongs to root: the uid creates its PGDATA in /var/tmp (1777), still the container layer.
    assert service["environment"]["PGDATA"] == "/var/tmp/pgdata"
    assert chowned.get("data") == (1000, 1001)
    assert "chown" not in result.stderr


def test_not_root_init_prints_the_one_chown(tmp_path, stub_utils, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    monkeypatch.setattr(os, "getegid", lambda: 4242)
    target = tmp_path / "miniflux"
    result = run("init", "miniflux", "--dir", str(target), "--user", "1000:1000")
    assert result.exit_code == 0, result.output
    assert f"sudo chown 1000:1000 {target / 'data'}" in result.stderr
    assert fsutil.chown_command([(target / "data", "1000:1000")]) in result.stderr


def test_without_user_nothing_changes(tmp_path, stub_utils):
    result = run("init", "miniflux", "--dir", str(tmp_path / "m"))
    assert result.exit_code == 0, result.output
    service = YAML().load((tmp_path / "m" / "compose.yaml").read_text())["services"]["postgres"]
    assert "user" not in service and service["environment"]["PGDATA"] == "/pgdata"
