"""Rule 18 in status and down: each Postgres service is reported and gated on its own dumps folder."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from composegen import compose_binary
from composegen.down import down
from composegen.errors import UserError
from composegen.status import collect

NOW = datetime(2026, 11, 24, 21, 0, 0, tzinfo=timezone.utc)
SERVICE = """\
  {name}:
    image: postgres:17-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - {folder}:/dumps
"""


def compose(*pairs):
    return "services:\n" + "".join(SERVICE.format(name=n, folder=f) for n, f in pairs)


def record(time, file):
    return {"version": 1, "outcome": "written", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"), "reason": "",
            "duration_s": 0.5, "size": 100, "file": file, "fingerprint": "f", "trigger": "stop", "last_good": None}


def dump(folder, time):
    folder.mkdir(parents=True, exist_ok=True)
    name = f"cluster-{time.strftime('%Y%m%dT%H%M%SZ')}.sql.zst"
    (folder / name).write_bytes(b"x" * 100)
    (folder / "composegen-status.json").write_text(json.dumps(record(time, name)))


def test_status_reports_each_service_from_its_own_folder(tmp_path):
    (tmp_path / "compose.yaml").write_text(compose(("db", "./data/db"), ("auth", "./data/auth")))
    dump(tmp_path / "data" / "db", NOW - timedelta(hours=1))
    dump(tmp_path / "data" / "auth", NOW - timedelta(hours=40))
    statuses = {s.service: s for s in collect([tmp_path], now=NOW)}
    assert statuses["db"].ok and statuses["db"].data_dir == tmp_path / "data" / "db"
    assert not statuses["auth"].ok and "old" in statuses["auth"].problems[0]


def test_status_flags_a_shared_folder(tmp_path):
    (tmp_path / "compose.yaml").write_text(compose(("db", "./data"), ("auth", "./data")))
    dump(tmp_path / "data", NOW - timedelta(hours=1))
    statuses = collect([tmp_path], now=NOW)
    assert all(not s.ok and any("shares its dumps folder" in p for p in s.problems) for s in statuses)


def test_down_refuses_a_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(compose_binary, "compose_command", lambda: ("docker", "compose"))
    (tmp_path / "compose.yaml").write_text(compose(("db", "./data"), ("auth", "./data")))
    with pytest.raises(UserError, match="share the dumps folder"):
        down(tmp_path, [], dry_run=False, report=lambda line: None, runner=lambda *a, **k: pytest.fail("ran"))


def test_down_gates_each_service(tmp_path, monkeypatch):
    monkeypatch.setattr(compose_binary, "compose_command", lambda: ("docker", "compose"))
    (tmp_path / "compose.yaml").write_text(compose(("db", "./data/db"), ("auth", "./data/auth")))
    for name in ("db", "auth"):
        (tmp_path / "data" / name).mkdir(parents=True)
    calls, lines = [], []

    def runner(command, cwd=None, check=False, **kwargs):  # the stop writes a dump for db only: auth's failed
        calls.append(command[-1] if "logs" not in command else f"logs {command[-1]}")
        if command[-1] == "stop":
            dump(tmp_path / "data" / "db", NOW)
        return subprocess.CompletedProcess(command, 0)

    status = down(tmp_path, [], dry_run=False, report=lines.append, runner=runner, clock=lambda: NOW)
    assert status == 1 and calls == ["stop", "logs auth"], lines  # the log of the one not confirmed
    assert any("confirmed: a good dump of 'db'" in line for line in lines), lines
    assert any("not removing the containers: 'auth'" in line for line in lines)
