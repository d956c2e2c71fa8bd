"""composegen.compose.detect: which services are Postgres, of which kind, and where their data is mounted."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from composegen.compose.detect import (
    COMPATIBLE, OFFICIAL, OTHER_CONTRACT, classify, find_postgres_services, interpolate_defaults, parse_image,
)

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "compose"


def load(text: str):
    return YAML(typ="rt").load(text)


@pytest.mark.parametrize("image", [
    "postgres", "postgres:16", "postgres:16-alpine", "docker.io/postgres:16", "docker.io/library/postgres:15-alpine",
    "index.docker.io/library/postgres:17", "mirror.example:5000/library/postgres:17",
    "postgres:17.3@sha256:0321e2252ebfeecb8bc1a899755084d29bce872953e1a5a3e25ec0860b739098",
    "postgres@sha256:0321e2252ebfeecb8bc1a899755084d29bce872953e1a5a3e25ec0860b739098",
])
def test_official_by_any_registry_tag_or_digest(image):
    assert classify(parse_image(image))[0] == OFFICIAL


@pytest.mark.parametrize("image", [
    "postgis/postgis:16-3.4", "pgvector/pgvector:pg18", "timescale/timescaledb:2.8.1-pg14",
    "ghcr.io/immich-app/postgres:14-vectorchord0.4.3", "pgautoupgrade/pgautoupgrade:18-alpine",
])
def test_compatible_images(image):
    assert classify(parse_image(image))[0] == COMPATIBLE


@pytest.mark.parametrize("image", [
    "bitnami/postgresql:16", "docker.io/bitnami/postgresql:latest",
    "index.docker.io/sourcegraph/postgresql-16:6.1.2889@sha256:8cb7b0f54c7ab464f8e3b26918a70bebcb060219dd0b91084209563238ec1dd5",
    "sourcegraph/postgresql-16-codeinsights:6.1",
])
def test_other_contract_images_have_a_reason(image):
    kind, reason = classify(parse_image(image))
    assert kind == OTHER_CONTRACT and reason


@pytest.mark.parametrize("image", [
    "prometheuscommunity/postgres-exporter", "index.docker.io/sourcegraph/postgres_exporter:6.1",
    "dpage/pgadmin4", "bitnami/pgbouncer", "edoburu/pgbouncer", "postgrest/postgrest", "redis:7",
])
def test_helpers_are_not_postgres(image):
    assert classify(parse_image(image)) is None


def test_major_from_tag():
    assert parse_image("postgres:16-alpine").major == 16
    assert parse_image("pgvector/pgvector:pg18").major == 18
    assert parse_image("timescale/timescaledb:2.8.1-pg14").major == 14
    assert parse_image("postgres:latest").major is None


def test_interpolate_defaults():
    assert interpolate_defaults("postgres:${V:-16}") == "postgres:16"
    assert interpolate_defaults("${IMG-postgres:16-alpine}") == "postgres:16-alpine"
    assert interpolate_defaults("${IMG}") is None
    assert interpolate_defaults("$IMG") is None
    assert interpolate_defaults("${IMG:?required}") is None
    assert interpolate_defaults("a$$b") == "a$b"


def test_image_from_merged_anchor_and_variable_default():
    doc = load(
        "x-db: &db\n  image: ${PG_IMAGE:-postgres:16}\n  volumes:\n    - pg:/var/lib/postgresql/data\n"
        "services:\n  app:\n    image: nginx\n  db:\n    <<: *db\n    restart: always\n"
    )
    [service] = find_postgres_services(doc)
    assert (service.name, service.image, service.kind) == ("db", "postgres:16", OFFICIAL)
    assert service.line == 8 and service.image_line == 2
    mount = service.data_mount
    assert (mount.kind, mount.source, mount.target, mount.line) == ("volume", "pg", "/var/lib/postgresql/data", 4)


def test_data_mounts_pgdata_subdirectory_parent_and_variable_source():
    doc = load(
        "services:\n  db:\n    image: postgres:15\n    environment:\n"
        "      PGDATA: ${PGDATA:-/var/lib/postgresql/data/pgdata}\n    volumes:\n"
        "      - ${HOST_DIR:-./volumes/db/data}:/var/lib/postgresql/data\n      - ./init.sql:/docker-entrypoint-initdb.d/x.sql\n"
    )
    [service] = find_postgres_services(doc)
    assert service.pgdata == "/var/lib/postgresql/data/pgdata"
    assert [(m.kind, m.source, m.target) for m in service.data_mounts] == [
        ("bind", "${HOST_DIR:-./volumes/db/data}", "/var/lib/postgresql/data")]


def test_long_syntax_anonymous_and_tmpfs_mounts():
    doc = load(
        "services:\n  db:\n    image: postgres:18\n    volumes:\n      - type: tmpfs\n        target: /var/lib/postgresql\n"
        "      - /var/lib/postgresql/data\n      - type: bind\n        source: ./pg\n        target: /var/lib/postgresql/\n"
    )
    [service] = find_postgres_services(doc)
    assert [(m.kind, m.source, m.target, m.line) for m in service.data_mounts] == [
        ("anonymous", None, "/var/lib/postgresql/data", 7), ("bind", "./pg", "/var/lib/postgresql", 8)]


def test_no_mount_when_pgdata_moved_elsewhere():
    doc = load("services:\n  db:\n    image: postgres:17\n    environment: [PGDATA=/pgdata]\n    tmpfs: [/var/lib/postgresql]\n")
    [service] = find_postgres_services(doc)
    assert service.pgdata == "/pgdata" and service.data_mounts == ()


def test_unknown_image_and_build_only_are_not_listed():
    doc = load("services:\n  a:\n    image: ${IMAGE}\n  b:\n    build: .\n  c:\n    image: 'postgres:alpine'\n")
    assert [s.name for s in find_postgres_services(doc)] == ["c"]


def test_accepts_an_object_holding_the_mapping():
    class Holder:
        data = load("services:\n  db:\n    image: postgres\n")

    assert [s.name for s in find_postgres_services(Holder())] == ["db"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_corpus_traps():
    sourcegraph = load((CORPUS / "sourcegraph--docker-compose-docker-compose.yaml").read_text())
    found = find_postgres_services(sourcegraph)
    assert [(s.name, s.kind) for s in found] == [
        ("pgsql", OTHER_CONTRACT), ("codeintel-db", OTHER_CONTRACT), ("codeinsights-db", OTHER_CONTRACT)]
    zammad = load((CORPUS / "zammad--docker-compose.yaml").read_text())
    assert [(s.name, s.image) for s in find_postgres_services(zammad)] == [("zammad-postgresql", "postgres:17.10-alpine")]
    bitnami = load((CORPUS / "bitnami--discourse-2026-debian-12-docker-compose.yaml").read_text())
    assert [(s.name, s.kind) for s in find_postgres_services(bitnami)] == [("postgresql", OTHER_CONTRACT)]


def test_client_only_services_are_not_postgres_servers():
    doc = load(
        "services:\n  db:\n    image: postgres:16\n  backup:\n    image: postgres:16\n"
        "    entrypoint: [\"sh\", \"-c\", \"pg_dump -h db app > /backup/app.sql\"]\n"
        "  wrapped:\n    image: postgres:16\n    entrypoint: [/usr/local/bin/start.sh]\n"
    )
    assert [s.name for s in find_postgres_services(doc)] == ["db", "wrapped"]


def test_variable_tag_without_default_still_names_the_repository():
    doc = load("services:\n  db:\n    image: postgres:${POSTGRES_IMAGE_TAG}\n  other:\n    image: ${REGISTRY}/postgres:16\n"
               "  third:\n    image: ${IMAGE}\n")
    [service] = find_postgres_services(doc)
    assert (service.name, service.image, service.kind) == ("db", "postgres:${POSTGRES_IMAGE_TAG}", OFFICIAL)
    assert service.image_ref.tag is None
    assert interpolate_defaults("postgres:${TAG}", unknown="?") == "postgres:?"
