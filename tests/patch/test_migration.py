"""A service whose data sits in a volume is refused unless --migrate (dump first) or --fresh.

The engine is replaced by fakes here; tests/e2e/test_patch_migrate.py runs the same on a real one.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess

import pytest

from composegen.patch import docker

TEXT = ("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: x\n"
        "    volumes:\n      - pgdata:/var/lib/postgresql/data\nvolumes:\n  pgdata:\n")
TRAILER = b"--\n-- PostgreSQL database cluster dump complete\n--\n\n"


@pytest.fixture
def compose(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text(TEXT)
    return path


def test_refused_by_default_with_the_commands(compose, run_patch):
    result = run_patch(compose)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("composegen: error: ") and "volume 'pgdata' at /var/lib/postgresql/data" in lines[0]
    assert f"docker compose -f {compose} up -d db" in result.stderr
    assert f"composegen patch {compose} --migrate --service db" in result.stderr
    assert "--fresh" in result.stderr
    assert compose.read_text() == TEXT and [p.name for p in compose.parent.iterdir()] == ["compose.yaml"]


def test_migrate_with_the_stack_not_running_is_refused(compose, run_patch, monkeypatch):
    monkeypatch.setattr(docker, "service_containers", lambda folder, service: [docker.Container("abc", False)])
    result = run_patch(compose, "--migrate")
    assert result.exit_code == 2 and "is not running" in result.stderr and "up -d db" in result.stderr
    assert compose.read_text() == TEXT and [p.name for p in compose.parent.iterdir()] == ["compose.yaml"]


def test_fresh_patches_without_a_dump_and_names_the_old_volume(compose, run_patch):
    result = run_patch(compose, "--fresh")
    assert result.exit_code == 0, result.output
    assert "pgdata:/var/lib/postgresql/data" not in compose.read_text()
    assert "old volume 'pgdata'" in result.stderr
    assert compose.read_text().endswith("volumes:\n  pgdata:\n")  # the declaration stays: the volume is left alone
    assert list((compose.parent / "data").iterdir()) == []


def test_a_container_without_a_mount_still_holds_data(tmp_path, run_patch, monkeypatch):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  db:\n    image: postgres:16\n")
    monkeypatch.setattr(docker, "service_containers", lambda folder, service: [docker.Container("abc", True)])
    result = run_patch(compose)
    assert result.exit_code == 2 and "anonymous volume of its container" in result.stderr


class FakeEngine:
    """docker exec as the runtime's image would answer it: a gzip'd pg_dumpall, verified in the container."""

    def __init__(self, dump: bytes, running: bool = True) -> None:
        self.dump = dump
        self.running = running
        self.scripts: list[str] = []

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(docker, "service_containers", lambda folder, service: [docker.Container("c0ffee", self.running)])
        monkeypatch.setattr(docker, "exec_to_file", self.exec_to_file)
        monkeypatch.setattr(docker, "exec_with_input", self.exec_with_input)
        monkeypatch.setattr(docker, "exec_output", lambda cid, script: "70\n70")
        monkeypatch.setattr(docker, "mount_names", lambda cid: {"/var/lib/postgresql/data": "proj_pgdata"})

    def exec_to_file(self, cid, script, out_path, timeout=0):
        self.scripts.append(script)
        out_path.write_bytes(gzip.compress(self.dump))
        return 0, ""

    def exec_with_input(self, cid, script, in_path, timeout=0, shell="sh"):
        # The check runs as in the container: its script, under `shell`, on the host's userland.
        self.scripts.append(script)
        with open(in_path, "rb") as data:
            done = subprocess.run([shell, "-c", script], stdin=data, capture_output=True, timeout=60)
        return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_migrate_dumps_verifies_then_patches(compose, run_patch, monkeypatch):
    engine = FakeEngine(b"CREATE ROLE app;\n" + TRAILER)
    engine.install(monkeypatch)
    monkeypatch.setattr("os.chown", lambda path, uid, gid: None)
    result = run_patch(compose, "--migrate", "--compression", "gzip")
    assert result.exit_code == 0, result.output
    [dump] = list((compose.parent / "data").glob("*.gz"))
    assert re.fullmatch(r"cluster-\d{8}T\d{6}Z\.sql\.gz", dump.name)
    assert dump.stat().st_mode & 0o777 == 0o600
    assert gzip.decompress(dump.read_bytes()).endswith(TRAILER)
    assert "pg_dumpall" in engine.scripts[0] and "gzip" in engine.scripts[0]
    assert "pgdata:/var/lib/postgresql/data" not in compose.read_text()
    assert "'proj_pgdata' is left in place" in result.stderr and "docker volume rm proj_pgdata" in result.stderr
    assert f"dumped the database into {dump}" in result.stdout


def test_migrate_writes_the_row_counts_beside_the_dump(compose, run_patch, monkeypatch):
    # verify compares a restore with these; the runtime writes the same file beside its own dumps.
    dump = (b"CREATE ROLE app;\n\\connect app\n"
            b"-- Data for Name: items; Type: TABLE DATA; Schema: public; Owner: app\n"
            b"COPY public.items (id) FROM stdin;\n1\n2\n3\n\\.\n\n"
            b"-- Data for Name: empty; Type: TABLE DATA; Schema: public; Owner: app\n"
            b"COPY public.empty (id) FROM stdin;\n\\.\n\n"
            b"\\connect -reuse-previous=on \"dbname='second db'\"\n"
            b"-- Data for Name: t; Type: TABLE DATA; Schema: My Schema; Owner: app\n"
            b'COPY "My Schema".t (v) FROM stdin;\na\nb\n\\.\n\n' + TRAILER)
    FakeEngine(dump).install(monkeypatch)
    monkeypatch.setattr("os.chown", lambda path, uid, gid: None)
    result = run_patch(compose, "--migrate", "--compression", "gzip")
    assert result.exit_code == 0, result.output
    [dump_file] = (compose.parent / "data").glob("cluster-*.sql.gz")
    counts = dump_file.with_name(dump_file.name + ".counts")
    assert counts.read_text() == ("# composegen row counts 1: rows, database, schema.table (tab-separated)\n"
                                  "3\tapp\tpublic.items\n0\tapp\tpublic.empty\n2\tsecond db\t\"My Schema\".t\n")
    assert counts.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (compose.parent / "data").iterdir()) == [dump_file.name, counts.name]


def _run_dump_script(script: str, tmp_path, env: dict) -> subprocess.CompletedProcess:
    """The migration's dump script under the host's sh, with a pg_dumpall that prints how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "pg_dumpall"
    fake.write_text('#!/bin/sh\necho "args=$* password=${PGPASSWORD:-}"\n')
    fake.chmod(0o755)
    return subprocess.run(["sh", "-c", script], capture_output=True, env={"PATH": f"{bin_dir}:{os.environ['PATH']}", **env})


def test_migrate_reads_the_file_credentials(compose, run_patch, monkeypatch, tmp_path):
    # A service with POSTGRES_USER_FILE / POSTGRES_PASSWORD_FILE only: the dump connects as that user.
    engine = FakeEngine(b"CREATE ROLE app;\n" + TRAILER)
    engine.install(monkeypatch)
    monkeypatch.setattr("os.chown", lambda path, uid, gid: None)
    assert run_patch(compose, "--migrate", "--compression", "gzip").exit_code == 0
    (tmp_path / "user").write_text("alice\n")
    (tmp_path / "password").write_text("s3cret\n")
    done = _run_dump_script(engine.scripts[0], tmp_path, {"POSTGRES_USER_FILE": str(tmp_path / "user"),
                                                         "POSTGRES_PASSWORD_FILE": str(tmp_path / "password")})
    assert done.returncode == 0, done.stderr
    assert gzip.decompress(done.stdout).decode() == "args=-U alice password=s3cret\n"


def test_migrate_names_an_unreadable_credentials_file(compose, run_patch, monkeypatch, tmp_path):
    engine = FakeEngine(b"CREATE ROLE app;\n" + TRAILER)
    engine.install(monkeypatch)
    monkeypatch.setattr("os.chown", lambda path, uid, gid: None)
    assert run_patch(compose, "--migrate", "--compression", "gzip").exit_code == 0
    done = _run_dump_script(engine.scripts[0], tmp_path, {"POSTGRES_USER_FILE": str(tmp_path / "missing")})
    assert done.returncode != 0 and b"args=" not in done.stdout
    assert done.stderr.decode().strip() == f"POSTGRES_USER_FILE={tmp_path / 'missing'} is missing or unreadable"


def test_migrate_with_an_incomplete_dump_changes_nothing(compose, run_patch, monkeypatch):
    FakeEngine(b"CREATE ROLE app;\n-- cut short\n").install(monkeypatch)
    result = run_patch(compose, "--migrate", "--compression", "gzip")
    assert result.exit_code == 2 and "incomplete" in result.stderr
    assert compose.read_text() == TEXT and [p.name for p in compose.parent.iterdir()] == ["compose.yaml"]


def test_migrate_is_not_needed_once_patched(compose, run_patch, monkeypatch):
    assert run_patch(compose, "--fresh").exit_code == 0
    FakeEngine(b"").install(monkeypatch)
    result = run_patch(compose, "--migrate")
    assert result.exit_code == 0 and "nothing changed" in result.stdout


def test_docker_not_answering_is_not_taken_for_no_container(tmp_path, run_patch, monkeypatch):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)

    def unavailable(folder, service):
        raise docker.DockerUnavailable("permission denied while trying to connect to the Docker daemon socket")

    monkeypatch.setattr(docker, "service_containers", unavailable)
    result = run_patch(compose)
    assert result.exit_code == 2 and "Docker could not be asked about (permission denied" in result.stderr
    assert compose.read_text() == text
    result = run_patch(compose, "--migrate")
    assert result.exit_code == 2 and "Docker did not answer" in result.stderr
    assert run_patch(compose, "--fresh").exit_code == 0
