"""--dry-run and --check write nothing; a re-run refreshes utils/ and says which files changed."""

from __future__ import annotations

from composegen.utils_scripts import render_utils

TEXT = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: x\n"


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT)
    result = run_patch(compose, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("--- a/compose.yaml\n+++ b/compose.yaml\n@@ ")
    assert "+      PGDATA: /pgdata\n" in result.stdout and "+    entrypoint: [/utils/entrypoint]\n" in result.stdout
    assert "would write utils/: " in result.stdout
    assert compose.read_text() == TEXT
    assert [p.name for p in tmp_path.iterdir()] == ["compose.yaml"]


def test_dry_run_marks_a_missing_final_newline(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT.rstrip("\n"))
    result = run_patch(compose, "--dry-run")
    assert "\\ No newline at end of file" in result.stdout


def test_check_exit_status(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT)
    result = run_patch(compose, "--check")
    assert result.exit_code == 1 and "is not patched" in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["compose.yaml"]
    assert run_patch(compose).exit_code == 0
    result = run_patch(compose, "--check")
    assert result.exit_code == 0 and "up to date" in result.stdout


def test_check_says_what_is_missing(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT.replace("    environment:", "    entrypoint: [/utils/entrypoint]\n    environment:"))
    result = run_patch(compose, "--check")
    assert result.exit_code == 1
    assert (f"{compose}: service 'db' is not patched (missing: PGDATA=/pgdata, volume ./data:/dumps, volume "
            "./utils:/utils:ro, volume ./utils/restore:/docker-entrypoint-initdb.d/000-composegen-restore.sh:ro, "
            "tmpfs over /var/lib/postgresql and /var/lib/postgresql/data, healthcheck /utils/healthcheck)\n") in result.stdout


def test_stale_utils_are_reported_and_refreshed(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT)
    assert run_patch(compose).exit_code == 0
    patched = compose.read_bytes()
    dump = tmp_path / "utils" / "dump"
    dump.write_text("#!/bin/sh\n# an older composegen's dump\n")
    result = run_patch(compose, "--check")
    assert result.exit_code == 1 and "utils/ is stale or missing: dump" in result.stdout
    result = run_patch(compose)
    assert result.exit_code == 0, result.output
    assert "already patched" in result.stdout and "updated utils/: dump" in result.stdout
    assert dump.read_text() == render_utils()["dump"] and dump.stat().st_mode & 0o777 == 0o755
    assert compose.read_bytes() == patched
    assert run_patch(compose, "--check").exit_code == 0


def test_writes_utils_and_data_beside_the_compose_file(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT)
    result = run_patch(compose)
    assert result.exit_code == 0 and "patched service 'db'" in result.stdout
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "utils").stat().st_mode & 0o777 == 0o755
    rendered = render_utils()
    assert sorted(p.name for p in (tmp_path / "utils").iterdir()) == sorted(rendered)
    for name, content in rendered.items():
        assert (tmp_path / "utils" / name).read_text() == content


def test_an_existing_data_folder_becomes_private(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TEXT)
    (tmp_path / "data").mkdir(mode=0o755)
    (tmp_path / "data").chmod(0o755)
    (tmp_path / "data" / "keep.txt").write_text("x")
    assert run_patch(compose).exit_code == 0
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "keep.txt").read_text() == "x"
