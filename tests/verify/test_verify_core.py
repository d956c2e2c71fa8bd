"""verify and upgrade without a Docker engine: which dumps, what a failure says, the record, and the
refusals that come before anything runs."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from composegen import throwaway, upgrade, verify, verify_record
from composegen.errors import UserError

COMPOSE = """\
services:
  db:
    image: postgres:15-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data:/dumps
      - ./utils:/utils:ro
  app:
    image: miniflux/miniflux:2.2.14
"""
DUMPS = ["cluster-20261201T090000Z.sql.zst", "cluster-20261202T090000Z.sql.zst"]


def make(folder: Path, dumps=DUMPS, compose=COMPOSE) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "compose.yaml").write_text(compose)
    for name in dumps:
        (folder / "data" / name).write_bytes(b"dump")
    return folder


def test_targets_and_dumps(tmp_path):
    folder = make(tmp_path / "s")
    [target] = verify.targets([folder])
    assert (target.service, target.image, target.data_dir) == ("db", "postgres:15-alpine", folder / "data")
    assert [p.name for p in verify.dumps_to_verify(target, every=False)] == [DUMPS[1]]
    assert [p.name for p in verify.dumps_to_verify(target, every=True)] == DUMPS[::-1]


def test_no_dump_yet_is_a_usage_error(tmp_path):
    folder = make(tmp_path / "s", dumps=[])
    with pytest.raises(UserError, match="no dump yet"):
        verify.verify([folder])


def test_a_dump_without_counts_fails_without_a_restore(tmp_path, monkeypatch):
    folder = make(tmp_path / "s")
    monkeypatch.setattr(throwaway, "restored", lambda *a, **k: pytest.fail("no restore without counts"))
    [target] = verify.targets([folder])
    result = verify.verify_dump(target, folder / "data" / DUMPS[1], "postgres:15")
    assert not result.ok and "no row counts recorded" in result.failure()


def test_failure_names_the_dump_and_each_table_with_both_counts(tmp_path):
    [target] = verify.targets([make(tmp_path / "s")])
    dump = tmp_path / "s" / "data" / DUMPS[1]
    result = verify.DumpResult(target, dump, "postgres:17", tables=[
        verify.TableResult("app", "public.items", 40, 37),
        verify.TableResult("app", "public.ok", 3, 3),
        verify.TableResult("other db", '"S"."T"', 2, None)])
    assert not result.ok
    assert result.failure() == (f"{dump}: public.items in database app: recorded 40 rows, restored 37; "
                                f'"S"."T" in database other db: recorded 2 rows, missing after the restore')


def test_record_keeps_the_last_verification_of_each_dump_still_there(tmp_path):
    folder = make(tmp_path / "s")
    [target] = verify.targets([folder])
    data = folder / "data"
    when = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
    ok = verify.DumpResult(target, data / DUMPS[0], "postgres:17", tables=[verify.TableResult("a", "p.t", 1, 1)],
                           time=when)
    verify_record.record(data, ok)
    (data / "composegen-verify.json").write_text(json.dumps({"version": 1, "dumps": {
        **json.loads((data / "composegen-verify.json").read_text())["dumps"], "cluster-gone.sql.zst": {}}}))
    bad = verify.DumpResult(target, data / DUMPS[1], "postgres:15", problem="it does not decompress", time=when)
    verify_record.record(data, bad)
    stored = json.loads((data / "composegen-verify.json").read_text())["dumps"]
    assert sorted(stored) == DUMPS
    assert stored[DUMPS[0]] == {"time": "2026-12-06T09:00:00Z", "ok": True, "image": "postgres:17", "tables": 1,
                                "rows": 1, "problem": None}
    found = verify_record.last_verification(data, DUMPS[1])
    assert (found.ok, found.image, found.problem) == (False, "postgres:15", f"{data / DUMPS[1]}: it does not decompress")
    assert verify_record.last_verification(data, "cluster-other.sql.zst") is None


@pytest.fixture
def majors(monkeypatch, tmp_path):
    """Image majors without an engine, and an empty catalog (a test adds the entries it needs)."""
    import composegen.catalog

    known = {"postgres:15-alpine": 15, "postgres:17-alpine": 17, "postgres:13-alpine": 13, "postgres:15.9-alpine": 15}

    def image_major(image):
        if image not in known:
            raise throwaway.ThrowawayError(f"{image} is not a PostgreSQL server image (no postgres)")
        return known[image]

    monkeypatch.setattr(throwaway, "image_major", image_major)
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    monkeypatch.setattr(composegen.catalog, "CATALOG_DIR", catalog)
    return catalog


def test_upgrade_plan_changes_only_the_image(tmp_path, majors):
    folder = make(tmp_path / "s")
    plan = upgrade.plan(folder, to_image=None, to_version=17, service=None)
    assert (plan.old_image, plan.new_image, plan.old_major, plan.new_major) == (
        "postgres:15-alpine", "postgres:17-alpine", 15, 17)
    assert plan.new_text == COMPOSE.replace("postgres:15-alpine", "postgres:17-alpine")


@pytest.mark.parametrize("options, message", [
    ({"to_image": None, "to_version": None}, "exactly one"),
    ({"to_image": "postgres:17-alpine", "to_version": 17}, "exactly one"),
    ({"to_image": "postgres:13-alpine", "to_version": None}, "never downgrades"),
    ({"to_image": None, "to_version": 15}, "already runs PostgreSQL 15"),
    ({"to_image": "busybox:1", "to_version": None}, "not a PostgreSQL server image"),
])
def test_upgrade_refusals(tmp_path, majors, options, message):
    folder = make(tmp_path / "s")
    with pytest.raises(UserError, match=message):
        upgrade.plan(folder, service=None, **options)
    assert (folder / "compose.yaml").read_text() == COMPOSE


def test_upgrade_without_a_dump_is_refused(tmp_path, majors):
    with pytest.raises(UserError, match="no dump yet"):
        upgrade.plan(make(tmp_path / "s", dumps=[]), to_image=None, to_version=17, service=None)


def test_upgrade_refuses_a_major_the_catalog_does_not_support(tmp_path, majors):
    (majors / "miniflux.yaml").write_text("name: miniflux\nimage: miniflux/miniflux:2.2.14\n"
                                          "postgres_versions: {min: 13, max: 16, source: the docs}\n")
    (majors / "other.yaml").write_text("name: other\nimage: other/app:1\n"
                                       "postgres_versions: {min: 13, max: 13, source: x}\n")
    folder = make(tmp_path / "s")
    with pytest.raises(UserError, match=r"the catalog says miniflux supports PostgreSQL 13 to 16 \(the docs\), not 17"):
        upgrade.plan(folder, to_image=None, to_version=17, service=None)
    (majors / "miniflux.yaml").write_text("name: miniflux\nimage: miniflux/miniflux:2.2.14\n"
                                          "postgres_versions: {min: 13, max: 17, source: the docs}\n")
    assert upgrade.plan(folder, to_image=None, to_version=17, service=None).new_major == 17


def test_upgrade_with_several_postgres_services_asks_which(tmp_path, majors):
    compose = COMPOSE.replace("  app:\n", """  db2:
    image: postgres:15-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data/db2:/dumps
  app:
""").replace("./data:/dumps", "./data/db:/dumps")
    folder = make(tmp_path / "s", dumps=[], compose=compose)
    for name in ("db", "db2"):
        (folder / "data" / name).mkdir()
        (folder / "data" / name / DUMPS[0]).write_bytes(b"dump")
    with pytest.raises(UserError, match="2 Postgres services"):
        upgrade.plan(folder, to_image=None, to_version=17, service=None)
    plan = upgrade.plan(folder, to_image=None, to_version=17, service="db2")
    assert plan.data_dir == folder / "data" / "db2"
    assert plan.new_text == compose.replace("  db2:\n    image: postgres:15-alpine", "  db2:\n    image: postgres:17-alpine")
    assert [t.data_dir for t in verify.targets([folder])] == [folder / "data" / "db", folder / "data" / "db2"]


# -f/--file (as `docker compose -f`): the stack's files named, the first one edited.

def test_verify_dash_f_finds_the_service_of_the_named_files(tmp_path):
    folder = make(tmp_path / "s")
    (folder / "compose.yaml").rename(folder / "base.yaml")
    (folder / "prod.yaml").write_text("services:\n  db:\n    image: postgres:16-alpine\n")
    assert verify.targets([folder]) == []  # no default-named file there
    [target] = verify.targets([], [folder / "base.yaml", folder / "prod.yaml"])
    assert (target.compose_file, target.service, target.image) == (folder / "base.yaml", "db", "postgres:16-alpine")


def test_upgrade_dash_f_plans_in_the_first_file_and_passes_every_file_on(tmp_path, majors):
    folder = make(tmp_path / "s")
    (folder / "prod.yaml").write_text("services:\n  db:\n    stop_grace_period: 5m\n")
    plan = upgrade.plan(None, to_image=None, to_version=17, service=None,
                        files=[folder / "compose.yaml", folder / "prod.yaml"])
    assert plan.compose_file == folder / "compose.yaml"
    assert plan.new_text == COMPOSE.replace("postgres:15-alpine", "postgres:17-alpine")
    assert plan.compose_files == (folder / "compose.yaml", folder / "prod.yaml")
    stack = upgrade._Stack(plan, None, None, runner=None)
    assert stack.base[-4:] == ["-f", str((folder / "compose.yaml").resolve()), "-f", str((folder / "prod.yaml").resolve())]


def test_upgrade_refuses_when_a_later_file_sets_the_image(tmp_path, majors):
    folder = make(tmp_path / "s")
    (folder / "prod.yaml").write_text("services:\n  db:\n    image: postgres:15-alpine\n")
    with pytest.raises(UserError, match="is set in .*prod.yaml too.*upgrade edits only compose.yaml"):
        upgrade.plan(None, to_image=None, to_version=17, service=None,
                     files=[folder / "compose.yaml", folder / "prod.yaml"])
    assert (folder / "compose.yaml").read_text() == COMPOSE
