"""`status` on files anyone could have written (issue #12, item 8, and the record's bounds)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from composegen.cli import cli
from composegen.status import collect

COMPOSE = """\
services:
  db:
    image: postgres:17-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data:/dumps
      - ./utils:/utils:ro
"""


def stack(folder, dump_time: datetime | None = None, record: dict | str | None = None):
    (folder / "data").mkdir(parents=True)
    (folder / "compose.yaml").write_text(COMPOSE)
    if dump_time is not None:
        (folder / "data" / f"cluster-{dump_time:%Y%m%dT%H%M%SZ}.sql.zst").write_bytes(b"x" * 100)
    if record is not None:
        text = record if isinstance(record, str) else json.dumps(record)
        (folder / "data" / "composegen-status.json").write_text(text)
    return folder


def now() -> datetime:
    return datetime.now(timezone.utc)


def record_at(time: datetime, **extra) -> dict:
    return {"version": 1, "outcome": "written", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"), "trigger": "schedule",
            **extra}


def test_a_dump_from_the_future_is_a_problem(tmp_path):
    """Issue #12 item 8: a dump dated 2099 was "ok, 0s old"."""
    future = datetime(2099, 1, 1, tzinfo=timezone.utc)
    stack(tmp_path, future, record_at(future))
    [status] = collect([tmp_path])
    assert not status.ok
    assert any("cluster-20990101T000000Z.sql.zst is dated 2099-01-01T00:00:00Z, in the future" in p
               for p in status.problems), status.problems
    assert any("the record of the last attempt is dated 2099" in p for p in status.problems)
    result = CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert result.exit_code == 1 and "NEEDS ATTENTION" in result.stdout


def test_a_dump_a_minute_ahead_is_fine(tmp_path):
    stack(tmp_path, now() + timedelta(minutes=1), record_at(now()))
    [status] = collect([tmp_path])
    assert status.ok, status.problems


def test_control_characters_from_the_record_are_escaped(tmp_path):
    """Issue #12 item 8: a record's reason reached the terminal raw (ESC sequences, a fake second line)."""
    reason = "disk full\x1b[2J\x1b]0;owned\x07\nfake: ok\u202e"
    stack(tmp_path, now() - timedelta(hours=1), record_at(now(), outcome="failed", reason=reason,
                                                            trigger="sched\x1bule"))
    result = CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert result.exit_code == 1
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "disk full\\x1b[2J\\x1b]0;owned\\x07\\nfake: ok\\u202e" in out
    assert "trigger sched\\x1bule" in out
    assert not any(line.startswith("fake") for line in out.splitlines())
    # JSON escapes them itself, and keeps the value exact.
    document = json.loads(CliRunner().invoke(cli, ["status", "--json", str(tmp_path)]).stdout)
    assert document["services"][0]["last_attempt"]["reason"] == reason


def test_a_malformed_compose_file_is_a_finding_and_the_others_are_reported(tmp_path):
    """Issue #12 item 8: one malformed file made status exit 2 with no report for the others."""
    stack(tmp_path / "good", now() - timedelta(hours=1), record_at(now()))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "compose.yaml").write_text("services: [unclosed\n")
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "compose.yaml").write_text("services: " + "[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert f"{tmp_path / 'good' / 'compose.yaml'} db: ok" in out
    assert f"{tmp_path / 'bad' / 'compose.yaml'}: NEEDS ATTENTION" in out
    assert "problem: not a usable compose file: line 2, column 1: not valid YAML" in out
    assert "problem: not a usable compose file: line 1, column 1: nested too deeply (more than 100 levels)" in out


def test_a_fifo_record_does_not_hang_status(tmp_path):
    stack(tmp_path, now() - timedelta(hours=1))
    os.mkfifo(tmp_path / "data" / "composegen-status.json")
    os.mkfifo(tmp_path / "data" / "composegen-verify.json")
    [status] = collect([tmp_path])
    assert any("is not a regular file" in note for note in status.notes), status.notes


@pytest.mark.parametrize("text", [
    "[" * 100000 + "]" * 100000,
    json.dumps({"version": 1, "outcome": "written", "time": "9999-12-31T23:59:59-23:00"}),
    json.dumps({"version": 1, "outcome": "written", "time": "0001-01-01T00:00:00+01:00"}),
])
def test_a_hostile_record_is_unusable_not_a_traceback(tmp_path, text):
    stack(tmp_path, now() - timedelta(hours=1), text)
    [status] = collect([tmp_path])
    assert any("is unusable" in note for note in status.notes), status.notes
    result = CliRunner().invoke(cli, ["status", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize("age", ["99999999999d", "36501d", "9" * 400])
def test_an_overlong_max_age_is_a_usage_error(age):
    """Issue #12 item 5: OverflowError on status --max-age 99999999999d."""
    result = CliRunner().invoke(cli, ["status", "--max-age", age])
    assert result.exit_code == 2
    assert "is longer than 36500d, the longest --max-age" in result.stderr
    assert len(result.stderr.splitlines()) == 1
