"""Synthetic files: whatever the user's formatting, only the Postgres service's lines change."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from tests.patch.helpers import assert_has_setup, changed_original_lines, service_line_range


def patch_text(tmp_path, run_patch, text: str, *args: str, newline: str = "") -> str:
    compose = tmp_path / "compose.yaml"
    compose.write_bytes(text.encode("utf-8"))
    result = run_patch(compose, "--fresh", *args)
    assert result.exit_code == 0, result.output
    after = compose.read_bytes().decode("utf-8")
    again = run_patch(compose)
    assert again.exit_code == 0 and "nothing changed" in again.stdout, again.output
    assert compose.read_bytes().decode("utf-8") == after
    return after


def only_service_changed(before: str, after: str, name: str) -> None:
    first, stop = service_line_range(before, name)
    changed, inserted_at = changed_original_lines(before, after)
    assert all(first < line < stop for line in changed), sorted(changed)
    assert all(first < line <= stop for line in inserted_at), sorted(inserted_at)


def setup_of(after: str, name: str) -> dict:
    service = YAML(typ="safe", pure=True).load(after)["services"][name]
    assert_has_setup(service)
    return service


BASIC = (
    "---\n# my stack\nservices:\n  app:\n    image: nginx  # web\n    depends_on: [db]\n\n"
    "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: secret\n"
    "    volumes:\n      - pg:/var/lib/postgresql/data\n\nvolumes:\n  pg:\n"
)


def test_crlf_stays_crlf(tmp_path, run_patch):
    before = BASIC.replace("\n", "\r\n")
    after = patch_text(tmp_path, run_patch, before)
    assert after.count("\n") == after.count("\r\n")
    only_service_changed(before, after, "db")
    setup_of(after, "db")


def test_missing_final_newline_stays_missing_when_the_service_is_last(tmp_path, run_patch):
    before = "services:\n  app:\n    image: nginx\n  db:\n    image: postgres:16\n    restart: always"
    after = patch_text(tmp_path, run_patch, before)
    assert not after.endswith("\n")
    assert after.startswith("services:\n  app:\n    image: nginx\n  db:\n    image: postgres:16\n    restart: always\n")
    setup_of(after, "db")


def test_leading_document_marker_comments_and_blank_lines_stay(tmp_path, run_patch):
    after = patch_text(tmp_path, run_patch, BASIC)
    assert after.startswith("---\n# my stack\nservices:\n  app:\n    image: nginx  # web\n    depends_on: [db]\n\n  db:\n")
    assert after.endswith("\n\nvolumes:\n  pg:\n")
    only_service_changed(BASIC, after, "db")


@pytest.mark.parametrize("step", [3, 4, 1])
def test_odd_indentation_is_followed(tmp_path, run_patch, step):
    pad = " " * step
    before = (f"services:\n{pad}db:\n{pad * 2}image: postgres:16\n{pad * 2}environment:\n"
              f"{pad * 3}POSTGRES_PASSWORD: x\n{pad}app:\n{pad * 2}image: nginx\n")
    after = patch_text(tmp_path, run_patch, before)
    only_service_changed(before, after, "db")
    setup_of(after, "db")
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    keys = [line for line in added if not line.startswith(" " * (2 * step + 1))]
    assert all(line.startswith(pad * 2) and line[2 * step] != " " for line in keys), keys
    assert f"{pad * 3}PGDATA: /pgdata" in after.splitlines()


def test_flow_style_service_is_rewritten_alone(tmp_path, run_patch):
    before = ("services:\n  app: {image: nginx, ports: ['80:80']}\n"
              "  db: {image: 'postgres:16', environment: {POSTGRES_PASSWORD: x}}  # the db\n"
              "  cache: {image: redis}\n")
    after = patch_text(tmp_path, run_patch, before)
    lines = after.splitlines()
    assert lines[1] == "  app: {image: nginx, ports: ['80:80']}" and lines[-1] == "  cache: {image: redis}"
    assert lines[2] == "  db:  # the db"
    service = setup_of(after, "db")
    assert service["environment"]["POSTGRES_PASSWORD"] == "x"


def test_list_environment_gets_list_entries(tmp_path, run_patch):
    before = "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD=x\n"
    after = patch_text(tmp_path, run_patch, before)
    assert "      - PGDATA=/pgdata\n" in after and "      - COMPOSEGEN_KEEP=3\n" in after
    setup_of(after, "db")


def test_map_environment_gets_map_entries_and_pgdata_is_replaced_in_place(tmp_path, run_patch):
    before = ("services:\n  db:\n    image: postgres:16\n    environment:\n"
              "      PGDATA: /var/lib/postgresql/data/pgdata  # moved\n      POSTGRES_PASSWORD: x\n")
    after = patch_text(tmp_path, run_patch, before)
    assert "      PGDATA: /pgdata\n      POSTGRES_PASSWORD: x\n" in after
    setup_of(after, "db")


@pytest.mark.parametrize("environment", ["[POSTGRES_PASSWORD=x]", "{POSTGRES_PASSWORD: x}"])
def test_flow_environment_is_rewritten_in_block_style(tmp_path, run_patch, environment):
    before = f"services:\n  db:\n    image: postgres:16\n    environment: {environment}\n    restart: always\n"
    after = patch_text(tmp_path, run_patch, before)
    service = setup_of(after, "db")
    assert "POSTGRES_PASSWORD" in str(service["environment"])


def test_dash_at_the_key_column_is_followed(tmp_path, run_patch):
    before = "services:\n  db:\n    image: postgres:16\n    volumes:\n    - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n"
    after = patch_text(tmp_path, run_patch, before)
    assert "    volumes:\n    - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n    - ./data:/dumps\n" in after


def test_shared_anchor_is_not_changed(tmp_path, run_patch):
    before = (
        "x-common: &common\n  restart: always\n  environment: &env\n    TZ: UTC\n  volumes:\n    - logs:/logs\n"
        "  healthcheck:\n    test: [CMD, /bin/true]\n\n"
        "services:\n  app:\n    <<: *common\n    image: nginx\n  db:\n    <<: *common\n    image: postgres:16\n"
        "volumes:\n  logs:\n"
    )
    after = patch_text(tmp_path, run_patch, before)
    assert after.startswith(before.split("services:")[0])
    only_service_changed(before, after, "db")
    data = YAML(typ="safe", pure=True).load(after)
    db = setup_of(after, "db")
    assert db["environment"]["TZ"] == "UTC" and "logs:/logs" in db["volumes"]
    assert data["services"]["app"]["environment"] == {"TZ": "UTC"}
    assert data["services"]["app"]["volumes"] == ["logs:/logs"]


def test_environment_merged_into_the_service_map_gets_own_keys(tmp_path, run_patch):
    before = ("x-db-env: &db_env\n  POSTGRES_PASSWORD: x\nservices:\n  web:\n    image: nginx\n    environment:\n"
              "      <<: *db_env\n  db:\n    image: postgres:16\n    environment:\n      <<: *db_env\n")
    after = patch_text(tmp_path, run_patch, before)
    assert "      <<: *db_env\n      PGDATA: /pgdata\n" in after
    data = YAML(typ="safe", pure=True).load(after)
    assert data["services"]["web"]["environment"] == {"POSTGRES_PASSWORD": "x"}
    assert setup_of(after, "db")["environment"]["POSTGRES_PASSWORD"] == "x"


def test_variable_image_default_is_found(tmp_path, run_patch):
    before = "services:\n  db:\n    image: ${PG_IMAGE:-postgres:16}\n"
    setup_of(patch_text(tmp_path, run_patch, before), "db")


def test_values_keep_their_quoting_and_comments_inside_the_service(tmp_path, run_patch):
    before = ("services:\n  db:\n    image: 'postgres:16'  # pinned\n    # the password\n"
              "    environment:\n      POSTGRES_PASSWORD: \"x\"\n    restart: 'always'\n")
    after = patch_text(tmp_path, run_patch, before)
    for line in before.splitlines()[1:]:
        assert line in after.splitlines()


def test_file_mode_is_kept(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(BASIC)
    compose.chmod(0o640)
    assert run_patch(compose, "--fresh").exit_code == 0
    assert compose.stat().st_mode & 0o777 == 0o640


def test_byte_order_mark_stays(tmp_path, run_patch):
    before = "\ufeffservices:\n  db:\n    image: postgres:16\n"
    after = patch_text(tmp_path, run_patch, before)
    assert after.startswith("\ufeffservices:\n  db:\n    image: postgres:16\n")
    setup_of(after.lstrip("\ufeff"), "db")


def test_symlinked_compose_file_stays_a_link(tmp_path, run_patch):
    real = tmp_path / "real.yaml"
    real.write_text("services:\n  db:\n    image: postgres:16\n")
    link = tmp_path / "compose.yaml"
    link.symlink_to(real)
    assert run_patch(link).exit_code == 0
    assert link.is_symlink() and "PGDATA: /pgdata" in real.read_text()
