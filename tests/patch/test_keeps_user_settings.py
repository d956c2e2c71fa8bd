"""What the user had and still works is kept; what the setup replaces is replaced."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from composegen import stack

SEED = Path(__file__).resolve().parents[1] / "e2e" / "seed" / "compose.yaml"


def patched_service(tmp_path, run_patch, text: str, name: str = "db", *args: str) -> tuple[dict, object]:
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    result = run_patch(compose, *args)
    assert result.exit_code == 0, result.output
    return YAML(typ="safe", pure=True).load(compose.read_text())["services"][name], result


def test_seed_dump_healthcheck_and_init_folder_mount_are_replaced(tmp_path, run_patch):
    service, result = patched_service(tmp_path, run_patch, SEED.read_text(), "postgres")
    assert service["healthcheck"]["test"] == stack.HEALTHCHECK_TEST
    assert "./data:/docker-entrypoint-initdb.d" not in service["volumes"]
    assert service["volumes"].count(stack.VOLUME_UTILS) == 1
    assert service["entrypoint"].split() == stack.ENTRYPOINT  # the seed's string form, same words: kept
    assert service["command"] == ["postgres"]
    assert service["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"


def test_readiness_healthcheck_keeps_its_timings_and_checks_the_setup_too(tmp_path, run_patch):
    # pg_isready answers "ready" over the socket while a restore is still loading: /utils/healthcheck
    # checks readiness, no restore running and the last dump; the user's timings stay.
    text = ("services:\n  db:\n    image: postgres:16\n    healthcheck:\n"
            "      test: [\"CMD-SHELL\", \"pg_isready -U $${POSTGRES_USER}\"]  # ready?\n      interval: 5s\n"
            "      retries: 30\n      start_period: 1h\n")
    service, result = patched_service(tmp_path, run_patch, text)
    assert service["healthcheck"] == {"test": stack.HEALTHCHECK_TEST, "interval": "5s", "retries": 30,
                                      "start_period": "1h"}
    assert "      interval: 5s\n      retries: 30\n      start_period: 1h\n" in (tmp_path / "compose.yaml").read_text()
    assert "your interval, timeout and retries are kept" in result.stderr


def test_short_start_period_is_raised_for_the_restore(tmp_path, run_patch):
    text = ("services:\n  db:\n    image: postgres:16\n    healthcheck:\n"
            "      test: pg_isready\n      start_period: 30s\n      timeout: 3s\n")
    service, _ = patched_service(tmp_path, run_patch, text)
    assert service["healthcheck"] == {"test": stack.HEALTHCHECK_TEST, "start_period": "10m", "timeout": "3s"}


def test_disabled_healthcheck_is_replaced(tmp_path, run_patch):
    text = "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      disable: true\n"
    service, _ = patched_service(tmp_path, run_patch, text)
    assert service["healthcheck"]["test"] == stack.HEALTHCHECK_TEST


def test_longer_grace_period_is_kept_and_shorter_one_raised(tmp_path, run_patch):
    service, result = patched_service(tmp_path, run_patch, "services:\n  db:\n    image: postgres:16\n    stop_grace_period: 1h\n")
    assert service["stop_grace_period"] == "1h" and "kept the longer stop_grace_period 1h" in result.stderr
    service, _ = patched_service(tmp_path, run_patch, "services:\n  db:\n    image: postgres:16\n    stop_grace_period: 1m\n")
    assert service["stop_grace_period"] == stack.STOP_GRACE_PERIOD


# One threshold with lint's CG007 (tests/lint/test_lint_rules.py, the same values): the setup's 5m.
@pytest.mark.parametrize("value, kept", [("1m", False), ("120s", False), ("4m59s", False), ("5m", True),
                                         ("300s", True), ("2h", True)])
def test_grace_period_threshold_is_the_setups(tmp_path, run_patch, value, kept):
    service, _ = patched_service(tmp_path, run_patch, f"services:\n  db:\n    image: postgres:16\n    stop_grace_period: {value}\n")
    assert service["stop_grace_period"] == (value if kept else "5m")


def test_secrets_env_file_and_restart_are_kept(tmp_path, run_patch):
    text = ("services:\n  db:\n    image: postgres:16\n    restart: always\n    env_file: db.env\n"
            "    secrets: [db_password]\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
            "secrets:\n  db_password:\n    file: ./pw.txt\n")
    service, _ = patched_service(tmp_path, run_patch, text)
    assert service["restart"] == "always" and service["env_file"] == "db.env"
    assert service["secrets"] == ["db_password"]
    assert service["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"


def test_existing_command_is_kept(tmp_path, run_patch):
    text = "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=300\n"
    service, _ = patched_service(tmp_path, run_patch, text)
    assert service["command"] == "postgres -c max_connections=300"


def test_runtime_options_reach_the_environment(tmp_path, run_patch):
    service, _ = patched_service(tmp_path, run_patch, "services:\n  db:\n    image: postgres:16\n", "db",
                                 "--schedule", "30m", "--keep", "5", "--compression", "gzip")
    env = service["environment"]
    assert (env["COMPOSEGEN_SCHEDULE"], env["COMPOSEGEN_KEEP"], env["COMPOSEGEN_COMPRESSION"]) == ("30m", "5", "gzip")


def test_other_services_mounting_postgres_paths_are_not_touched(tmp_path, run_patch):
    text = ("services:\n  db:\n    image: postgres:16\n  exporter:\n    image: prometheuscommunity/postgres-exporter\n"
            "    volumes:\n      - pg:/var/lib/postgresql/data\nvolumes:\n  pg:\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text(text)
    assert run_patch(compose).exit_code == 0
    assert compose.read_text().endswith("  exporter:\n    image: prometheuscommunity/postgres-exporter\n"
                                        "    volumes:\n      - pg:/var/lib/postgresql/data\nvolumes:\n  pg:\n")


def test_a_rerun_keeps_the_options_chosen_before(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres:16\n")
    assert run_patch(compose, "--schedule", "30m", "--keep", "7").exit_code == 0
    patched = compose.read_text()
    again = run_patch(compose)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert compose.read_text() == patched
    assert run_patch(compose, "--keep", "2").exit_code == 0
    env = YAML(typ="safe", pure=True).load(compose.read_text())["services"]["db"]["environment"]
    assert (env["COMPOSEGEN_SCHEDULE"], env["COMPOSEGEN_KEEP"]) == ("30m", "2")


def test_stop_signal_sigint_is_kept_and_sigkill_replaced(tmp_path, run_patch):
    service, result = patched_service(tmp_path, run_patch, "services:\n  db:\n    image: postgres:16\n    stop_signal: SIGINT\n")
    assert service["stop_signal"] == "SIGINT" and "kept stop_signal: SIGINT" in result.stderr
    service, _ = patched_service(tmp_path, run_patch, "services:\n  db:\n    image: postgres:16\n    stop_signal: SIGKILL\n")
    assert service["stop_signal"] == stack.STOP_SIGNAL
