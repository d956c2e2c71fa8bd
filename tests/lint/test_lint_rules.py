"""Each rule: a file that triggers it, one that does not, and the fix its message and explanation give."""

from __future__ import annotations

import pytest

from composegen.lint.rules import ALL_RULES, rule_by_key
from lint_helpers import GOOD_COMPOSE, git_init, lint, rule_ids, write_stack


def findings_of(result, rule_id):
    return [f for f in result.findings if f.rule_id == rule_id]


def test_the_complete_setup_has_no_finding(tmp_path):
    result = lint(write_stack(tmp_path))
    assert result.findings == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_every_rule_is_documented(rule):
    assert rule.id.startswith("CG") and rule.name == rule.name.lower()
    assert len(rule.explanation) > 150 and "Fix" in rule.explanation
    assert rule_by_key(rule.id) is rule_by_key(rule.name) is rule


def test_rule_ids_and_names_are_unique():
    assert len({r.id for r in ALL_RULES}) == len({r.name for r in ALL_RULES}) == len(ALL_RULES)


class TestInvalidYaml:
    def test_reports_the_parser_position(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:17\n   bad: [\n", utils=False)
        [finding] = lint(path).findings
        assert (finding.rule_id, finding.line) == ("CG000", 4)
        assert "not valid YAML" in finding.message

    def test_duplicate_key_is_a_finding_not_a_crash(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:17\n    image: postgres:16\n", utils=False)
        [finding] = lint(path).findings
        assert finding.rule_id == "CG000" and finding.line == 4

    def test_top_level_list(self, tmp_path):
        path = write_stack(tmp_path, "- a\n- b\n", utils=False)
        assert rule_ids(lint(path)) == ["CG000"]

    def test_not_utf8(self, tmp_path):
        path = tmp_path / "compose.yaml"
        path.write_bytes(b"services:\n  x: \xff\n")
        [finding] = lint(path).findings
        assert finding.rule_id == "CG000" and finding.line == 2

    def test_valid_yaml_passes(self, tmp_path):
        assert "CG000" not in rule_ids(lint(write_stack(tmp_path)))


class TestMissingSetup:
    def test_plain_postgres(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:16\n    restart: always\n", utils=False)
        [finding] = findings_of(lint(path), "CG001")
        assert (finding.line, finding.column) == (2, 3)
        assert "no dump/restore setup" in finding.message
        assert f"composegen patch {path}" in finding.message

    def test_incomplete_setup_names_what_is_missing(self, tmp_path):
        path = write_stack(tmp_path, GOOD_COMPOSE.replace("      - ./data:/dumps\n", ""))
        [finding] = findings_of(lint(path), "CG001")
        assert "missing: volume ./data:/dumps" in finding.message

    def test_other_contract_images_are_not_missing_the_setup(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: bitnami/postgresql:16\n    restart: always\n",
                           utils=False)
        assert rule_ids(lint(path)) == ["CG012"]

    def test_complete_setup_passes(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG001") == []


class TestHealthcheckRunsDump:
    SEED = GOOD_COMPOSE.replace('test: ["CMD", "/utils/healthcheck"]', "test: [CMD, /utils/dump]")

    def test_seed_healthcheck(self, tmp_path):
        [finding] = findings_of(lint(write_stack(tmp_path, self.SEED)), "CG002")
        assert finding.line == GOOD_COMPOSE.splitlines().index('    healthcheck:') + 2
        assert "composegen patch" in finding.message

    def test_pg_dump_in_a_shell_healthcheck(self, tmp_path):
        text = GOOD_COMPOSE.replace('test: ["CMD", "/utils/healthcheck"]',
                                    'test: ["CMD-SHELL", "pg_dump -U app app | gzip > /backup/x.gz"]')
        assert findings_of(lint(write_stack(tmp_path, text)), "CG002")

    def test_pg_isready_passes(self, tmp_path):
        text = GOOD_COMPOSE.replace('test: ["CMD", "/utils/healthcheck"]', 'test: ["CMD", "pg_isready"]')
        assert findings_of(lint(write_stack(tmp_path, text)), "CG002") == []


class TestUtilsDrift:
    def test_edited_script(self, tmp_path):
        path = write_stack(tmp_path)
        (tmp_path / "utils" / "dump").write_text("#!/bin/sh\npg_dump > /dumps/x\n")
        [finding] = findings_of(lint(path), "CG003")
        assert "dump" in finding.message and "drift" in finding.message
        assert f"composegen patch {path}" in finding.message
        assert finding.line == GOOD_COMPOSE.splitlines().index("      - ./utils:/utils:ro") + 1

    def test_missing_script(self, tmp_path):
        path = write_stack(tmp_path)
        (tmp_path / "utils" / "healthcheck").unlink()
        [finding] = findings_of(lint(path), "CG003")
        assert "lacks healthcheck" in finding.message

    def test_no_utils_without_the_setup_is_not_drift(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:16\n", utils=False)
        assert findings_of(lint(path), "CG003") == []

    def test_rendered_scripts_pass(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG003") == []


class TestUtilsNotExecutable:
    def test_mode_0644(self, tmp_path):
        path = write_stack(tmp_path)
        (tmp_path / "utils" / "entrypoint").chmod(0o644)
        [finding] = findings_of(lint(path), "CG004")
        assert "utils/entrypoint is not executable (mode 0644)" in finding.message
        assert "chmod 0755" in finding.message

    def test_sourced_lib_needs_no_execute_bit(self, tmp_path):
        path = write_stack(tmp_path)
        (tmp_path / "utils" / "lib.sh").chmod(0o644)
        assert findings_of(lint(path), "CG004") == []


class TestPgdataMount:
    def test_named_volume_at_old_pgdata(self, tmp_path):
        text = GOOD_COMPOSE.replace("      - ./data:/dumps\n", "      - ./data:/dumps\n      - pgdata:/var/lib/postgresql/data\n")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG005")
        assert finding.line == text.splitlines().index("      - pgdata:/var/lib/postgresql/data") + 1
        assert "remove this mount" in finding.message

    def test_bind_mount_at_pgdata(self, tmp_path):
        text = GOOD_COMPOSE.replace("      - ./data:/dumps\n", "      - ./data:/dumps\n      - ./pg:/pgdata\n")
        assert findings_of(lint(write_stack(tmp_path, text)), "CG005")

    def test_without_the_setup_the_volume_is_missing_setups_business(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:16\n    volumes:\n      - pg:/var/lib/postgresql/data\n", utils=False)
        assert findings_of(lint(path), "CG005") == []

    def test_setup_alone_passes(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG005") == []


class TestStopSignalKill:
    def test_sigkill(self, tmp_path):
        text = GOOD_COMPOSE.replace("stop_signal: SIGTERM", "stop_signal: SIGKILL")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG006")
        assert "stop_signal: SIGTERM" in finding.message

    def test_sigterm_passes(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG006") == []


class TestShortStopGracePeriod:
    # The setup gives the stop-time dump 5m; patch raises anything shorter (tests/patch), lint reports it.
    @pytest.mark.parametrize("value", ["10s", "59s", "30s500ms", "0", "1m", "120s", "4m59s"])
    def test_short(self, tmp_path, value):
        text = GOOD_COMPOSE.replace("stop_grace_period: 5m", f"stop_grace_period: {value}")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG007")
        assert "stop_grace_period: 5m" in finding.message

    def test_missing_with_the_setup_means_compose_default_10s(self, tmp_path):
        text = GOOD_COMPOSE.replace("    stop_grace_period: 5m\n", "")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG007")
        assert "10s" in finding.message

    @pytest.mark.parametrize("value", ["5m", "300s", "4m60s", "1h", "${GRACE:-10s}"])
    def test_long_enough_or_unknown_passes(self, tmp_path, value):
        text = GOOD_COMPOSE.replace("stop_grace_period: 5m", f"stop_grace_period: {value}")
        assert findings_of(lint(write_stack(tmp_path, text)), "CG007") == []


class TestUnpinnedImage:
    @pytest.mark.parametrize("image", ["postgres", "postgres:latest", "docker.io/library/postgres:alpine",
                                       "${PG_IMAGE:-postgres}"])
    def test_unpinned(self, tmp_path, image):
        text = GOOD_COMPOSE.replace("image: postgres:17-alpine", f"image: {image}")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG008")
        assert finding.severity.name == "warning" and "pin a tag" in finding.message

    @pytest.mark.parametrize("image", ["postgres:16", "postgres:17.3-bookworm", "postgres@sha256:" + "a" * 64,
                                       "${PG_IMAGE:-postgres:16}"])
    def test_pinned(self, tmp_path, image):
        text = GOOD_COMPOSE.replace("image: postgres:17-alpine", f"image: {image}")
        assert findings_of(lint(write_stack(tmp_path, text)), "CG008") == []


class TestLiteralPassword:
    def test_postgres_password(self, tmp_path):
        text = GOOD_COMPOSE.replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}", "hunter2")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG009")
        assert finding.line == text.splitlines().index("      POSTGRES_PASSWORD: hunter2") + 1
        assert "${POSTGRES_PASSWORD}" in finding.message and "_FILE" in finding.message

    def test_list_syntax_and_other_names(self, tmp_path):
        text = "services:\n  app:\n    image: x/y:1\n    environment:\n      - DB_PASSWORD=secret\n      - SMTP_PASSWORD\n"
        [finding] = findings_of(lint(write_stack(tmp_path, text, utils=False)), "CG009")
        assert "DB_PASSWORD" in finding.message and finding.line == 5

    def test_database_url_with_literal_credentials(self, tmp_path):
        text = GOOD_COMPOSE.replace("postgres://app:${POSTGRES_PASSWORD}@", "postgres://app:s3cret@")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG009")
        assert "DATABASE_URL" in finding.message

    @pytest.mark.parametrize("entry", [
        "POSTGRES_PASSWORD: ${PW}", "POSTGRES_PASSWORD: $PW", "POSTGRES_PASSWORD_FILE: /run/secrets/pw",
        "ALLOW_EMPTY_PASSWORD: 'yes'", "POSTGRES_PASSWORD:", "DATABASE_URL: postgres://app@db/app",
    ])
    def test_not_literal(self, tmp_path, entry):
        text = f"services:\n  app:\n    image: x/y:1\n    environment:\n      {entry}\n"
        assert findings_of(lint(write_stack(tmp_path, text, utils=False)), "CG009") == []

    def test_escaped_dollar_is_literal(self, tmp_path):
        text = "services:\n  app:\n    image: x/y:1\n    environment:\n      POSTGRES_PASSWORD: pa$$word\n"
        assert findings_of(lint(write_stack(tmp_path, text, utils=False)), "CG009")


class TestNotGitIgnored:
    def test_data_and_env_not_ignored(self, tmp_path):
        git_init(tmp_path)
        path = write_stack(tmp_path / "app")
        (tmp_path / "app" / ".env").write_text("POSTGRES_PASSWORD=x\n")
        found = findings_of(lint(path), "CG010")
        assert len(found) == 2
        assert "data/" in found[0].message or "data/" in found[1].message
        assert any("add `.env`" in f.message for f in found)

    def test_ignored_passes(self, tmp_path):
        git_init(tmp_path)
        path = write_stack(tmp_path / "app")
        (tmp_path / "app" / ".env").write_text("POSTGRES_PASSWORD=x\n")
        (tmp_path / "app" / ".gitignore").write_text("data/\n.env\n")
        assert findings_of(lint(path), "CG010") == []

    def test_data_folder_from_the_dumps_mount_not_created_yet(self, tmp_path):
        git_init(tmp_path)
        path = write_stack(tmp_path / "app", GOOD_COMPOSE.replace("./data:/dumps", "./backups/pg:/dumps"))
        (tmp_path / "app" / ".gitignore").write_text("pg/\n")
        assert findings_of(lint(path), "CG010") == []
        (tmp_path / "app" / ".gitignore").write_text("data/\n")
        [finding] = findings_of(lint(path), "CG010")
        assert "backups/pg/ holds the database dumps" in finding.message

    def test_outside_git_is_not_checked(self, tmp_path):
        path = write_stack(tmp_path / "app")
        assert findings_of(lint(path), "CG010") == []


class TestNoRestartPolicy:
    @pytest.mark.parametrize("line", ["    restart: unless-stopped\n"])
    def test_missing(self, tmp_path, line):
        text = GOOD_COMPOSE.replace("    restart: unless-stopped\n    entrypoint", "    entrypoint")
        [finding] = findings_of(lint(write_stack(tmp_path, text)), "CG011")
        assert "restart: unless-stopped" in finding.message

    @pytest.mark.parametrize("value", ["no", '"no"', "false"])
    def test_no(self, tmp_path, value):
        text = GOOD_COMPOSE.replace("    restart: unless-stopped\n    entrypoint", f"    restart: {value}\n    entrypoint")
        assert findings_of(lint(write_stack(tmp_path, text)), "CG011")

    def test_set_passes(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG011") == []


class TestOtherContractImage:
    def test_bitnami(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  db:\n    image: bitnami/postgresql:16\n    restart: always\n",
                           utils=False)
        [finding] = findings_of(lint(path), "CG012")
        assert "bitnami" in finding.message and "does not apply" in finding.message

    def test_official_image_passes(self, tmp_path):
        assert findings_of(lint(write_stack(tmp_path)), "CG012") == []

    def test_exporter_is_not_postgres(self, tmp_path):
        path = write_stack(tmp_path, "services:\n  x:\n    image: prometheuscommunity/postgres-exporter:v0.15.0\n",
                           utils=False)
        assert lint(path).findings == []


def test_a_postgres_image_run_as_a_shell_job_is_not_a_postgres_service(tmp_path):
    text = GOOD_COMPOSE + '  migrate:\n    image: postgres:17-alpine\n    entrypoint: ["sh", "-c", "psql -c \'select 1\'"]\n'
    assert lint(write_stack(tmp_path, text)).findings == []
    wrapper = GOOD_COMPOSE + '  other:\n    image: postgres:17-alpine\n    entrypoint: ["/wrap.sh"]\n    restart: always\n'
    assert rule_ids(lint(write_stack(tmp_path, wrapper))) == ["CG001"]
