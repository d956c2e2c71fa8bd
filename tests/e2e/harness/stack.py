"""A stack folder on disk and the Docker Compose project running it, as tests drive it.

`make_stack()` writes the folder for either setup:
- "composegen": the files `composegen init --spec` writes (compose.yaml, utils/, data/, .env,
  .gitignore), run as written. The spec's app is a stand-in that holds `app_connections` idle TCP
  connections, like an app's pool. Test-only settings a test asks for (extra environment, another
  grace period or healthcheck interval) go to a separate compose.override.yaml, never into compose.yaml.
- "seed": the article's setup (tests/e2e/seed/), the baseline every rule test must show failing,
  with the same stand-in app.

Compose runs with a unique project name, the stack folder as project directory and pulls disabled.
The `make_stack` fixture (tests/e2e/conftest.py) tears every stack down after the test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from harness.engine import Engine
from harness.images import spec_for

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
SETUP_NAMES = ("composegen", "seed")
PROJECT_PREFIX = "cgtest"  # every compose project of the harness: cgtest-<8 hex>
# The seed's own grace period is 5m: a test that stops it with a client attached would wait that
# long. Tests assert far shorter limits, so 20 s shows the failure without the wait.
SEED_TEST_GRACE = "20s"
_SETUP_DEFAULT = "setup default"  # healthcheck_interval not given: the setup's own
# Paths where the test images declare VOLUMEs: the seed's app mounts a tmpfs there so it creates no
# anonymous volume (volumes_left() must only show what the Postgres service leaves).
IMAGE_VOLUME_PATHS = ["/var/lib/postgresql", "/var/lib/postgresql/data"]
# Test-only settings, kept out of compose.yaml (which stays as init wrote it). Compose's own name for
# an override file: `docker compose` and `composegen down` run in the folder read it too.
OVERRIDE_FILE = "compose.override.yaml"

# The stand-in app: `APP_CONNECTIONS` pooled connections, each an idle psql session pinged every
# second and reopened when the server goes away (as a pool does: psql exits on a lost connection, and
# the pinging loop dies of SIGPIPE at its next write, so a reconnect takes about a second).
# It exits at once on SIGTERM, as an app does (as PID 1, a shell without a trap would ignore it and
# make every `stop` or `down` wait 10 s for the SIGKILL).
APP_SCRIPT = """\
trap 'exit 0' TERM INT
i=0
while [ "$i" -lt "$APP_CONNECTIONS" ]; do
  i=$((i + 1))
  (
    while :; do
      { while :; do echo 'SELECT 1;'; sleep 1; done; } | psql -qAt >/dev/null 2>&1
      sleep 1
    done
  ) &
done
while :; do sleep 1 & wait $!; done
"""


class PsqlError(RuntimeError):
    """psql exited non-zero; the message holds its stderr."""


class StackError(RuntimeError):
    """A compose or docker command failed, or the stack did not become ready."""


def _yaml_dump(doc: dict, path: Path) -> None:
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    with open(path, "w") as out:
        yaml.dump(doc, out)


def _yaml_load(path: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML().load(path.read_text())


class Stack:
    """One stack folder and its compose project. Build it with make_stack()."""

    def __init__(self, engine: Engine, path: Path, project: str, setup: str, image: str,
                 user: str, db: str, password: str, app_connections: int):
        self.engine = engine
        self.dir = path
        self.project = project
        self.setup = setup
        self.image = image
        self.user = user
        self.db = db
        self.password = password
        self.app_connections = app_connections
        self.compose_file = path / "compose.yaml"
        self.override_file = path / OVERRIDE_FILE
        self.data_dir = path / "data"
        self.utils_dir = path / "utils"
        self._seen_volumes: set[str] = set()
        self._ids: dict[str, str] = {}  # container ids by service; forgotten at every compose call

    def __repr__(self) -> str:
        return f"Stack({self.project}, {self.setup}, {self.image})"

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    # -- running commands ---------------------------------------------------------------------
    def compose(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        self._ids.clear()  # up/down may recreate or remove containers
        files = [self.compose_file] + ([self.override_file] if self.override_file.is_file() else [])
        cmd = [self.engine.compose, "--project-name", self.project, "--project-directory", str(self.dir),
               *[arg for f in files for arg in ("--file", str(f))], *args]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise StackError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def docker(self, *args: str, check: bool = True, input: str | None = None,
               timeout: float = 600) -> subprocess.CompletedProcess:
        result = subprocess.run([self.engine.docker, *args], capture_output=True, text=True, input=input,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise StackError(f"docker {' '.join(args[:3])} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    # -- lifecycle -------------------------------------------------------------------------------
    def up(self, *args: str, wait: bool = True, wait_healthy: bool = True, timeout: float = 180) -> None:
        """`up -d --pull never`; then wait until Postgres accepts TCP connections (the final server,
        not the unix-socket-only init server), the app's connections are open, and (composegen, with
        wait_healthy) the container is healthy. `args` go to `up` (e.g. "--force-recreate").
        wait=False: `up -d --pull never postgres`, returning once the container is started, for
        starts expected to fail (the generated app waits for Postgres to be healthy, and `up` with it)."""
        if wait:
            self.compose("up", "--detach", "--pull", "never", *args)
        else:
            self.compose("up", "--detach", "--pull", "never", *args, "postgres")
        self._note_volumes()
        if wait:
            self.wait_ready(wait_healthy=wait_healthy, timeout=timeout)

    def wait_ready(self, wait_healthy: bool = True, timeout: float = 180) -> None:
        exited_seen = []

        def ready():
            state = self.state()
            # Exited for good (seen for ~2 s: not the moment before the restart policy acts).
            if state["Status"] in ("exited", "dead"):
                exited_seen.append(state["FinishedAt"])
                if len(exited_seen) >= 6 and len(set(exited_seen[-6:])) == 1:
                    raise StackError(f"postgres exited ({state['ExitCode']}) while starting:\n{self.logs()[-3000:]}")
                return False
            if self.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", self.user, "-d", self.db]).returncode != 0:
                return False
            if wait_healthy and self.setup == "composegen" and state["Health"] != "healthy":
                return False
            return self.app_connections == 0 or self.app_connection_count() >= self.app_connections

        self.wait_for(ready, timeout, what=f"{self} ready")
        self._note_volumes()

    def down(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        self._note_volumes()
        return self.compose("down", *args, timeout=timeout)

    def stop(self, timeout: int | None = None, service: str | None = "postgres") -> float:
        """`stop` (the Postgres service alone by default, so the app stays connected, as when an
        app's database is restarted); returns the seconds it took."""
        self._note_volumes()
        args = ["stop"] + (["--timeout", str(timeout)] if timeout is not None else []) + ([service] if service else [])
        started = time.monotonic()
        self.compose(*args)
        return time.monotonic() - started

    def start(self, wait: bool = True, wait_healthy: bool = True) -> None:
        self.compose("start")
        self._note_volumes()
        if wait:
            self.wait_ready(wait_healthy=wait_healthy)

    def restart(self, service: str = "postgres", wait: bool = True, wait_healthy: bool = True) -> float:
        """`restart` of one service; returns the seconds the restart command took."""
        started = time.monotonic()
        self.compose("restart", service)
        took = time.monotonic() - started
        self._note_volumes()
        if wait:
            self.wait_ready(wait_healthy=wait_healthy)
        return took

    def kill(self, signal: str = "SIGKILL", service: str = "postgres") -> None:
        """Send `signal` to the container's PID 1 (`docker kill`: no stop handling, a crash if KILL)."""
        self.docker("kill", "--signal", signal, self.container_id(service))

    def set_image(self, image: str, service: str = "postgres") -> None:
        """Point `service` at another image (a tag bump); the next up() recreates it."""
        spec_for(image)  # a test image, or KeyError
        doc = _yaml_load(self.compose_file)
        doc["services"][service]["image"] = spec_for(image).tag
        _yaml_dump(doc, self.compose_file)
        if service == "postgres":
            self.image = spec_for(image).tag

    def destroy(self) -> None:
        """Remove every container, network and volume of this project, whatever state it is in."""
        self._note_volumes()
        self.compose("kill", check=False, timeout=120)
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "0", check=False, timeout=300)
        leftovers = self.docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}",
                                check=False).stdout.split()
        if leftovers:
            self.docker("rm", "-f", "-v", *leftovers, check=False)
        for volume in self.volumes_left():
            self.docker("volume", "rm", "-f", volume, check=False)

    # -- looking inside ------------------------------------------------------------------------------
    def container_id(self, service: str = "postgres") -> str:
        if service in self._ids:
            return self._ids[service]
        ids = self.docker("ps", "-aq", "--no-trunc",
                          "--filter", f"label=com.docker.compose.project={self.project}",
                          "--filter", f"label=com.docker.compose.service={service}").stdout.split()
        if not ids:
            raise StackError(f"{self}: no {service} container")
        self._ids[service] = ids[0]
        return ids[0]

    def exec(self, args: list[str], user: str | None = None, input: str | None = None,
             service: str = "postgres", timeout: float = 300) -> subprocess.CompletedProcess:
        """`docker exec` (its exit status is real, unlike `docker-compose exec` on this engine)."""
        cmd = ["exec"] + (["-i"] if input is not None else []) + (["--user", user] if user else [])
        return self.docker(*cmd, self.container_id(service), *args, check=False, input=input, timeout=timeout)

    def psql(self, sql: str, db: str | None = None, user: str | None = None) -> str:
        """Run `sql` as POSTGRES_USER (or `user`) over the unix socket; stdout, unaligned, tuples only."""
        result = self.exec(["psql", "-v", "ON_ERROR_STOP=1", "-At", "--no-psqlrc", "--username", user or self.user,
                            "--dbname", db or self.db], input=sql)
        if result.returncode != 0:
            raise PsqlError(f"psql exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout.rstrip("\n")

    def app_connection_count(self) -> int:
        """Client connections over TCP (the app's pool; the harness's own psql uses the unix socket)."""
        try:
            return int(self.psql("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE backend_type = 'client backend' AND client_addr IS NOT NULL;"))
        except PsqlError:
            return 0

    def inspect(self, service: str = "postgres") -> dict:
        return json.loads(self.docker("inspect", self.container_id(service)).stdout)[0]

    def state(self, service: str = "postgres") -> dict:
        """Status, ExitCode, RestartCount, Health (None without a healthcheck), Pid, StartedAt, FinishedAt."""
        info = self.inspect(service)
        st = info["State"]
        return {
            "Status": st["Status"],
            "ExitCode": st["ExitCode"],
            "RestartCount": info["RestartCount"],
            "Health": (st.get("Health") or {}).get("Status"),
            "Pid": st["Pid"],
            "StartedAt": st["StartedAt"],
            "FinishedAt": st["FinishedAt"],
        }

    def logs(self, service: str = "postgres") -> str:
        """The container's output, stdout and stderr together."""
        result = subprocess.run([self.engine.docker, "logs", self.container_id(service)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return result.stdout

    def wait_for(self, predicate, timeout: float = 60, interval: float = 0.3, what: str = "condition"):
        """Poll `predicate()` until it returns something truthy (returned); TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not true after {timeout} s")
            time.sleep(interval)

    def data_files(self) -> list[Path]:
        """Everything in the stack's data/ folder (dotfiles too), sorted by name."""
        return sorted(self.data_dir.iterdir()) if self.data_dir.is_dir() else []

    def _note_volumes(self) -> None:
        """Remember the volumes mounted into this project's containers (anonymous ones carry no
        project label, and are gone from any container once `down` removed it)."""
        ids = self.docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}",
                          check=False).stdout.split()
        if not ids:
            return
        result = self.docker("inspect", *ids, check=False)
        for info in json.loads(result.stdout or "[]"):
            for mount in info.get("Mounts", []):
                if mount.get("Type") == "volume" and mount.get("Name"):
                    self._seen_volumes.add(mount["Name"])

    def volumes_left(self) -> set[str]:
        """Volumes Docker still holds for this project: labelled ones and anonymous ones that were
        attached to its containers at any point the harness looked (up, start, stop, down...)."""
        self._note_volumes()
        labelled = self.docker("volume", "ls", "-q", "--filter",
                               f"label=com.docker.compose.project={self.project}", check=False).stdout.split()
        existing = set(self.docker("volume", "ls", "-q", check=False).stdout.split())
        return set(labelled) | (self._seen_volumes & existing)


# -- building a stack folder ---------------------------------------------------------------------------

def _app_service(image: str, user: str, db: str, connections: int) -> dict:
    return {
        "image": image,
        "entrypoint": ["sh", "-c", APP_SCRIPT.replace("$", "$$")],  # $$: not Compose interpolation
        "environment": {
            "PGHOST": "postgres",
            "PGUSER": user,
            "PGDATABASE": db,
            "PGPASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}",
            "APP_CONNECTIONS": str(connections),
        },
        "tmpfs": list(IMAGE_VOLUME_PATHS),
        "stop_signal": "SIGKILL",
    }


def _composegen_files(path: Path, tag: str, user: str, db: str, schedule: str, keep: int, compression: str,
                      app_connections: int, init_args: tuple[str, ...] = ()) -> None:
    """`composegen init --spec` into `path`, as a user runs it: the Postgres image is the test image
    (--postgres-image), the app the stand-in on the major's rootfs image (psql, no VOLUME)."""
    import subprocess
    import sys

    from harness.images import app_image

    spec = {
        "name": "app",
        "image": app_image(tag),
        "command": ["sh", "-c", APP_SCRIPT],
        "environment": {
            "PGHOST": {"template": "{db.host}"},
            "PGUSER": {"template": "{db.user}"},
            "PGPASSWORD": {"template": "{db.password}"},
            "PGDATABASE": {"template": "{db.name}"},
            "APP_CONNECTIONS": str(app_connections),
        },
        "database": {"name": db, "user": user},
    }
    spec_file = path.with_name(f"{path.name}.spec.yaml")
    _yaml_dump(spec, spec_file)
    cmd = [sys.executable, "-m", "composegen", "init", "--spec", str(spec_file), "--dir", str(path),
           "--postgres-version", str(spec_for(tag).major), "--postgres-image", tag,
           "--schedule", schedule, "--keep", str(keep), "--compression", compression, *init_args]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"composegen init failed ({result.returncode}): {result.stderr.strip()}")


def _override(extra_env: dict, grace: str | None, hc_interval: str | None) -> dict:
    """Test-only settings of the Postgres service, for compose.override.yaml (empty: no file)."""
    service: dict = {}
    if extra_env:
        service["environment"] = dict(extra_env)
    if grace is not None:
        service["stop_grace_period"] = grace
    if hc_interval is not None:
        service["healthcheck"] = {"interval": hc_interval}
    return {"services": {"postgres": service}} if service else {}


def _seed_service(image, user, db, extra_env, grace, hc_interval) -> dict:
    seed = _yaml_load(SEED_DIR / "compose.yaml")["services"]["postgres"]
    service = {"image": image, **{k: v for k, v in seed.items() if k != "image"}}
    env = dict(service.get("environment") or {})
    env.update({"POSTGRES_USER": user, "POSTGRES_DB": db})
    env.update(extra_env)
    service["environment"] = env
    service["stop_grace_period"] = grace if grace is not None else SEED_TEST_GRACE
    if hc_interval is not None:
        service["healthcheck"] = dict(service["healthcheck"], interval=hc_interval)
    return service


def _seed_files(path: Path) -> None:
    shutil.copytree(SEED_DIR / "utils", path / "utils")
    for script in (path / "utils").iterdir():
        os.chmod(script, 0o755)
    # The official entrypoint reads ./data (its /docker-entrypoint-initdb.d) as the postgres user.
    path.joinpath("data").mkdir()
    os.chmod(path / "data", 0o755)


def make_stack(path: Path, engine: Engine, *, image: str, setup: str = "composegen", schedule: str = "1h",
               keep: int = 3, compression: str = "zstd", app_connections: int = 2,
               extra_env: dict | None = None, user: str = "app", db: str = "app",
               stop_grace_period: str | None = None,
               healthcheck_interval: str | None = _SETUP_DEFAULT, init_args: tuple[str, ...] = ()) -> Stack:
    """Write a stack folder at `path` (must not exist or be empty) and return its Stack (not started).

    `image`: a test image, short ("15-dash") or full tag. composegen: the files `composegen init`
    writes, with `schedule`, `keep`, `compression`, `user` and `db`;
    `init_args` are more `composegen init` options (e.g. `--user`); `extra_env`,
    `stop_grace_period` and `healthcheck_interval` (when given) go to compose.override.yaml, so the
    generated values (5m grace, 10s interval) apply unless a test asks otherwise. The seed: its own
    files; `stop_grace_period=None` gives it SEED_TEST_GRACE instead of its 5m; its healthcheck (its
    dump schedule, 1h) unless `healthcheck_interval`.
    """
    if setup not in SETUP_NAMES:
        raise ValueError(f"setup must be one of {SETUP_NAMES}, not {setup!r}")
    tag = spec_for(image).tag
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise FileExistsError(f"{path} is not empty")
    extra_env = {k: str(v) for k, v in (extra_env or {}).items()}
    interval = None if healthcheck_interval is _SETUP_DEFAULT else healthcheck_interval
    if setup == "composegen":
        _composegen_files(path, tag, user, db, schedule, keep, compression, app_connections, init_args)
        override = _override(extra_env, stop_grace_period, interval)
        if override:
            _yaml_dump(override, path / OVERRIDE_FILE)
        password = _password_as_compose_reads_it(engine, path)
    else:
        _seed_files(path)
        postgres = _seed_service(tag, user, db, extra_env, stop_grace_period, interval)
        services = {"postgres": postgres}
        if app_connections:
            services["app"] = _app_service(tag, user, db, app_connections)
        _yaml_dump({"services": services}, path / "compose.yaml")
        password = secrets.token_hex(12)
        env_file = path / ".env"
        env_file.write_text(f"POSTGRES_PASSWORD='{password}'\n")
        os.chmod(env_file, 0o600)
    project = f"{PROJECT_PREFIX}-{secrets.token_hex(4)}"
    return Stack(engine, path, project, setup, tag, user, db, password, app_connections)


def _password_as_compose_reads_it(engine: Engine, path: Path) -> str:
    """POSTGRES_PASSWORD as Compose interpolates it from the .env init wrote (`config`, not our parser)."""
    result = subprocess.run([engine.compose, "--project-directory", str(path), "--file", str(path / "compose.yaml"),
                             "config", "--format", "json"], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"compose config failed in {path}: {result.stderr.strip()}")
    return json.loads(result.stdout)["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"]
