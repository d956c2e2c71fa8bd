"""Rule 18: every Postgres service of a file gets the setup with a dumps folder of its own."""

from __future__ import annotations

from ruamel.yaml import YAML

from composegen import contract, stack
from composegen.cli import cli
from click.testing import CliRunner

TWO = """\
services:
  app:
    image: nginx
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: x
  auth-db:
    image: postgis/postgis:16-3.4
    environment:
      POSTGRES_PASSWORD: y
"""

FIVE = "services:\n" + "".join(
    f"  pg{i}:\n    image: postgres:1{i + 3}\n    environment:\n      POSTGRES_PASSWORD: p{i}\n" for i in range(5))


def volumes_of(compose, name):
    return [str(v) for v in YAML(typ="safe", pure=True).load(compose.read_text())["services"][name]["volumes"]]


def test_every_postgres_service_in_one_run_each_with_its_own_folder(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TWO)
    result = run_patch(compose)
    assert result.exit_code == 0, result.output
    assert "patched service 'db' (dumps in ./data/db)" in result.stdout
    assert "patched service 'auth-db' (dumps in ./data/auth-db)" in result.stdout
    assert "./data/db:/dumps" in volumes_of(compose, "db")
    assert "./data/auth-db:/dumps" in volumes_of(compose, "auth-db")
    assert (tmp_path / "data" / "db").is_dir() and (tmp_path / "data" / "auth-db").is_dir()
    assert (tmp_path / "data" / "db").stat().st_mode & 0o777 == stack.DATA_DIR_MODE
    again = run_patch(compose)
    assert again.exit_code == 0 and "nothing changed" in again.stdout


def test_five_services_in_one_run(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(FIVE)
    result = run_patch(compose)
    assert result.exit_code == 0, result.output
    folders = {f"./data/pg{i}:/dumps" for i in range(5)}
    got = {v for i in range(5) for v in volumes_of(compose, f"pg{i}") if v.endswith(":/dumps")}
    assert got == folders
    assert result.stdout.count("patched service") == 5


def test_service_narrows_and_gives_the_same_layout(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TWO)
    first = run_patch(compose, "--service", "auth-db")
    assert first.exit_code == 0, first.output
    assert "'db'" not in first.stdout
    assert "./data/auth-db:/dumps" in volumes_of(compose, "auth-db")
    assert "volumes" not in YAML(typ="safe", pure=True).load(compose.read_text())["services"]["db"]
    second = run_patch(compose, "--service", "db")
    assert second.exit_code == 0 and "./data/db:/dumps" in volumes_of(compose, "db")
    assert "./data/auth-db:/dumps" in volumes_of(compose, "auth-db")


def test_one_service_keeps_data(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres:16\n")
    assert run_patch(compose).exit_code == 0
    assert stack.VOLUME_DUMPS in volumes_of(compose, "db")


def test_a_stack_patched_onto_one_folder_is_repaired_without_losing_a_dump(tmp_path, run_patch):
    compose = tmp_path / "compose.yaml"
    compose.write_text(TWO)
    assert run_patch(compose).exit_code == 0
    # what the old composegen wrote with --service run once per service: both on ./data
    text = compose.read_text().replace("./data/db:/dumps", "./data:/dumps").replace("./data/auth-db:/dumps", "./data:/dumps")
    compose.write_text(text)
    dumps = [tmp_path / "data" / f"cluster-2026120{i}T000000Z.sql.zst" for i in range(1, 4)]
    for dump in dumps:
        dump.write_bytes(b"dump")
    (tmp_path / "data" / contract.RECORD_FILE).write_text("{}")
    result = run_patch(compose)
    assert result.exit_code == 0, result.output
    assert "./data/db:/dumps" in volumes_of(compose, "db") and "./data/auth-db:/dumps" in volumes_of(compose, "auth-db")
    assert all(dump.read_bytes() == b"dump" for dump in dumps), "a dump was removed"
    assert "shared its dumps folder ./data with 'auth-db'" in result.stderr
    assert "docker compose" in result.stderr and "stop db" in result.stderr and "./data/db/" in result.stderr


def test_patched_file_is_accepted_by_compose(tmp_path, run_patch):
    import subprocess
    from composegen.compose_binary import compose_command
    compose = tmp_path / "compose.yaml"
    compose.write_text(FIVE)
    assert run_patch(compose).exit_code == 0
    done = subprocess.run([*compose_command(), "-f", str(compose), "config", "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
