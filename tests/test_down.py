"""`composegen down` with Compose replaced by a fake that writes what the runtime would write at a stop."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from composegen import compose_binary
from composegen.cli import cli
from composegen.down import confirm_stop_dump, down
from composegen.errors import UserError

NOW = datetime(2026, 11, 24, 21, 0, 0, 400000, tzinfo=timezone.utc)
COMPOSE = """\
services:
  db:
    image: postgres:17-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data:/dumps
"""


@pytest.fixture(autouse=True)
def fake_compose_binary(monkeypatch):
    monkeypatch.setattr(compose_binary, "compose_command", lambda: ("docker", "compose"))


def iso(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeCompose:
    """Records the commands; on `stop` writes the record (and dump) the runtime would write."""

    def __init__(self, folder: Path, outcome: str | None = "written", at: datetime = NOW, trigger: str = "stop",
                 stop_status: int = 0, keep_file: bool = True, log: str = ""):
        self.folder, self.outcome, self.at, self.trigger = folder, outcome, at, trigger
        self.stop_status, self.keep_file, self.log = stop_status, keep_file, log
        self.calls: list[list[str]] = []

    def __call__(self, command, cwd=None, check=False, **kwargs):
        self.calls.append(list(command))
        if "logs" in command:
            return subprocess.CompletedProcess(command, 0, self.log, "")
        if command[-1] == "stop" and self.outcome:
            data = self.folder / "data"
            good = "cluster-20261124T205959Z.sql.zst"
            if self.keep_file:
                (data / good).write_text("dump")
            record = {"version": 1, "outcome": self.outcome, "time": iso(self.at), "reason": "",
                      "duration_s": 0.5, "size": 4, "file": good if self.outcome == "written" else "",
                      "fingerprint": "f", "trigger": self.trigger,
                      "last_good": {"file": good, "time": iso(self.at), "size": 4, "fingerprint": "f"}}
            (data / "composegen-status.json").write_text(json.dumps(record))
        return subprocess.CompletedProcess(command, self.stop_status if command[-1] == "stop" else 0)


def stack(tmp_path: Path, compose: str = COMPOSE) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "compose.yaml").write_text(compose)
    return tmp_path


def run_down(folder, fake, extra=(), dry_run=False):
    lines: list[str] = []
    status = down(folder, list(extra), dry_run=dry_run, report=lines.append, runner=fake, clock=lambda: NOW)
    return status, lines


def test_written_at_this_stop_then_down_with_passed_arguments(tmp_path):
    fake = FakeCompose(stack(tmp_path))
    status, lines = run_down(tmp_path, fake, ["--remove-orphans"])
    assert status == 0
    assert fake.calls == [["docker", "compose", "stop"], ["docker", "compose", "down", "--remove-orphans"]]
    assert any(line.startswith("confirmed") for line in lines)


def test_a_named_compose_file_is_passed_to_compose(tmp_path):
    fake = FakeCompose(stack(tmp_path))
    assert run_down(tmp_path / "compose.yaml", fake)[0] == 0
    compose_file = str((tmp_path / "compose.yaml").resolve())
    assert fake.calls[0] == ["docker", "compose", "-f", compose_file, "stop"]


def test_skipped_as_unchanged_counts_when_the_last_good_dump_is_there(tmp_path):
    fake = FakeCompose(stack(tmp_path), outcome="skipped")
    assert run_down(tmp_path, fake)[0] == 0
    assert fake.calls[-1][-1] == "down"


@pytest.mark.parametrize("fake_options, reason", [
    ({"outcome": "failed"}, "the stop-time dump failed"),
    ({"outcome": None}, "no record of a dump"),
    ({"at": NOW - timedelta(seconds=5)}, "no dump was recorded at this stop"),
    ({"trigger": "schedule"}, "no dump was recorded at this stop"),
    ({"keep_file": False}, "is not in"),
    ({"outcome": "skipped", "keep_file": False}, "last good dump"),
    ({"stop_status": 3}, "`docker compose stop` failed (exit 3)"),
])
def test_left_stopped_with_the_reason(tmp_path, fake_options, reason):
    fake = FakeCompose(stack(tmp_path), **fake_options)
    status, lines = run_down(tmp_path, fake)
    assert status == 1
    assert "down" not in [call[2] for call in fake.calls]  # never `down`
    assert any(reason in line for line in lines), lines


def test_record_within_the_second_the_stop_began_counts(tmp_path):
    # The record has whole seconds; the stop began at .4 s into the same second.
    fake = FakeCompose(stack(tmp_path), at=NOW.replace(microsecond=0))
    assert run_down(tmp_path, fake)[0] == 0


def test_a_record_not_rewritten_by_this_stop_is_not_a_confirmation(tmp_path):
    """Written earlier in the same second the stop began: its time passes, but it is not this stop's."""
    folder = stack(tmp_path)
    FakeCompose(folder, at=NOW.replace(microsecond=0))(["stop"])  # the earlier stop's record
    idle = FakeCompose(folder, outcome=None)  # this stop: the service was not running, nothing written
    status, lines = run_down(folder, idle)
    assert status == 1 and any("was not rewritten" in line for line in lines)


def test_a_stop_without_a_dump_says_why_in_the_runtime_s_words(tmp_path):
    # The runtime logged why the stop took no dump; the refusal passes it on (the last such line).
    log = ("postgres-1  | composegen: stop requested: fast shutdown (clients are disconnected), then ...\n"
           "postgres-1  | 2026-11-24 LOG:  database system is shut down\n"
           "postgres-1  | composegen: cannot start postgres privately for the final dump: no dump at this stop\n")
    fake = FakeCompose(stack(tmp_path), outcome=None, log=log)
    status, lines = run_down(tmp_path, fake)
    assert status == 1
    assert ["docker", "compose", "logs", "--no-color", "--tail", "40", "db"] in fake.calls
    assert any(line.endswith("(its log ends with: cannot start postgres privately for the final dump: no dump "
                             "at this stop)") for line in lines), lines


def test_corrupt_record_is_not_a_confirmation(tmp_path):
    folder = stack(tmp_path)
    (folder / "data" / "composegen-status.json").write_text("{oops")
    assert "unusable" in confirm_stop_dump(folder / "data", NOW)


def test_dry_run_runs_nothing(tmp_path):
    fake = FakeCompose(stack(tmp_path))
    status, lines = run_down(tmp_path, fake, ["-v"], dry_run=True)
    assert status == 0 and fake.calls == []
    assert "would run" in lines[0] and lines[-1].startswith("would then run") and "down -v" in lines[-1]


def test_no_guarded_postgres_is_a_user_error(tmp_path):
    stack(tmp_path, "services:\n  db:\n    image: postgres:16\n")
    with pytest.raises(UserError, match="no Postgres service with composegen's dump setup"):
        run_down(tmp_path, FakeCompose(tmp_path))


def test_missing_compose_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no compose file"):
        run_down(tmp_path, FakeCompose(tmp_path))


def test_cli_passes_arguments_after_double_dash(tmp_path, monkeypatch):
    stack(tmp_path)
    result = CliRunner().invoke(cli, ["down", str(tmp_path), "--dry-run", "--", "--remove-orphans", "--volumes"])
    assert result.exit_code == 0, result.output
    assert "down --remove-orphans --volumes" in result.output
    assert CliRunner().invoke(cli, ["down", str(tmp_path / "nope"), "--dry-run"]).exit_code == 2
    monkeypatch.chdir(tmp_path)
    bare = CliRunner().invoke(cli, ["down", "--dry-run", "--", "--remove-orphans"])
    assert bare.exit_code == 0 and "down --remove-orphans" in bare.output
    named = CliRunner().invoke(cli, ["down", "-p", "web", str(tmp_path), "--dry-run"])
    assert "docker compose -p web stop" in named.output


def test_compose_binary_falls_back_to_docker_compose(monkeypatch, tmp_path):
    monkeypatch.undo()
    compose_binary.compose_command.cache_clear()
    fake = tmp_path / "docker-compose"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(compose_binary.sys, "executable", "/nonexistent/python")
    try:
        assert compose_binary.compose_command() == (str(fake),)
    finally:
        compose_binary.compose_command.cache_clear()


def test_compose_binary_missing_is_a_user_error(monkeypatch, tmp_path):
    monkeypatch.undo()
    compose_binary.compose_command.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(compose_binary.sys, "executable", "/nonexistent/python")
    try:
        with pytest.raises(UserError, match="Docker Compose v2 not found"):
            compose_binary.compose_command()
    finally:
        compose_binary.compose_command.cache_clear()
