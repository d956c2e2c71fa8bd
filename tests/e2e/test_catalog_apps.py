"""Every catalog app's generated compose.yaml, run as written on the real engine, with each image swapped
by an override file for a local probe (app images cannot be pulled here).

The probe (probe/probe.sh) reads the app's own database variables the way the app does (the table
READS below, written from each app's documentation), connects over the stack's network, writes and
reads a row, and writes each of the app's bind-mounted folders as the uid:gid the app runs as. Caches
(Redis/Valkey) are swapped for the probe idling. Postgres is the harness's test image. This proves the
wiring composegen owns: credentials, URLs, passwords, sslmode, host names, ownership, extra services,
the order they start in. It is not a claim that the apps themselves run.

All stacks run at once, a few at a time (one fixture); each app is then one test reading its result.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from composegen import catalog
from composegen.init_stack import Overrides, plan_init, write_plan

# How each app reads its database settings: PROBE_READS words (see probe/probe.sh), per service.
# Written from the apps' own docs and code, not from the catalog entries. None: reads no database.
FIELDS = "host={h} port={p} name={n} user={u} password={w}"
READS: dict[str, dict[str, str | None]] = {
    "authentik": {s: FIELDS.format(h="AUTHENTIK_POSTGRESQL__HOST", p="AUTHENTIK_POSTGRESQL__PORT",
                                   n="AUTHENTIK_POSTGRESQL__NAME", u="AUTHENTIK_POSTGRESQL__USER",
                                   w="AUTHENTIK_POSTGRESQL__PASSWORD") for s in ("authentik", "worker")},
    "docmost": {"docmost": "url=DATABASE_URL"},
    "forgejo": {"forgejo": "hostport=FORGEJO__database__HOST name=FORGEJO__database__NAME "
                           "user=FORGEJO__database__USER password=FORGEJO__database__PASSWD"},
    "ghostfolio": {"ghostfolio": "url=DATABASE_URL"},
    "gitea": {"gitea": "hostport=GITEA__database__HOST name=GITEA__database__NAME "
                       "user=GITEA__database__USER password=GITEA__database__PASSWD"},
    "grafana": {"grafana": "hostport=GF_DATABASE_HOST name=GF_DATABASE_NAME user=GF_DATABASE_USER "
                           "password=GF_DATABASE_PASSWORD sslmode=GF_DATABASE_SSL_MODE"},
    "healthchecks": {"healthchecks": FIELDS.format(h="DB_HOST", p="DB_PORT", n="DB_NAME", u="DB_USER",
                                                   w="DB_PASSWORD") + " sslmode=DB_SSLMODE"},
    "hedgedoc": {"hedgedoc": "url=CMD_DB_URL"},
    "immich": {"immich": FIELDS.format(h="DB_HOSTNAME", p="DB_PORT", n="DB_DATABASE_NAME", u="DB_USERNAME",
                                       w="DB_PASSWORD"),
               "immich-machine-learning": None},
    "joplin": {"joplin": FIELDS.format(h="POSTGRES_HOST", p="POSTGRES_PORT", n="POSTGRES_DATABASE",
                                       u="POSTGRES_USER", w="POSTGRES_PASSWORD")},
    "kanboard": {"kanboard": "url=DATABASE_URL"},
    "keycloak": {"keycloak": "jdbc=KC_DB_URL user=KC_DB_USERNAME password=KC_DB_PASSWORD"},
    "linkwarden": {"linkwarden": "url=DATABASE_URL"},
    "listmonk": {"listmonk": FIELDS.format(h="LISTMONK_db__host", p="LISTMONK_db__port", n="LISTMONK_db__database",
                                           u="LISTMONK_db__user", w="LISTMONK_db__password")
                 + " sslmode=LISTMONK_db__ssl_mode"},
    "mattermost": {"mattermost": "url=MM_SQLSETTINGS_DATASOURCE"},
    "mealie": {"mealie": FIELDS.format(h="POSTGRES_SERVER", p="POSTGRES_PORT", n="POSTGRES_DB", u="POSTGRES_USER",
                                       w="POSTGRES_PASSWORD")},
    "miniflux": {"miniflux": "url=DATABASE_URL"},
    "n8n": {"n8n": FIELDS.format(h="DB_POSTGRESDB_HOST", p="DB_POSTGRESDB_PORT", n="DB_POSTGRESDB_DATABASE",
                                 u="DB_POSTGRESDB_USER", w="DB_POSTGRESDB_PASSWORD")},
    "nextcloud": {s: "host=POSTGRES_HOST name=POSTGRES_DB user=POSTGRES_USER password=POSTGRES_PASSWORD"
                  for s in ("nextcloud", "cron")},
    "nocodb": {"nocodb": "nocodb=NC_DB"},
    "outline": {"outline": "url=DATABASE_URL"},
    "paperless-ngx": {"paperless-ngx": FIELDS.format(h="PAPERLESS_DBHOST", p="PAPERLESS_DBPORT", n="PAPERLESS_DBNAME",
                                                     u="PAPERLESS_DBUSER", w="PAPERLESS_DBPASS")},
    "shlink": {"shlink": FIELDS.format(h="DB_HOST", p="DB_PORT", n="DB_NAME", u="DB_USER", w="DB_PASSWORD")},
    "synapse": {s: FIELDS.format(h="POSTGRES_HOST", p="POSTGRES_PORT", n="POSTGRES_DB", u="POSTGRES_USER",
                                 w="POSTGRES_PASSWORD") for s in ("synapse", "synapse-config")},
    "tandoor": {"tandoor": FIELDS.format(h="POSTGRES_HOST", p="POSTGRES_PORT", n="POSTGRES_DB", u="POSTGRES_USER",
                                         w="POSTGRES_PASSWORD")},
    "twenty": {s: "url=PG_DATABASE_URL" for s in ("twenty", "worker")},
    "umami": {"umami": "url=DATABASE_URL"},
    "vaultwarden": {"vaultwarden": "url=DATABASE_URL"},
    "vikunja": {"vikunja": "host=VIKUNJA_DATABASE_HOST name=VIKUNJA_DATABASE_DATABASE user=VIKUNJA_DATABASE_USER "
                           "password=VIKUNJA_DATABASE_PASSWORD sslmode=VIKUNJA_DATABASE_SSLMODE"},
    "wallabag": {"wallabag": FIELDS.format(h="SYMFONY__ENV__DATABASE_HOST", p="SYMFONY__ENV__DATABASE_PORT",
                                           n="SYMFONY__ENV__DATABASE_NAME", u="SYMFONY__ENV__DATABASE_USER",
                                           w="SYMFONY__ENV__DATABASE_PASSWORD")},
}
CREATES_ITS_DATABASE = {"wallabag"}  # its entrypoint creates the database (and only then installs)
COLLATE = {"synapse": "C"}  # synapse refuses another collation
# A password with characters that are special to shells, YAML, URLs and Compose, for the apps that
# read it as a variable of its own (in a URL it would need percent-encoding, which Compose cannot do;
# composegen's generated passwords are URL-safe).
HOSTILE_PASSWORD = "p@ss:w/rd?#&%20 \"$HOME\" `id` \\ ; é"
POSTGRES_TEST_IMAGE_FLAVOUR = "17-busybox"
PARALLEL = 5
TIMEOUT = 240  # seconds for one stack to come up on a busy machine


def url_read(app: str) -> bool:
    return any(words and ("url=" in words or "nocodb=" in words) and "jdbc=" not in words
               for words in READS[app].values())


@dataclass
class Outcome:
    app: str
    ok: bool = False
    seconds: float = 0.0
    problem: str = ""
    logs: str = ""
    lines: list[str] = field(default_factory=list)
    times: dict[str, tuple[str, str]] = field(default_factory=dict)  # service: (StartedAt, FinishedAt)


def _override(compose: dict, spec, probe_image: str, postgres_image: str) -> str:
    """The override file: every image swapped, ports dropped (`!reset`), the probe told what to read."""
    roles = {spec.name: ("service", spec.runs_as)}
    for extra in spec.services:
        mode = {"cache": "cache", "migration": "job"}.get(extra.role, "service")
        roles[extra.name] = (mode, extra.runs_as or spec.runs_as)
    out = ["services:"]
    for name, service in compose["services"].items():
        out.append(f"  {json.dumps(name)}:")
        if name == "postgres":
            # The generated 10 s interval would make every start wait. An app's own Postgres image
            # (immich's) has its own ENTRYPOINT and CMD (rule 16), which the test image does not have:
            # the test image's own, docker-entrypoint.sh and postgres.
            out += [f"    image: {json.dumps(postgres_image)}",
                    '    command: ["postgres"]',
                    '    environment: {COMPOSEGEN_ENTRYPOINT: "docker-entrypoint.sh"}',
                    "    healthcheck: {interval: 1s}"]
            continue
        mode, runs_as = roles[name]
        folders = [v.split(":")[1] for v in service.get("volumes", []) if v.startswith("./")]
        environment = {"PROBE_SERVICE": name}
        if mode != "cache":
            environment["PROBE_READS"] = READS[spec.name][name] or "none"
            environment["PROBE_FOLDERS"] = " ".join(folders)
            if spec.name in CREATES_ITS_DATABASE and name == spec.name:
                environment["PROBE_CREATE_DB"] = "1"
            if spec.name in COLLATE:
                environment["PROBE_COLLATE"] = COLLATE[spec.name]
        out += [f"    image: {json.dumps(probe_image)}",
                "    ports: !reset []",
                '    entrypoint: ["/probe"]',
                f"    command: [{json.dumps(mode)}]",
                f"    user: {json.dumps(runs_as)}",
                f"    environment: {json.dumps(environment)}"]
        if mode != "job":
            out.append('    healthcheck: {test: ["CMD", "test", "-f", "/tmp/probe-ok"], interval: 1s, '
                       "timeout: 5s, retries: 3, start_period: 0s}")
    return "\n".join(out) + "\n"


def _prepare(app: str, root: Path, probe_image: str, postgres_image: str):
    """init the app's folder and write the override (in the main thread: composegen's YAML loading
    keeps parser state that threads must not share)."""
    from ruamel.yaml import YAML

    folder = root / app
    spec = catalog.load(app)
    write_plan(plan_init(spec, folder, Overrides(url="https://apps.example.test:8443")))
    if not url_read(app):
        env_file = folder / ".env"
        env_file.write_text(re.sub(r"^POSTGRES_PASSWORD=.*$", f"POSTGRES_PASSWORD='{HOSTILE_PASSWORD}'",
                                   env_file.read_text(), flags=re.M))
    compose = YAML(typ="safe", pure=True).load((folder / "compose.yaml").read_text())
    (folder / "probe.override.yaml").write_text(_override(compose, spec, probe_image, postgres_image))
    return folder, spec, compose


def _run_app(app: str, prepared, engine) -> Outcome:
    outcome = Outcome(app)
    started = time.monotonic()
    folder, spec, compose = prepared
    project = f"cgcat-{app.replace('-', '')[:12]}-{uuid.uuid4().hex[:6]}"
    base = [engine.compose, "--project-name", project, "--project-directory", str(folder),
            "-f", str(folder / "compose.yaml"), "-f", str(folder / "probe.override.yaml")]

    def compose_cmd(*args, check=False, timeout=300):
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=timeout, check=check)

    try:
        up = compose_cmd("up", "--detach", "--pull", "never", "--no-build", timeout=TIMEOUT)
        if up.returncode != 0:
            outcome.problem = f"up failed: {up.stderr.strip()[-1500:]}"
            return outcome
        outcome.problem = _wait(compose_cmd, engine, spec, compose, started)
        outcome.ok = not outcome.problem
    except subprocess.TimeoutExpired as exc:
        outcome.problem = f"timed out: {exc.cmd[-3:]}"
    finally:
        outcome.logs = compose_cmd("logs", "--no-color", timeout=60).stdout[-6000:]
        outcome.lines = [line for line in outcome.logs.splitlines() if "probe " in line or "PROBE" in line]
        ids = compose_cmd("ps", "--all", "--quiet", timeout=60).stdout.split()
        if ids:
            inspected = subprocess.run([engine.docker, "inspect", *ids], capture_output=True, text=True, timeout=60)
            for container in json.loads(inspected.stdout or "[]"):
                service = container["Config"]["Labels"].get("com.docker.compose.service", "")
                outcome.times[service] = (container["State"]["StartedAt"], container["State"]["FinishedAt"])
        compose_cmd("kill", timeout=60)  # no dump needed: the stack is thrown away
        compose_cmd("down", "--volumes", "--timeout", "3", timeout=120)
        outcome.seconds = time.monotonic() - started
    return outcome


def _wait(compose_cmd, engine, spec, compose: dict, started: float) -> str:
    """'' once every long-running service is healthy and every job exited 0; else what went wrong."""
    jobs = {extra.name for extra in spec.services if extra.role == "migration"}
    while time.monotonic() - started < TIMEOUT:
        listed = compose_cmd("ps", "--all", "--format", "json", timeout=60).stdout
        rows = [json.loads(line) for line in listed.splitlines() if line.strip().startswith("{")]
        if not rows and listed.strip().startswith("["):
            rows = json.loads(listed)
        state = {row["Service"]: row for row in rows}
        waiting = []
        for name in compose["services"]:
            row = state.get(name)
            if row is None:
                waiting.append(name)
            elif name in jobs:
                if row["State"] == "exited":
                    if row.get("ExitCode", 0) != 0:
                        return f"{name} exited {row['ExitCode']}"
                else:
                    waiting.append(name)
            elif row["State"] in ("exited", "dead") or "restarting" in row["State"]:
                return f"{name} is {row['State']} ({row.get('Status', '')})"
            elif row.get("Health") != "healthy":
                waiting.append(name)
        if not waiting:
            return ""
        time.sleep(2)  # each poll starts a compose process: keep the CPU for the stacks
    return f"not ready after {TIMEOUT} s: {', '.join(waiting)}"


@pytest.fixture(scope="module")
def outcomes(engine, test_images, tmp_path_factory):
    from harness.images import IMAGES
    from harness.probe import ensure_probe_image

    if os.geteuid() != 0:
        pytest.skip("init gives the app's folders to its uid only as root (CI runs as root)")
    probe_image = ensure_probe_image(engine.docker)
    root = tmp_path_factory.mktemp("catalog")
    started = time.monotonic()
    prepared = {app: _prepare(app, root, probe_image, IMAGES[POSTGRES_TEST_IMAGE_FLAVOUR])
                for app in catalog.names()}
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {app: pool.submit(_run_app, app, prepared[app], engine) for app in catalog.names()}
        results = {app: future.result() for app, future in futures.items()}
    total = time.monotonic() - started
    print(f"\n[catalog e2e] {len(results)} stacks in {total:.0f} s (slowest: "
          + ", ".join(f"{o.app} {o.seconds:.0f}s" for o in sorted(results.values(), key=lambda o: -o.seconds)[:3])
          + ")")
    return results


def test_every_app_has_a_reads_entry():
    assert set(READS) == set(catalog.names())
    for app in catalog.names():
        spec = catalog.load(app)
        assert set(READS[app]) <= {spec.name, *(e.name for e in spec.services)}


@pytest.mark.parametrize("app", catalog.names())
def test_the_app_reaches_its_database_and_writes_its_folders(outcomes, app):
    outcome = outcomes[app]
    assert outcome.ok, f"{app}: {outcome.problem}\n{outcome.logs}"
    spec = catalog.load(app)
    readers = [name for name, words in READS[app].items() if words]
    for name in readers:
        assert any(f"probe {name}: connected as the app does" in line for line in outcome.lines), outcome.logs
    for extra in spec.services:
        assert any(f"probe {extra.name}: PROBE OK" in line for line in outcome.lines), outcome.logs
    if spec.state_folders():
        assert any(" writes /" in line for line in outcome.lines), outcome.logs


def test_wallabag_finds_its_database_missing_on_the_first_start_so_it_installs(outcomes):
    assert any("did not exist: created it" in line for line in outcomes["wallabag"].lines), outcomes["wallabag"].logs


def test_a_migration_job_finished_before_the_app_started(outcomes):
    times = outcomes["synapse"].times
    # RFC 3339 with nanoseconds, all UTC: the strings sort as the instants do.
    assert times["synapse-config"][1] <= times["synapse"][0], times
