"""Postgres services found the way Compose sees them, by patch, lint, status and down alike:
the image from .env or --env-file, override files, `extends:` from another file, `include:`, and
composegen's own setup whatever the image is called."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from composegen.cli import cli
from composegen.compose.document import load
from composegen.down import guarded_services
from composegen.status import collect

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "compose"

# zabbix's official file: the whole image from .env
ZABBIX = """\
services:
  postgres-server:
    image: "${POSTGRESQL_IMAGE}:${POSTGRESQL_IMAGE_TAG}"
    environment:
      POSTGRES_PASSWORD: zabbix
  zabbix-server:
    image: zabbix/zabbix-server-pgsql:alpine-7.0-latest
"""


@pytest.fixture(autouse=True)
def no_engine(monkeypatch):
    from composegen.patch import docker

    monkeypatch.setattr(docker, "service_containers", lambda folder, service: [])


def run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def names(path: Path, **kwargs) -> list[str]:
    return [found.name for found in load(path, **kwargs).postgres_services()]


def lint_json(*args) -> list[dict]:
    result = run("lint", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


def test_image_from_dotenv_is_seen_by_patch_lint_and_status(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text(ZABBIX)
    assert names(compose) == []  # without .env Compose would not know the image either
    assert "no Postgres service found" in run("patch", compose).output
    (tmp_path / ".env").write_text("POSTGRESQL_IMAGE=postgres\nPOSTGRESQL_IMAGE_TAG=16-alpine\n")
    assert names(compose) == ["postgres-server"]
    assert [f["rule"] for f in lint_json(compose) if f["rule"] == "CG001"] == ["CG001"]
    [status] = collect([tmp_path])
    assert status.service == "postgres-server" and "no dump setup" in status.problems[0]
    result = run("patch", compose)
    assert result.exit_code == 0 and "patched service 'postgres-server'" in result.stdout
    assert '"${POSTGRESQL_IMAGE}:${POSTGRESQL_IMAGE_TAG}"' in compose.read_text()  # the file keeps its variables


def test_env_file_option(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text(ZABBIX)
    other = tmp_path / "prod.env"
    other.write_text("export POSTGRESQL_IMAGE='postgres'\nPOSTGRESQL_IMAGE_TAG=17 # pinned\n")
    assert names(compose, env_files=[other]) == ["postgres-server"]
    assert [f["rule"] for f in lint_json("--env-file", other, compose)].count("CG001") == 1
    assert collect([tmp_path], env_files=[other])[0].service == "postgres-server"
    result = run("patch", "--env-file", other, compose)
    assert result.exit_code == 0, result.output
    missing = run("patch", "--env-file", tmp_path / "nope.env", compose)
    assert missing.exit_code == 2 and "nope.env" in missing.output


def test_override_file_changes_the_image(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: mariadb:11\n")
    assert names(compose) == []
    (tmp_path / "compose.override.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    assert names(compose) == ["db"]
    result = run("patch", compose)
    assert result.exit_code == 0, result.output
    assert "/utils/entrypoint" in compose.read_text()  # the edit goes to the user's own file
    assert (tmp_path / "compose.override.yaml").read_text() == "services:\n  db:\n    image: postgres:16\n"


def test_override_file_adds_a_service(tmp_path):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  app:\n    image: nginx\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    entrypoint: [/utils/entrypoint]\n    volumes: [./data:/dumps]\n")
    [status] = collect([tmp_path])
    assert status.service == "db" and status.data_dir == tmp_path / "data"
    result = run("patch", compose, "--service", "db")
    assert result.exit_code == 2 and "compose.override.yaml" in result.output


def test_extends_from_another_file(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "db.yaml").write_text("services:\n  pg:\n    image: postgres:16-alpine\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    extends:\n      file: common/db.yaml\n      service: pg\n"
                       "    environment:\n      POSTGRES_PASSWORD: x\n")
    assert names(compose) == ["db"]
    result = run("patch", compose)
    assert result.exit_code == 0, result.output
    service = YAML(typ="safe").load(compose.read_text())["services"]["db"]
    assert service["entrypoint"] == ["/utils/entrypoint"] and "extends" in service


def test_include(tmp_path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "compose.yaml").write_text(
        "services:\n  pg:\n    image: ${PG:-postgres}:17\n    entrypoint: [/utils/entrypoint]\n"
        "    volumes: [./data:/dumps]\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text("include:\n  - db/compose.yaml\nservices:\n  app:\n    image: nginx\n")
    [status] = collect([tmp_path / "compose.yaml"])
    assert status.service == "pg" and status.data_dir == tmp_path / "db" / "data"
    assert [g.service for g in guarded_services(compose)] == ["pg"]
    assert names(compose) == []  # lint reads the included file on its own


LOCALLY_BUILT_CONFIG = {  # `docker image inspect`'s .Config of an image built FROM postgres:17
    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "PG_MAJOR=17", "PGDATA=/var/lib/postgresql/data"],
    "Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["postgres"],
}


def test_a_stack_init_wrote_with_any_image_name_is_seen_by_status_down_and_lint(tmp_path, monkeypatch):
    from composegen import image_config

    # A locally built image under a name composegen does not know: its own config says it keeps the contract.
    monkeypatch.setattr(image_config, "inspect_config",
                        lambda image: LOCALLY_BUILT_CONFIG if image == "registry.local/pg:17" else None)
    folder = tmp_path / "miniflux"
    result = run("init", "miniflux", "--dir", folder, "--postgres-image", "registry.local/pg:17")
    assert result.exit_code == 0, result.output
    compose = folder / "compose.yaml"
    assert 'image: "registry.local/pg:17"' in compose.read_text()
    assert len(names(compose)) == 1
    [status] = collect([folder])
    assert "no dump yet" in " ".join(status.problems)
    assert len(guarded_services(compose)) == 1
    assert not [f for f in lint_json(folder) if f["rule"] == "CG001"]


def test_init_refuses_an_unknown_image_name_it_cannot_inspect(tmp_path, monkeypatch):
    from composegen import image_config

    monkeypatch.setattr(image_config, "inspect_config", lambda image: None)  # not present here
    folder = tmp_path / "miniflux"
    result = run("init", "miniflux", "--dir", folder, "--postgres-image", "registry.local/pg:17")
    assert result.exit_code == 2
    assert "registry.local/pg:17" in result.output and "pull it" in result.output
    assert not folder.exists()


@pytest.mark.skipif(not (CORPUS / "immich--docker-docker-compose.yaml").exists(), reason="no corpus")
def test_immich_data_location_from_dotenv(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    shutil.copyfile(CORPUS / "immich--docker-docker-compose.yaml", compose)
    (tmp_path / ".env").write_text("UPLOAD_LOCATION=./library\nDB_DATA_LOCATION=./postgres\nDB_PASSWORD=postgres\n"
                                   "DB_USERNAME=postgres\nDB_DATABASE_NAME=immich\n")
    [found] = load(compose).postgres_services()
    assert found.data_mount.source == "./postgres"
    (tmp_path / "postgres").mkdir()
    result = run("patch", compose)
    assert result.exit_code == 2 and "'./postgres'" in result.output and "DB_DATA_LOCATION" not in result.output
