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
import sys
from pathlib import Path

import pytest

from harness import FLAVOURS, count_rows, create_rows, image_tag, populate
from harness.images import IMAGES, REPOSITORY

# What every test image must show, written from ../shared/postgres-image-contract.md and the issue's
# list of images, not from the harness's build arguments: a wrong build argument fails here.
OLD_LAYOUT = ("/var/lib/postgresql/data", "/var/lib/postgresql/data")  # (PGDATA, VOLUME) up to 17
EXPECTED_IMAGES = {
    # name: (major, PGDATA, VOLUME, /bin/sh, postgres uid, sed is busybox's, `ps` present)
    "13-dash": (13, *OLD_LAYOUT, "dash", 999, False, False),
    "13-busybox": (13, *OLD_LAYOUT, "busybox", 70, True, True),
    "15-dash": (15, *OLD_LAYOUT, "dash", 999, False, False),
    "15-busybox": (15, *OLD_LAYOUT, "busybox", 70, True, True),
    "17-dash": (17, *OLD_LAYOUT, "dash", 999, False, False),
    "17-busybox": (17, *OLD_LAYOUT, "busybox", 70, True, True),
    "18-dash": (18, "/var/lib/postgresql/18/docker", "/var/lib/postgresql", "dash", 999, False, False),
    "18-busybox": (18, "/var/lib/postgresql/18/docker", "/var/lib/postgresql", "busybox", 70, True, True),
    "17-extension": (17, *OLD_LAYOUT, "dash", 999, False, False),
}
OFFICIAL_ENTRYPOINT = (["docker-entrypoint.sh"], ["postgres"])
EXTENSION_ENTRYPOINT = (["extension-entrypoint.sh"], ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"])
ALL_IMAGES = [pytest.param(name, id=name) for name in EXPECTED_IMAGES]
FLAVOUR_IMAGES_15 = [pytest.param(image_tag(15, f), id=f"15-{f}") for f in FLAVOURS]


def test_every_built_image_is_checked():
    assert sorted(IMAGES) == sorted(EXPECTED_IMAGES)


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

@pytest.mark.parametrize("name", ALL_IMAGES)
def test_image_config_matches_the_contract(engine, test_images, name):
    major, pgdata, volume = EXPECTED_IMAGES[name][:3]
    info = json.loads(subprocess.run([engine.docker, "image", "inspect", f"{REPOSITORY}:{name}"], check=True,
                                     capture_output=True, text=True).stdout)[0]["Config"]
    env = dict(item.split("=", 1) for item in info["Env"])
    expected_entrypoint = EXTENSION_ENTRYPOINT if name.endswith("-extension") else OFFICIAL_ENTRYPOINT
    assert (info["Entrypoint"], info["Cmd"]) == expected_entrypoint
    assert info["StopSignal"] == "SIGINT"
    assert list(info["Volumes"]) == [volume]
    assert env["PGDATA"] == pgdata
    assert env["PG_MAJOR"] == str(major)
    assert env["LANG"] == "en_US.utf8"
    assert env["PATH"].startswith(f"/usr/lib/postgresql/{major}/bin:")


@pytest.mark.parametrize("name", ALL_IMAGES)
def test_image_userland(engine, test_images, name):
    """/bin/sh, the postgres uid, the tools the runtime relies on, the client tools' major, the locale."""
    major, _, _, shell, uid, busybox_sed, has_ps = EXPECTED_IMAGES[name]
    script = (
        'readlink -f /bin/sh; id -u postgres; id -g postgres; '
        'for t in bash gzip xz zstd pg_dumpall psql pg_ctl initdb gosu; do command -v "$t" >/dev/null || echo "missing $t"; done; '
        'psql --version; command -v docker-entrypoint.sh; readlink -f "$(command -v sed)"; '
        'command -v ps >/dev/null && echo "has ps" || echo "no ps"; '
        'localedef --list-archive | grep -qx en_US.utf8 && echo "has en_US.utf8" || echo "no en_US.utf8"; '
        'busybox | head -n 1'
    )
    out = subprocess.run([engine.docker, "run", "--rm", "--entrypoint", "sh", f"{REPOSITORY}:{name}", "-c", script],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert Path(out[0]).name == shell
    assert out[1:3] == [str(uid)] * 2
    assert not [line for line in out if line.startswith("missing")], out
    assert f"(PostgreSQL) {major}." in out[3]
    assert out[4] == "/usr/local/bin/docker-entrypoint.sh"
    assert (Path(out[5]).name == "busybox") is busybox_sed
    assert out[6] == ("has ps" if has_ps else "no ps")
    assert out[7] == "has en_US.utf8"
    if major == 18:  # Debian forky's busybox: the one whose `read` loops once a trap has run
        assert out[8].startswith("BusyBox v1.38"), out[8]


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
        "08-ignored-dir": (None, 0o755),
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
    assert top == ["postgres", str(EXPECTED_IMAGES[image.rsplit(":", 1)[1]][4])]


@pytest.mark.parametrize("image", FLAVOUR_IMAGES_15)
def test_init_does_not_skip_a_directory(containers, tmp_path, image):
    """A directory named like an SQL file is handed to psql like one (and fails): not skipped."""
    folder = _init_dir(tmp_path, {"01-dir.sql": (None, 0o755), "02-after.sql": (b"CREATE TABLE after (n int);\n", 0o644)})
    name = containers.run(image, env={"POSTGRES_PASSWORD": "pw"}, mounts={folder: "/docker-entrypoint-initdb.d"})
    assert containers.wait_exit(name) != 0
    logs = containers.logs(name)
    assert "running /docker-entrypoint-initdb.d/01-dir.sql" in logs
    assert "02-after.sql" not in logs and "PostgreSQL init process complete" not in logs


@pytest.mark.parametrize("image", [pytest.param(f"{REPOSITORY}:{n}", id=n) for n in ("15-busybox", "17-extension")])
def test_temporary_server_gets_the_command_and_pgport(containers, tmp_path, image):
    """The init server runs with the command's own arguments, plus `-p $PGPORT` (where psql looks);
    POSTGRES_INITDB_ARGS are shell words (quotes group); the cluster's locale is LANG's."""
    record = ("CREATE TABLE init_server AS SELECT current_setting('work_mem') AS work_mem, "
              "current_setting('port') AS port, current_setting('shared_preload_libraries') AS preload;\n")
    folder = _init_dir(tmp_path, {"01-record.sql": (record.encode(), 0o644)})
    command = ["-c", "work_mem=7777kB"]
    if image.endswith("-extension"):  # its CMD, which names its config file, plus the same setting
        command = ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf", *command]
    name = containers.run(image, *command, mounts={folder: "/docker-entrypoint-initdb.d"},
                          env={"POSTGRES_PASSWORD": "pw", "PGPORT": "5544",
                               "POSTGRES_INITDB_ARGS": '--data-checksums "--waldir=/var/lib/postgresql/wal dir"'})
    wait_until(lambda: containers.exec(name, "pg_isready", "-q", "-h", "127.0.0.1").returncode == 0)
    seen = containers.exec(name, "psql", "-At", "-U", "postgres", "-c",
                           "SELECT work_mem, port, preload FROM init_server")
    preload = "pg_stat_statements" if image.endswith("-extension") else ""
    assert seen.stdout.strip() == f"7777kB|5544|{preload}", seen.stderr
    wal = containers.exec(name, "sh", "-c", 'readlink "$PGDATA/pg_wal"')
    assert wal.stdout.strip() == "/var/lib/postgresql/wal dir", wal.stderr
    settings = containers.exec(name, "psql", "-At", "-U", "postgres", "-c",
                               "SELECT current_setting('data_checksums'), datcollate FROM pg_database "
                               "WHERE datname = 'postgres'")
    assert settings.stdout.strip() == "on|en_US.utf8", settings.stderr


@pytest.mark.parametrize("name, method", [("13-dash", "md5"), ("15-dash", "scram-sha-256"),
                                          ("18-busybox", "scram-sha-256")])
def test_host_line_method_follows_password_encryption(containers, name, method):
    """md5 on 13, scram-sha-256 from 14: the method password_encryption gives; a login works with it."""
    container = containers.run(f"{REPOSITORY}:{name}", env={"POSTGRES_PASSWORD": "pw"})
    wait_until(lambda: containers.exec(container, "pg_isready", "-q", "-h", "127.0.0.1").returncode == 0)
    last = containers.exec(container, "sh", "-c", 'grep -v "^#" "$PGDATA/pg_hba.conf" | grep . | tail -n 1')
    assert last.stdout.split() == ["host", "all", "all", "all", method]
    login = subprocess.run([containers.docker, "exec", "-e", "PGPASSWORD=pw", container, "psql", "-At", "-h",
                            "127.0.0.1", "-U", "postgres", "-c", "SELECT 1"], capture_output=True, text=True)
    assert login.stdout.strip() == "1", login.stderr


@pytest.mark.parametrize("name", ["18-dash", "18-busybox"])
def test_18_refuses_an_old_layout(containers, tmp_path, name):
    """18+ with the default PGDATA: a cluster at the old place, or a mount there, stops the start."""
    image = f"{REPOSITORY}:{name}"
    old_cluster = containers.run(image, "-c", "mkdir -p /var/lib/postgresql/data && echo 17 > "
                                 "/var/lib/postgresql/data/PG_VERSION && exec docker-entrypoint.sh postgres",
                                 entrypoint="bash", env={"POSTGRES_PASSWORD": "pw"})
    assert containers.wait_exit(old_cluster) != 0
    assert "a cluster in /var/lib/postgresql/data" in containers.logs(old_cluster)
    mount = tmp_path / "old"
    mount.mkdir()
    mounted = containers.run(image, env={"POSTGRES_PASSWORD": "pw"}, mounts={mount: "/var/lib/postgresql/data"})
    assert containers.wait_exit(mounted) != 0
    assert "a mount at /var/lib/postgresql/data" in containers.logs(mounted)
    assert not any(mount.iterdir())
    # Its own PGDATA set: the check is the user's to skip.
    own = containers.run(image, env={"POSTGRES_PASSWORD": "pw", "PGDATA": "/var/lib/postgresql/data"},
                         mounts={mount: "/var/lib/postgresql/data"})
    wait_until(lambda: containers.exec(own, "pg_isready", "-q", "-h", "127.0.0.1").returncode == 0)


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


def test_composegen_stack_folder_is_what_init_writes(engine, tmp_path):
    """The composegen stack is `composegen init --spec`'s output, untouched; the test-only settings
    a test asked for are in compose.override.yaml alone, and Compose reads both."""
    from harness.stack import make_stack as write_stack

    stack = write_stack(tmp_path / "s", engine, image="15-dash", app_connections=1, schedule="2s", keep=4,
                        compression="gzip", stop_grace_period="7s", extra_env={"EXTRA": "x"})
    written = stack.compose_file.read_text()
    assert written.startswith("# app: written by composegen")  # init's header, not the harness's
    assert "EXTRA" not in written and "7s" not in written
    # What init writes from the same spec and options into another folder: the same compose.yaml.
    spec = stack.dir.with_name("s.spec.yaml")
    again = subprocess.run([sys.executable, "-m", "composegen", "init", "--spec", str(spec), "--dir",
                            str(tmp_path / "again"), "--postgres-version", "15", "--postgres-image",
                            f"{REPOSITORY}:15-dash", "--schedule", "2s", "--keep", "4", "--compression", "gzip"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "compose.yaml").read_text() == written
    assert sorted(p.name for p in stack.dir.iterdir()) == sorted(
        [".env", ".gitignore", "compose.override.yaml", "compose.yaml", "data", "utils"])
    config = json.loads(stack.compose("config", "--format", "json").stdout)
    postgres, app = config["services"]["postgres"], config["services"]["app"]
    assert postgres["image"] == f"{REPOSITORY}:15-dash"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == stack.password == app["environment"]["PGPASSWORD"]
    assert postgres["environment"]["EXTRA"] == "x"
    assert postgres["environment"]["COMPOSEGEN_KEEP"] == "4"
    assert postgres["stop_grace_period"] == "7s"
    assert postgres["healthcheck"]["interval"] == "10s"  # the generated timing, not a test's
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    # `config` prints a literal `$` escaped again: "$$" here means the shell gets "$APP_CONNECTIONS".
    assert '"$$APP_CONNECTIONS"' in app["command"][2]


def test_seed_stack_folder_is_what_compose_reads(engine, tmp_path):
    """The seed's compose.yaml passes `docker-compose config`, and survives its interpolation."""
    from harness.stack import make_stack as write_stack

    stack = write_stack(tmp_path / "s", engine, image="15-dash", setup="seed", app_connections=1,
                        stop_grace_period="7s", extra_env={"EXTRA": "x"})
    config = json.loads(stack.compose("config", "--format", "json").stdout)
    postgres, app = config["services"]["postgres"], config["services"]["app"]
    assert postgres["image"] == app["image"] == f"{REPOSITORY}:15-dash"
    assert postgres["environment"]["POSTGRES_PASSWORD"] == stack.password
    assert postgres["environment"]["EXTRA"] == "x"
    assert postgres["stop_grace_period"] == "7s"
    assert '"$$APP_CONNECTIONS"' in app["entrypoint"][2]
    assert oct(stack.dir.joinpath(".env").stat().st_mode & 0o777) == "0o600"
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
