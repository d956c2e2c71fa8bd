"""`composegen status` on synthetic data/ folders: newest good dump, last attempt, --max-age, exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from composegen.cli import cli
from composegen.dump_record import RecordError, dump_files, parse_record
from composegen.status import collect, format_age, parse_max_age

NOW = datetime(2026, 11, 24, 20, 0, 0, tzinfo=timezone.utc)

COMPOSE = """\
services:
  db:
    image: postgres:17-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data:/dumps
      - ./utils:/utils:ro
"""


def stamp(time: datetime) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ")


def make_stack(folder: Path, dumps_ago: list[timedelta] = (), record: dict | str | None = None,
               compose: str = COMPOSE) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "compose.yaml").write_text(compose)
    for ago in dumps_ago:
        (folder / "data" / f"cluster-{stamp(NOW - ago)}.sql.zst").write_bytes(b"x" * 2048)
    if record is not None:
        text = record if isinstance(record, str) else json.dumps(record)
        (folder / "data" / "composegen-status.json").write_text(text)
    return folder


def record(outcome="written", ago=timedelta(hours=1), trigger="schedule", **extra) -> dict:
    return {"version": 1, "outcome": outcome, "time": (NOW - ago).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reason": extra.pop("reason", ""), "duration_s": 1.5, "size": 2048, "file": "", "fingerprint": "f",
            "last_good": None, "trigger": trigger, **extra}


def one(tmp_path, **kwargs):
    [status] = collect([tmp_path], now=NOW, **kwargs)
    return status


def test_fresh_dump_is_ok(tmp_path):
    make_stack(tmp_path, [timedelta(hours=30), timedelta(hours=2)], record())
    status = one(tmp_path)
    assert status.ok and status.notes == []
    assert status.newest.time == (NOW - timedelta(hours=2)).replace(microsecond=0)
    assert status.newest.size == 2048
    assert status.record.outcome == "written"


def test_old_dump_fails(tmp_path):
    make_stack(tmp_path, [timedelta(hours=27)], record())
    assert one(tmp_path).problems == ["the newest dump is 1d 3h old (limit 1d 2h)"]
    assert one(tmp_path, max_age=timedelta(hours=28)).ok


def test_an_idle_database_is_current_as_of_its_last_skipped_attempt(tmp_path):
    old = NOW - timedelta(days=3)
    good = {"file": f"cluster-{stamp(old)}.sql.zst", "time": old.strftime("%Y-%m-%dT%H:%M:%SZ"), "size": 2048}
    make_stack(tmp_path, [timedelta(days=3)], record("skipped", timedelta(minutes=30), last_good=good))
    status = one(tmp_path)
    assert status.ok and status.current_as_of == NOW - timedelta(minutes=30)
    # A skip that vouches for another file (or a written dump since lost) does not count.
    make_stack(tmp_path / "other", [timedelta(days=3)], record("skipped", timedelta(minutes=30),
                                                               last_good=dict(good, file="cluster-x.sql.zst")))
    assert collect([tmp_path / "other"], now=NOW)[0].problems == ["the newest dump is 3d 0h old (limit 1d 2h)"]


def test_failed_last_attempt_fails_even_with_a_fresh_dump(tmp_path):
    make_stack(tmp_path, [timedelta(minutes=5)], record("failed", timedelta(minutes=1), reason="disk full"))
    [problem] = one(tmp_path).problems
    assert "failed" in problem and "disk full" in problem


def test_no_dump_yet_is_said_plainly(tmp_path):
    make_stack(tmp_path)
    status = one(tmp_path)
    assert status.problems == [f"no dump yet in {tmp_path / 'data'}"]
    assert any("no record" in note for note in status.notes)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"outcome": "maybe", "time": "2026-01-01T00:00:00Z"}',
                                  '{"outcome": "written", "time": "yesterday"}'])
def test_corrupt_record_is_tolerated_and_said(tmp_path, text):
    make_stack(tmp_path, [timedelta(hours=1)], text)
    status = one(tmp_path)
    assert status.ok and status.record is None
    assert "unusable" in status.notes[0]


def test_temporary_and_foreign_files_are_not_dumps(tmp_path):
    make_stack(tmp_path)
    data = tmp_path / "data"
    (data / f".cluster-{stamp(NOW)}.sql.zst.tmp").write_text("partial")
    (data / "cluster-latest.sql.zst").write_text("?")
    (data / f"cluster-{stamp(NOW)}.sql.gz").write_text("gz")
    assert [d.path.name for d in dump_files(data)] == [f"cluster-{stamp(NOW)}.sql.gz"]


def test_service_without_the_setup_has_no_dumps(tmp_path):
    make_stack(tmp_path, compose="services:\n  db:\n    image: postgres:16\n")
    [problem] = one(tmp_path).problems
    assert "no dump setup" in problem and "composegen patch" in problem


def test_other_contract_image_is_noted_not_failed(tmp_path):
    make_stack(tmp_path, compose="services:\n  db:\n    image: bitnami/postgresql:16\n")
    status = one(tmp_path)
    assert status.ok and "not managed by composegen" in status.notes[0]


def test_data_folder_from_the_dumps_mount(tmp_path):
    make_stack(tmp_path, compose=COMPOSE.replace("./data:/dumps", "./backups/pg:/dumps"))
    (tmp_path / "backups" / "pg").mkdir(parents=True)
    (tmp_path / "backups" / "pg" / f"cluster-{stamp(NOW)}.sql.zst").write_text("x")
    assert one(tmp_path).ok


def test_parse_record_fields():
    parsed = parse_record(json.dumps(record("skipped", trigger="stop", last_good={
        "file": "cluster-x.sql.zst", "time": "2026-11-24T19:00:00Z", "size": 5, "fingerprint": "f"})))
    assert (parsed.outcome, parsed.trigger, parsed.last_good.file, parsed.last_good.size) == (
        "skipped", "stop", "cluster-x.sql.zst", 5)
    with pytest.raises(RecordError):
        parse_record('{"version": 1, "outcome": "written", "time": "2026-11-24T19:00:00Z", "size": "big"}')


@pytest.mark.parametrize("text, seconds", [("26h", 93600), ("90m", 5400), ("2d", 172800), ("1d12h", 129600),
                                           ("3600", 3600), ("0s", 0)])
def test_parse_max_age(text, seconds):
    assert parse_max_age(text) == timedelta(seconds=seconds)


def test_format_age():
    assert [format_age(timedelta(seconds=s)) for s in (5, 125, 7300, 90000)] == ["5s", "2m 5s", "2h 1m", "1d 1h"]


class TestCli:
    def test_text_and_exit_codes(self, tmp_path):
        now = datetime.now(timezone.utc)
        make_stack(tmp_path / "ok", [NOW - now + timedelta(minutes=10)], record())
        # (NOW - now + x) makes the dump x old relative to the real clock the CLI uses
        result = CliRunner().invoke(cli, ["status", str(tmp_path / "ok")])
        assert result.exit_code == 0, result.output
        assert "newest dump:" in result.output and "1 Postgres service: 1 ok, 0 need attention" in result.output
        make_stack(tmp_path / "none")
        result = CliRunner().invoke(cli, ["status", str(tmp_path)])
        assert result.exit_code == 1 and "no dump yet" in result.output
        assert "2 Postgres services: 1 ok, 1 needs attention" in result.output

    def test_json(self, tmp_path):
        make_stack(tmp_path, [], record("failed", reason="boom"))
        result = CliRunner().invoke(cli, ["status", "--json", str(tmp_path)])
        assert result.exit_code == 1
        document = json.loads(result.stdout)
        [service] = document["services"]
        assert service["ok"] is False and service["last_attempt"]["reason"] == "boom"
        assert document["summary"] == {"services": 1, "ok": 0, "failing": 1}

    def test_usage_errors_exit_2(self, tmp_path):
        assert CliRunner().invoke(cli, ["status", "--max-age", "soon", str(tmp_path)]).exit_code == 2
        assert CliRunner().invoke(cli, ["status", str(tmp_path / "missing")]).exit_code == 2
        result = CliRunner().invoke(cli, ["status", str(tmp_path)])
        assert result.exit_code == 2 and "no Postgres service" in result.output
