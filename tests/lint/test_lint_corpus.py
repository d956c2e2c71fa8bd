"""lint over the shared corpus of 28 real compose files: every Postgres service is reported, nothing crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from composegen.lint.config import LintConfig
from composegen.lint.engine import run

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "compose"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")


@pytest.fixture(scope="module")
def result():
    return run([CORPUS], LintConfig(), patterns=("*.yaml",))


def test_every_file_is_checked_and_none_is_invalid(result):
    assert len(result.files) == len(list(CORPUS.glob("*.yaml"))) == 28
    assert not [f for f in result.findings if f.rule_id == "CG000"]


# Each corpus file's Postgres services, read off the files by hand (SOURCES.md says what each holds):
# {file: [(service, line of its key, rule)]}. CG001 missing-setup for the official image or one keeping
# its contract, CG012 other-contract-image for bitnami's and sourcegraph's.
EXPECTED = {
    "authentik--docker-compose.yaml": [("postgresql", 4, "CG001")],
    "awesome-compose--gitea-postgres-compose.yaml": [("db", 15, "CG001")],
    "awesome-compose--nginx-golang-postgres-compose.yaml": [("db", 12, "CG001")],
    "bitnami--discourse-2026-debian-12-docker-compose.yaml": [("postgresql", 5, "CG012")],
    "dify--docker-docker-compose-middleware.yaml": [("db_postgres", 3, "CG001")],
    "formbricks--docker-docker-compose.yaml": [("postgres", 240, "CG001")],
    "ghostfolio--docker-docker-compose.yaml": [("postgres", 27, "CG001")],
    "healthchecks--docker-docker-compose.yaml": [("db", 5, "CG001")],
    "hedgedoc--docker-compose.yaml": [("database", 6, "CG001")],
    "immich--docker-docker-compose.yaml": [("database", 57, "CG001")],
    "invidious--docker-compose.yaml": [("invidious-db", 44, "CG001")],
    "keycloak--docker-compose-examples-keycloak-postgres-jdbc-ping.yaml": [("postgres", 8, "CG001")],
    "lemmy--docker-docker-compose.yaml": [("postgres", 83, "CG001")],
    "mastodon--docker-compose.yaml": [("db", 5, "CG001")],
    "maybe--compose-example.yaml": [("db", 77, "CG001")],
    "mealie--docker-docker-compose-dev.yaml": [("postgres", 12, "CG001")],
    "miniflux--contrib-docker-compose-basic.yaml": [("db", 21, "CG001")],
    "n8n--docker-compose-withPostgresAndWorker-docker-compose.yaml": [("postgres", 39, "CG001")],
    "netbox--docker-compose.yaml": [("postgres", 48, "CG001")],
    "nextcloud--examples-insecure-postgres-apache-compose.yaml": [("db", 5, "CG001")],
    "paperless-ngx--docker-compose-docker-compose-postgres-tika.yaml": [("db", 37, "CG001")],
    "peertube--support-docker-production-docker-compose.yaml": [("postgres", 59, "CG001")],
    "sourcegraph--docker-compose-docker-compose.yaml": [("pgsql", 528, "CG012"), ("codeintel-db", 575, "CG012"),
                                                        ("codeinsights-db", 622, "CG012")],
    "synapse--contrib-docker-docker-compose.yaml": [("db", 53, "CG001")],
    "tandoor--docs-install-docker-traefik-nginx-docker-compose.yaml": [("db_recipes", 2, "CG001")],
    "umbrel-apps--docmost-docker-compose.yaml": [("db", 25, "CG001")],
    "umbrel-apps--torq-docker-compose.yaml": [("db", 34, "CG001")],
    "zammad--docker-compose.yaml": [("zammad-postgresql", 163, "CG001")],
}


def test_every_postgres_service_is_reported(result):
    """Each Postgres service gets missing-setup or other-contract-image, at its own key's line, and no other
    service does."""
    reported = {(Path(f.path).name, f.line, f.rule_id, f.message.split("'")[1])
                for f in result.findings if f.rule_id in ("CG001", "CG012")}
    assert reported == {(name, line, rule, service) for name, services in EXPECTED.items()
                        for service, line, rule in services}
    assert sorted(EXPECTED) == sorted(path.name for path in CORPUS.glob("*.yaml"))


def test_sourcegraph_exporters_are_not_postgres(result):
    lines = {f.line for f in result.findings if "sourcegraph" in f.path and f.rule_id == "CG012"}
    assert len(lines) == 3
