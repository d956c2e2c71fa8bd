"""Bad input: one line, exit 2, nothing changed."""

from __future__ import annotations

import pytest


def assert_refused(result, compose, before: bytes, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("composegen: error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    if compose.exists():
        assert compose.read_bytes() == before
        assert sorted(p.name for p in compose.parent.iterdir()) == [compose.name]


@pytest.mark.parametrize("text, fragments", [
    ("just: a mapping\n", ("not a compose file",)),
    ("- a\n- list\n", ("not a compose file",)),
    ("", ("not a compose file",)),
    ("services:\n  db:\n    image: postgres:16\n   bad: indent\n", ("compose.yaml:4", "not valid YAML")),
    ("services:\n  db:\n    image: [unclosed\n", ("not valid YAML",)),
    ("services:\n  app:\n    image: nginx\n  dbx:\n    image: dpage/pgadmin4\n", ("no Postgres service found",)),
    ("services:\n  pg:\n    image: bitnami/postgresql:16\n", ("/bitnami/postgresql",)),
    # Rule 19: the refusal names the guarantee that cannot hold.
    ("services:\n  db:\n    image: postgres:16\n    read_only: true\n",
     ("read-only root filesystem", "would then lose every write since the last dump", "rule 14")),
    ("services:\n  db:\n    image: postgres:16\n    services: 1\n  db: {}\n", ("YAML",)),
])
def test_bad_input(tmp_path, run_patch, text, fragments):
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    assert_refused(run_patch(compose), compose, text.encode(), *fragments)


def test_not_utf8(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_bytes(b"services:\n  db:\n    image: postgres\xff\n")
    assert_refused(run_patch(compose), compose, compose.read_bytes(), "not valid UTF-8")


def test_missing_file_and_folder(tmp_path, run_patch):
    assert_refused(run_patch(tmp_path / "nope.yaml"), tmp_path / "nope.yaml", b"", "no such file")
    assert_refused(run_patch(tmp_path), tmp_path / "x", b"", "is a folder with no compose file")


def test_a_folder_means_its_compose_file(tmp_path, run_patch):
    (tmp_path / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:16\n")
    result = run_patch(tmp_path)
    assert result.exit_code == 0 and "docker-compose.yml: patched service 'db'" in result.stdout


def test_service_option(tmp_path, run_patch):
    text = "services:\n  a:\n    image: postgres:16\n  b:\n    image: postgis/postgis:16-3.4\n  web:\n    image: nginx\n"
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    assert_refused(run_patch(compose, "--service", "web"), compose, text.encode(), "'web' does not run a Postgres image")
    assert_refused(run_patch(compose, "--service", "zz"), compose, text.encode(), "no service 'zz'")
    result = run_patch(compose, "--service", "b")
    assert result.exit_code == 0, result.output
    after = compose.read_text()
    assert after.startswith("services:\n  a:\n    image: postgres:16\n  b:\n    image: postgis/postgis:16-3.4\n    restart:")


def test_unwritable_folder(tmp_path, run_patch, monkeypatch):
    import tempfile

    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert_refused(run_patch(compose), compose, text.encode(), "cannot write there", "Permission denied")


def test_migrate_and_fresh_exclude_each_other(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)
    assert_refused(run_patch(compose, "--migrate", "--fresh"), compose, text.encode(), "exclude each other")


@pytest.mark.parametrize("text, fragment", [
    ("services:\n  db: &db\n    image: postgres:16\n    restart: always\n  app:\n    <<: *db\n    image: nginx\n",
     "anchored (&db)"),
    ("services:\n  db:\n    image: postgres:16\n    environment: &env\n      POSTGRES_PASSWORD: x\n"
     "  app:\n    image: nginx\n    environment: *env\n", "its environment defines &env"),
    ("services:\n  db:\n    image: postgres:16\n    volumes: &vols\n      - ./x:/x\n"
     "  app:\n    image: nginx\n    volumes: *vols\n", "its volumes defines &vols"),
    ("services:\n  db: {image: postgres:16, environment: &env {A: b}}\n  app:\n    image: nginx\n    environment: *env\n",
     "defines &env"),
])
def test_anchors_other_services_reuse_are_never_changed(tmp_path, run_patch, text, fragment):
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    assert_refused(run_patch(compose), compose, text.encode(), fragment)


def test_an_anchor_nobody_reuses_is_edited_like_any_key(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres:16\n    environment: &env\n      POSTGRES_PASSWORD: x\n")
    assert run_patch(compose).exit_code == 0
    assert "    environment: &env\n      POSTGRES_PASSWORD: x\n      PGDATA: /pgdata\n" in compose.read_text()


def test_an_alias_in_the_service_is_replaced_by_its_own_copy(tmp_path, run_patch):
    text = ("x-env: &env\n  POSTGRES_PASSWORD: x\nservices:\n  db:\n    image: postgres:16\n    environment: *env\n"
            "  app:\n    image: nginx\n    environment: *env\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    assert run_patch(compose).exit_code == 0
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load(compose.read_text())
    assert data["services"]["app"]["environment"] == {"POSTGRES_PASSWORD": "x"}
    assert data["services"]["db"]["environment"]["POSTGRES_PASSWORD"] == "x"
    assert data["services"]["db"]["environment"]["PGDATA"] == "/pgdata"
    assert compose.read_text().startswith("x-env: &env\n  POSTGRES_PASSWORD: x\nservices:\n")


def test_utils_that_is_a_file(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)
    (tmp_path / "utils").write_text("not a folder")
    result = run_patch(compose)
    assert result.exit_code == 2 and "is not a folder" in result.stderr
    assert compose.read_text() == text and not (tmp_path / "data").exists()


def test_bad_schedule(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)
    assert_refused(run_patch(compose, "--schedule", "hourly"), compose, text.encode(), "--schedule: 'hourly' is not an interval")
