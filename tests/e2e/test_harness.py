"""Checks of the harness itself: the test images keep the official image's contract, and stacks work.

If these fail, every rule test's verdict is suspect, so they are kept fast and run on every flavour.
"""

from __future__ import annotations

import gzip
import json
import lzma
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from harness import ALPINELIKE_IMAGE, FLAVOURS, MAJORS, count_rows, create_rows, image_tag, populate
from harness.images import REPOSITORY, SPECS, spec_for

SHELL_OF = {"dash": "dash", "busybox": "busybox", "alpinelike": "busybox"}
POSTGRES_UID = {"dash": 999, "busybox": 70, "alpinelike": 70}
# What drops root, and whether `ps` exists: Debian images have gosu and no ps, Alpine ones su-exec
# and busybox's ps.
EXTRA_TOOLS = {"dash": ["has gosu"], "busybox": ["has su-exec"], "alpinelike": ["has su-exec", "has ps"]}
STANDARD_IMAGES = [pytest.param(image_tag(m, f), id=f"{m}-{f}") for m in MAJORS for f in FLAVOURS]
# (The composegen round trip on the images built differently is test_rule_07_round_trip.py's.)
ALPINELIKE = [pytest.param(ALPINELIKE_IMAGE, id="17-alpinelike")]
FLAVOUR_IMAGES_15 = [pytest.param(image_tag(15, f), id=f"15-{f}") for f in FLAVOURS]


class Containers:
    """`docker run` outside compose, for the image-level checks; removes what it started."""

    def __init__(self, docker: str):
        self.docker = docker
        self.names: list[str] = []

    def run(self, image: str, *args: str, env: dict | None = None, mounts: dict | None = None,
            entrypoint: str | None = None) -> str:
        name = f"cgtest-harness-{secrets.token_hex(4)}"
        cmd = [self.docker, "run", "-d", "--name", name]
        for key, value in (env or {}).items():
            cmd += ["-e", f"{key}={value}"]
        for host, target in (mounts or {}).items():
            cmd += ["-v", f"{host}:{target}"]
        if entrypoint is not None:
            cmd += ["--entrypoint", entrypoint]
        self.names.append(name)
        subprocess.run(cmd + [image, *args], check=True, capture_output=True, text=True)
        return name

    def exec(self, name: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.docker, "exec", name, *args], capture_output=True, text=True)

    def logs(self, name: str) -> str:
        return subprocess.run([self.docker, "logs", name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout

    def wait_exit(self, name: str, timeout: float = 60) -> int:
        result = subprocess.run([self.docker, "wait", name], capture_output=True, text=True, timeout=timeout)
        return int(result.stdout.strip())

    def remove_all(self) -> None:
        if self.names:
            subprocess.run([self.docker, "rm", "-f", "-v", *self.names], capture_output=True)


@pytest.fixture
def containers(engine, test_images):
    made = Containers(engine.docker)
    yield made
    made.remove_all()


def wait_until(predicate, timeout: float = 60, interval: float = 0.3):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise TimeoutError("condition not met")


# -- the images' layout --------------------------------------------------------------------------------

@pytest.mark.parametrize("image", [pytest.param(s.tag, id=s.name) for s in SPECS])
def test_image_config_matches_the_contract(engine, test_images, image):
    spec = spec_for(image)
    info = json.loads(subprocess.run([engine.docker, "image", "inspect", image], check=True,
                                     capture_output=True, text=True).stdout)[0]["Config"]
    env = dict(item.split("=", 1) for item in info["Env"])
    assert info["Entrypoint"] == ["docker-entrypoint.sh"]
    assert info["Cmd"] == ["postgres"]
    assert info["StopSignal"] == "SIGINT"
    assert list(info["Volumes"]) == [spec.volume]
    assert env["PGDATA"] == spec.pgdata
    assert env["PG_MAJOR"] == str(spec.major)
    assert env["PATH"].startswith(f"/usr/lib/postgresql/{spec.major}/bin:")


@pytest.mark.parametrize("image", STANDARD_IMAGES + ALPINELIKE)
def test_image_userland(engine, test_images, image):
    """/bin/sh, the postgres uid, the tools the runtime relies on, the client tools' major."""
    flavour = spec_for(image).flavour
    major = spec_for(image).major
    script = (
        'readlink -f /bin/sh; id -u postgres; id -g postgres; '
        'for t in bash gzip xz zstd pg_dumpall psql pg_ctl initdb; do command -v "$t" >/dev/null || echo "missing $t"; done; '
        'psql --version; command -v docker-entrypoint.sh; readlink -f "$(command -v sed)"; '
        'for t in gosu su-exec ps; do command -v "$t" >/dev/null && echo "has $t"; done; true'
    )
    out = subprocess.run([engine.docker, "run", "--rm", "--entrypoint", "sh", image, "-c", script],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert Path(out[0]).name == SHELL_OF[flavour]
    assert out[1:3] == [str(POSTGRES_UID[flavour])] * 2
    assert not [line for line in out if line.startswith("missing")]
    assert f"(PostgreSQL) {major}." in out[3]
    assert out[4] == "/usr/local/bin/docker-entrypoint.sh"
    assert Path(out[5]).name == ("busybox" if flavour == "alpinelike" else "sed")
    assert out[6:] == EXTRA_TOOLS[flavour]


# -- the entrypoint's behaviour ------------------------------------------------------------------------

def _init_dir(tmp_path: Path, entries: dict[str, tuple[bytes, int]]) -> Path:
    folder = tmp_path / "initdb"
    folder.mkdir()
    os.chmod(folder, 0o755)
    for name, (content, mode) in entries.items():
        if content is None:
            (folder / name).mkdir()
        else:
            (folder / name).write_bytes(content)
        os.chmod(folder / name, mode)
    return folder


def _insert(letter: str) -> bytes:
    return f"INSERT INTO steps (step) VALUES ('{letter}');\n".encode()


PSQL_SH = 'psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "{sql}"\n'


@pytest.mark.parametrize("image", FLAVOUR_IMAGES_15)
def test_init_runs_entries_in_order(containers, tmp_path, image):
    """Fresh PGDATA: POSTGRES_DB created, entries run sorted by name, by their kind; others ignored."""
    entries = {
        "01-table.sql": (b"CREATE TABLE steps (id serial PRIMARY KEY, step text);\n" + _insert("a"), 0o644),
        "02-exec.sh": (b"#!/bin/sh\nset -e\n" + PSQL_SH.format(sql="INSERT INTO steps (step) VALUES ('b')").encode(), 0o755),
        # Sourced: runs in the entrypoint's bash (BASH_VERSION set), not as its own process.
        "03-sourced.sh": (b'[ -n "$BASH_VERSION" ] || exit 1\n' + PSQL_SH.format(sql="INSERT INTO steps (step) VALUES ('c')").encode(), 0o644),
        "04-gz.sql.gz": (gzip.compress(_insert("d")), 0o644),
        "05-xz.sql.xz": (lzma.compress(_insert("e")), 0o644),
        "06-zst.sql.zst.src": (_insert("f"), 0o644),  # compressed to .sql.zst in the container below
        "07-ignored.txt": (b"this is not SQL\n", 0o644),
        "08-dir.sql": (None, 0o755),
        "09-last.sql": (_insert("g"), 0o644),
    }
    folder = _init_dir(tmp_path, entries)
    # The host may lack zstd: make the .zst with the image's, then hide the source from the entrypoint.
    subprocess.run([containers.docker, "run", "--rm", "--entrypoint", "sh", "-v", f"{folder}:/d", image, "-c",
                    "zstd -q /d/06-zst.sql.zst.src -o /d/06-zst.sql.zst && rm /d/06-zst.sql.zst.src"],
                   check=True, capture_output=True)
    name = containers.run(image, env={"POSTGRES_PASSWORD": "pw", "POSTGRES_USER": "tester", "POSTGRES_DB": "things"},
                          mounts={folder: "/docker-entrypoint-initdb.d"})
    wait_until(lambda: containers.exec(name, "pg_isready", "-q", "-h", "127.0.0.1").returncode == 0)
    logs = containers.logs(name)
    assert "PostgreSQL init process complete; ready for start up." in logs
    assert "ignoring /docker-entrypoint-initdb.d/07-ignored.txt" in logs
    steps = containers.exec(name, "psql", "-At", "-U", "tester", "-d", "things",
                            "-c", "SELECT string_agg(step, '' ORDER BY id) FROM steps")
    assert steps.stdout.strip() == "abcdefg", steps.stderr
    # The final server is the entrypoint's process (PID 1), as the postgres user, on TCP too.
    top = containers.exec(name, "sh", "-c", "cat /proc/1/comm; stat -c %u /proc/1").stdout.split()
    assert top == ["postgres", str(POSTGRES_UID[spec_for(image).flavour])]


@pytest.mark.parametrize("image", FLAVOUR_IMAGES_15)
def test_failing_init_entry_leaves_the_temporary_server_running(containers, tmp_path, image):
    """As the contract says: the entrypoint aborts (non-zero) and its unix-socket server keeps running."""
    folder = _init_dir(tmp_path, {
        "01-ok.sql": (b"CREATE TABLE before_failure (n int); INSERT INTO before_failure VALUES (1);\n", 0o644),
        "02-bad.sql": (b"THIS IS NOT SQL;\n", 0o644),
        "03-never.sql": (b"CREATE TABLE after_failure (n int);\n", 0o644),
    })
    # A PID 1 that outlives the entrypoint, as a wrapper entrypoint does.
    name = containers.run(image, "-c", 'docker-entrypoint.sh postgres; echo "entrypoint exited $?"; exec sleep 600',
                          entrypoint="bash", env={"POSTGRES_PASSWORD": "pw"},
                          mounts={folder: "/docker-entrypoint-initdb.d"})
    wait_until(lambda: "entrypoint exited" in containers.logs(name))
    logs = containers.logs(name)
    assert "entrypoint exited 3" in logs  # psql's ON_ERROR_STOP status, passed on by set -e
    assert "PostgreSQL init process complete" not in logs
    query = containers.exec(name, "psql", "-At", "-U", "postgres", "-c",
                            "SELECT to_regclass('before_failure') IS NOT NULL, to_regclass('after_failure') IS NULL")
    assert query.stdout.strip() == "t|t", query.stderr
    assert containers.exec(name, "pg_isready", "-q", "-h", "127.0.0.1").returncode != 0  # no TCP listener


@pytest.mark.parametrize("image", FLAVOUR_IMAGES_15)
def test_entrypoint_settings(containers, tmp_path, image):
    """No password: refuses to initialise. *_FILE: read from the file; with the plain variable: error."""
    refused = containers.run(image)
    assert containers.wait_exit(refused) != 0
    assert "POSTGRES_PASSWORD is not set" in containers.logs(refused)

    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "user").write_text("fileuser\n")
    (secrets_dir / "password").write_text("filepw")
    os.chmod(secrets_dir, 0o755)
    both = containers.run(image, env={"POSTGRES_PASSWORD": "a", "POSTGRES_PASSWORD_FILE": "/s/password"},
                          mounts={secrets_dir: "/s"})
    assert containers.wait_exit(both) != 0
    assert "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set" in containers.logs(both)

    from_files = containers.run(image, env={"POSTGRES_USER_FILE": "/s/user", "POSTGRES_PASSWORD_FILE": "/s/password"},
                                mounts={secrets_dir: "/s"})
    wait_until(lambda: containers.exec(from_files, "pg_isready", "-q", "-h", "127.0.0.1").returncode == 0)
    check = containers.exec(from_files, "psql", "-At", "-U", "fileuser", "-d", "fileuser", "-c", "SELECT current_user")
    assert check.stdout.strip() == "fileuser", check.stderr
    # The password works over TCP with scram (the `host all all all` line), a wrong one does not.
    ip = containers.exec(from_files, "hostname", "-i").stdout.split()[0]
    for password, ok in (("filepw", True), ("wrong", False)):
        tcp = subprocess.run([containers.docker, "exec", "-e", f"PGPASSWORD={password}", from_files, "psql", "-At",
                              "-h", ip, "-U", "fileuser", "-c", "SELECT 1"], capture_output=True, text=True)
        assert (tcp.returncode == 0) is ok, tcp.stderr


# -- stacks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flavour", FLAVOURS)
def test_seed_stack_starts_answers_and_tears_down(make_stack, flavour):
    stack = make_stack(image=f"15-{flavour}", setup="seed", app_connections=2)
    stack.up()
    expected = populate(stack, rows=500)
    assert expected["items"] == 500 and expected["second_items"] == 100
    assert {"app", "second"} <= expected["databases"] and "extra_role" in expected["roles"]
    assert stack.app_connection_count() == 2
    state = stack.state()
    assert state["Status"] == "running" and state["RestartCount"] == 0
    if flavour == "dash":  # the seed's known fault, visible in its log
        assert "bad trap" in stack.logs()
    # The seed's dump (run by hand here; its healthcheck runs it hourly) lands in data/ as root, 0644.
    assert stack.exec(["/utils/dump"]).returncode == 0
    dump = stack.data_dir / "dump.sql.gz"
    assert [p.name for p in stack.data_files()] == ["dump.sql.gz"]
    assert oct(dump.stat().st_mode & 0o777) == "0o644"
    assert b"CREATE TABLE public.items" in gzip.decompress(dump.read_bytes())
    # `down` leaves the image's anonymous volume behind (the seed's leak), and the harness sees it.
    stack.down("--timeout", "3")  # dash: no handler, so the stop would wait out the grace period
    assert stack.volumes_left(), "volumes_left() missed the seed's anonymous volume"
    stack.destroy()
    assert stack.volumes_left() == set()


def test_seed_stack_restores_after_down_up(make_stack):
    """The seed's one working path (busybox sh): dump at stop, restore from data/ on a fresh start."""
    stack = make_stack(image="15-busybox", setup="seed", app_connections=0)
    stack.up()
    assert create_rows(stack, 300) == 300
    stack.down()  # SIGTERM -> the handler dumps, then smart shutdown (no clients attached)
    assert (stack.data_dir / "dump.sql.gz").is_file()
    stack.up()
    assert count_rows(stack) == 300


@pytest.mark.parametrize("image", FLAVOUR_IMAGES_15)
def test_composegen_stack_starts_answers_and_tears_down(make_stack, image):
    """The generated setup on the harness: healthy, the app's pool attached, nothing left after destroy."""
    stack = make_stack(image=image, setup="composegen", app_connections=3)
    stack.up()
    assert stack.state()["Health"] == "healthy"
    assert stack.app_connection_count() == 3
    assert create_rows(stack, 200) == 200
    assert stack.exec(["id", "-un"], user="postgres").stdout.strip() == "postgres"
    project = stack.project
    stack.destroy()
    left = subprocess.run([stack.engine.docker, "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert left == [] and stack.volumes_left() == set()


@pytest.mark.parametrize("setup", ["composegen", "seed"])
def test_stack_folder_is_what_compose_reads(engine, tmp_path, setup):
    """The written compose.yaml passes `docker-compose config`, and survives its interpolation."""
    from harness.stack import make_stack as write_stack

    stack = write_stack(tmp_path / "s", engine, image="15-dash", setup=setup, app_connections=1,
                        stop_grace_period="7s", extra_env={"EXTRA": "x"})
    config = json.loads(stack.compose("config", "--format", "json").stdout)
    postgres, app = config["services"]["postgres"], config["services"]["app"]
    assert postgres["image"] == app["image"] == f"{REPOSITORY}:15-dash"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == stack.password
    assert postgres["environment"]["EXTRA"] == "x"
    assert postgres["stop_grace_period"] == "7s"
    # `config` prints a literal `$` escaped again: "$$" here means the shell gets "$APP_CONNECTIONS".
    assert '"$$APP_CONNECTIONS"' in app["entrypoint"][2]
    assert oct(stack.dir.joinpath(".env").stat().st_mode & 0o777) == "0o600"
    if setup == "composegen":
        assert postgres["healthcheck"]["interval"] == "1s"
        assert sorted(p.name for p in stack.utils_dir.iterdir()) == sorted(
            ["entrypoint", "dump", "restore", "healthcheck", "lib.sh"])
        assert oct(stack.data_dir.stat().st_mode & 0o777) == "0o700"
    else:
        assert postgres["healthcheck"]["interval"] == "1h0m0s"
        assert postgres["entrypoint"] == ["/utils/entrypoint"]


def test_engine_missing_is_a_clear_skip_reason(monkeypatch):
    """No client, or no engine and no way to start one: EngineUnavailable saying which."""
    from harness import engine as engine_module

    monkeypatch.setattr(engine_module.shutil, "which", lambda name: None)
    with pytest.raises(engine_module.EngineUnavailable, match="no `docker` client"):
        engine_module.find_engine()
    monkeypatch.setattr(engine_module.shutil, "which", lambda name: "/usr/bin/docker" if name == "docker" else None)
    monkeypatch.setattr(engine_module, "_answers", lambda docker: None)
    with pytest.raises(engine_module.EngineUnavailable, match="no Docker engine answers"):
        engine_module.find_engine()


def test_debian_mirror_is_read_from_apt_sources(tmp_path, monkeypatch):
    from harness.images import ImagesUnavailable, debian_mirror

    monkeypatch.delenv("COMPOSEGEN_TEST_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    with pytest.raises(ImagesUnavailable):
        debian_mirror(tmp_path)
    (tmp_path / "sources.list").write_text("deb http://mirror.invalid/debian-security bookworm-security main\n"
                                           "deb [arch=amd64] http://mirror.invalid/debian/ bookworm main\n")
    assert debian_mirror(tmp_path) == "http://mirror.invalid/debian"
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://first.invalid/security\nSuites: bookworm-security\n\n"
        "Types: deb\n# a comment\nURIs: http://first.invalid/debian\nSuites: bookworm bookworm-updates\n")
    assert debian_mirror(tmp_path) == "http://first.invalid/debian"
