"""`composegen upgrade`: move a stack's Postgres service to a newer image (a new major) safely.

In order: verify the newest dump against the new image (a failure stops here, nothing changed); stop
the stack and confirm the stop-time dump, as `down` does; change only the image value in the compose
file; start the service, which restores the stop-time dump into the new major; wait until healthy;
compare every table's rows with the dump's counts; then start the rest of the stack.

When a step after the compose file changed fails, the new container is killed (so it writes no dump),
any dump it wrote anyway is moved aside, the old image line is put back, and the old major is started
from the same stop-time dump and checked the same way. Every step is reported as it happens.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from composegen import dump_record, row_counts, throwaway, verify, verify_record
from composegen.errors import UserError

Report = Callable[[str], None]


class StepFailed(Exception):
    """A step after the compose file changed failed; the message says which and why."""


@dataclass
class Plan:
    compose_file: Path
    service: str
    data_dir: Path
    old_image: str
    new_image: str
    old_major: int
    new_major: int
    raw: bytes  # the compose file as it was
    new_text: str  # with only the image value changed
    compose_files: tuple = ()  # named by -f or COMPOSE_FILE: passed on to Compose (`-f` each)


def catalog_limits(data: object) -> list[tuple[str, int, int, str]]:
    """(app, min, max, source) of the catalog apps whose image a service of the compose file runs,
    for the entries that say which PostgreSQL majors they support (`postgres_versions`)."""
    from ruamel.yaml import YAML

    from composegen.catalog import CATALOG_DIR
    from composegen.compose.detect import parse_image

    services = data.get("services") if hasattr(data, "get") else None
    images = {parse_image(str(s.get("image"))).repository for s in (services or {}).values()
              if hasattr(s, "get") and s.get("image")}
    limits = []
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        entry = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        versions = entry.get("postgres_versions") if isinstance(entry, dict) else None
        if not isinstance(versions, dict) or not entry.get("image"):
            continue
        if parse_image(str(entry["image"])).repository in images:
            limits.append((str(entry.get("name", path.stem)), int(versions["min"]), int(versions["max"]),
                           str(versions.get("source", ""))))
    return limits


def plan(path: Path | None, *, to_image: str | None, to_version: int | None, service: str | None,
         files: list[Path] | tuple = ()) -> Plan:
    from composegen.compose.files import stack_files
    from composegen.down import find_compose_file
    from composegen.image_edit import image_for_major, with_image
    from composegen.compose.model import runs_composegen_entrypoint
    from composegen.patch.run import choose_services, load_compose
    from composegen.compose.stack_paths import data_folder

    if (to_image is None) == (to_version is None):
        raise UserError("give exactly one of --to-image IMAGE and --to-version N")
    stack = stack_files(path, files)  # -f, else COMPOSE_FILE, else the folder's file
    compose_file = find_compose_file(stack.main)
    loaded = load_compose(compose_file)
    services = choose_services(loaded, service)
    _refuse_image_set_elsewhere(compose_file, services, stack)
    if len(services) > 1:
        raise UserError(f"{compose_file}: {len(services)} Postgres services ({', '.join(s.name for s in services)}): "
                        f"choose one with --service NAME")
    chosen = services[0]
    if not runs_composegen_entrypoint(chosen.mapping):
        raise UserError(f"{compose_file}: service '{chosen.name}' has no composegen dump setup (run: composegen patch "
                        f"{compose_file})")
    if "$" in chosen.image:
        raise UserError(f"{compose_file}: the image of service '{chosen.name}' is set through a variable: set the "
                        f"variable to the new image instead")
    new_image = to_image if to_image is not None else image_for_major(chosen.image, to_version)
    new_text = with_image(loaded, chosen.name, new_image)
    data_dir = data_folder(compose_file.parent, chosen.mapping)
    try:
        has_dump = bool(dump_record.dump_files(data_dir))
    except dump_record.RecordError as exc:
        raise UserError(str(exc)) from None
    if not has_dump:
        raise UserError(f"{compose_file} {chosen.name}: no dump yet in {data_dir}, so nothing to verify the new image "
                        f"against (take one: docker exec <container> /utils/dump)")
    try:
        old_major = throwaway.image_major(chosen.image)
        new_major = throwaway.image_major(new_image)
    except throwaway.ThrowawayError as exc:
        raise UserError(str(exc)) from None
    if to_version is not None and new_major != to_version:
        raise UserError(f"{new_image} runs PostgreSQL {new_major}, not {to_version}")
    if new_major < old_major:
        raise UserError(f"{new_image} runs PostgreSQL {new_major}, older than {old_major} ({chosen.image}): "
                        f"composegen never downgrades (a dump does not load into an older major)")
    if new_major == old_major and to_version is not None:
        raise UserError(f"service '{chosen.name}' already runs PostgreSQL {old_major}")
    for app, low, high, source in catalog_limits(loaded.data):
        if not low <= new_major <= high:
            raise UserError(f"the catalog says {app} supports PostgreSQL {low} to {high} ({source}), "
                            f"not {new_major}: not upgrading")
    return Plan(compose_file, chosen.name, data_dir, chosen.image, new_image, old_major, new_major, loaded.raw,
                new_text, tuple(stack.all) if stack.explicit else ())


def _refuse_image_set_elsewhere(compose_file: Path, services: list, stack) -> None:
    """upgrade changes the image in the first file: a later -f/COMPOSE_FILE file that sets it would win."""
    from composegen.patch.run import _defines_key

    for other in stack.overrides:
        for chosen in services:
            if _defines_key(other, chosen.name, "image"):
                raise UserError(f"{compose_file}: the image of service '{chosen.name}' is set in {other} too, which "
                                f"Compose merges over {compose_file.name}: upgrade edits only {compose_file.name}; "
                                f"remove the image from {other}, or upgrade without that file")


class _Stack:
    """The Compose project of the compose file, driven as `down` drives it."""

    def __init__(self, plan: Plan, path: Path, project_name: str | None, runner) -> None:
        from composegen.compose_binary import compose_command

        if plan.compose_files:
            files = [arg for one in plan.compose_files for arg in ("-f", str(Path(one).resolve()))]
        else:
            files = ["-f", str(plan.compose_file.resolve())] if path is not None and Path(path).is_file() else []
        self.base = [*compose_command(), *(["-p", project_name] if project_name else []), *files]
        self.cwd = plan.compose_file.parent
        self.runner = runner

    def run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return self.runner([*self.base, *args], cwd=self.cwd, capture_output=True, text=True, check=False,
                           timeout=timeout)

    def container_id(self, service: str) -> str | None:
        ids = self.run("ps", "-a", "-q", service).stdout.split()
        return ids[0] if ids else None


def _inspect(container_id: str) -> dict:
    result = subprocess.run(["docker", "inspect", container_id], capture_output=True, text=True, check=False)
    data = json.loads(result.stdout or "[]") if result.returncode == 0 else []
    return data[0] if data else {}


def wait_healthy(container_id: str, timeout: float, poll: float = 1.0) -> None:
    """Until the container's healthcheck says healthy; StepFailed when it exits, restarts or times out."""
    deadline = time.monotonic() + timeout
    while True:
        info = _inspect(container_id)
        state = info.get("State") or {}
        if not info:
            raise StepFailed("the container is gone")
        if info.get("RestartCount", 0) > 0 or state.get("Status") in ("exited", "dead"):
            raise StepFailed(f"the container stopped (exit status {state.get('ExitCode')}): {_log_tail(container_id)}")
        health = (state.get("Health") or {}).get("Status")
        if health == "healthy":
            return
        if time.monotonic() > deadline:
            raise StepFailed(f"not healthy after {timeout:.0f} s (health: {health or 'none'}): {_log_tail(container_id)}")
        time.sleep(poll)


def _log_tail(container_id: str) -> str:
    result = subprocess.run(["docker", "logs", "--tail", "40", container_id], capture_output=True, text=True,
                            check=False)
    lines = [line.strip() for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    for line in reversed(lines):
        if "FAILED" in line or "error" in line.lower() or "fatal" in line.lower():
            return line
    return lines[-1] if lines else "(no log)"


def compare_counts(container_id: str, counts: list[row_counts.TableCount]) -> str | None:
    """None when every table holds the rows the dump recorded, else the differences in words."""
    try:
        found = throwaway.count_rows(container_id, counts, user=None, psql=throwaway.STACK_PSQL)
    except throwaway.ThrowawayError as exc:
        return str(exc)
    wrong = [f"{t.table} in database {t.database}: dump {t.rows}, served "
             f"{'nothing (missing)' if found[(t.database, t.table)] is None else found[(t.database, t.table)]}"
             for t in counts if found[(t.database, t.table)] != t.rows]
    return "; ".join(wrong) or None


def stop_time_dump(data_dir: Path) -> Path:
    record = dump_record.read_record(data_dir)
    name = record.file if record.outcome == "written" else (record.last_good.file if record.last_good else None)
    return data_dir / name


def upgrade(path: Path, *, to_image: str | None = None, to_version: int | None = None, service: str | None = None,
            project_name: str | None = None, timeout: float = 900, memory: str = throwaway.DEFAULT_MEMORY,
            report: Report = lambda line: None, runner=subprocess.run,
            clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc), files: list[Path] | tuple = ()) -> int:
    """Returns the exit status: 0 upgraded, 1 not upgraded (said why; rolled back when it had begun)."""
    from composegen.down import confirm_stop_dump, with_log_line
    from composegen.fsutil import atomic_write

    chosen = plan(path, to_image=to_image, to_version=to_version, service=service, files=files)
    target = verify.Target(chosen.compose_file, chosen.service, chosen.data_dir, chosen.old_image)
    newest = dump_record.dump_files(chosen.data_dir)[0].path

    # 1. The newest dump must restore into the new image with every row: else stop, nothing changed.
    report(f"1/5 verifying {newest.name} against {chosen.new_image} (PostgreSQL {chosen.new_major})")
    result = verify.verify_dump(target, newest, chosen.new_image, memory=memory, major=chosen.new_major)
    try:
        verify_record.record(chosen.data_dir, result)
    except OSError:
        pass  # the record is a convenience for `status`; the upgrade does not depend on it
    if not result.ok:
        report(f"verification failed, nothing changed: {result.failure()}")
        return 1
    report(f"verified: {len(result.tables)} tables, {sum(t.recorded for t in result.tables)} rows restored into "
           f"PostgreSQL {chosen.new_major}")

    # 2. Stop the stack (no client writes after this) and confirm its stop-time dump, as `down` does.
    compose = _Stack(chosen, path, project_name, runner)
    before_stop = dump_record.record_identity(chosen.data_dir)
    stop_began = clock().replace(microsecond=0)
    report(f"2/5 stopping {chosen.compose_file} (waits for the stop-time dump of {chosen.service})")
    stopped = compose.run("stop", timeout=3600)
    problem = (f"`docker compose stop` failed (exit {stopped.returncode})" if stopped.returncode != 0
               else confirm_stop_dump(chosen.data_dir, stop_began, before_stop))
    if problem:
        if stopped.returncode == 0:  # why the stop wrote no good dump, in the runtime's words
            logs = compose.run("logs", "--no-color", "--tail", "40", chosen.service)
            problem = with_log_line(problem, f"{logs.stdout or ''}\n{logs.stderr or ''}")
        report(f"not upgrading: {problem}")
        started = compose.run("start")
        report("the stack was started again as it was" if started.returncode == 0
               else f"starting the stack again failed too (exit {started.returncode}): run `docker compose start`")
        return 1
    dump = stop_time_dump(chosen.data_dir)
    counts = row_counts.read_counts(dump)
    if counts is None:
        compose.run("start")
        report(f"not upgrading: the stop-time dump {dump.name} has no row counts; the stack was started again")
        return 1
    report(f"confirmed: stop-time dump {dump.name} ({len(counts)} tables, {sum(t.rows for t in counts)} rows)")

    # 3-5. Change the image line, start the new major from that dump, check every table.
    try:
        report(f"3/5 changing the image of {chosen.service} in {chosen.compose_file}: {chosen.old_image} -> "
               f"{chosen.new_image}")
        atomic_write(chosen.compose_file.resolve(), chosen.new_text.encode("utf-8"))
        _start_and_check(compose, chosen, dump, counts, timeout, report, "4/5", "5/5")
    except (StepFailed, OSError, subprocess.TimeoutExpired) as exc:
        report(f"the upgrade to {chosen.new_image} FAILED: {exc}")
        return _roll_back(compose, chosen, dump, counts, timeout, report)
    except BaseException:  # Ctrl-C, SIGTERM: put the old image line back at least
        atomic_write(chosen.compose_file.resolve(), chosen.raw)
        report(f"interrupted: the image line is back to {chosen.old_image}; the service may be stopped: run "
               f"`docker compose up -d` in {chosen.compose_file.parent}")
        raise
    started = compose.run("up", "-d")
    if started.returncode != 0:
        report(f"upgraded {chosen.service}, but starting the rest of the stack failed: {_last(started)}")
        return 1
    report(f"upgraded {chosen.service} to {chosen.new_image} (PostgreSQL {chosen.old_major} -> {chosen.new_major}); "
           f"every row of {dump.name} is served")
    return 0


def _last(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit {result.returncode}"


def _start_and_check(compose: _Stack, chosen: Plan, dump: Path, counts, timeout: float, report: Report,
                     start_step: str, check_step: str) -> None:
    image = chosen.new_image if start_step == "4/5" else chosen.old_image
    report(f"{start_step} starting {chosen.service} on {image}: it restores {dump.name}; waiting until healthy")
    started = compose.run("up", "-d", "--no-deps", chosen.service, timeout=timeout)
    if started.returncode != 0:
        raise StepFailed(f"`docker compose up -d {chosen.service}` failed: {_last(started)}")
    container_id = compose.container_id(chosen.service)
    if not container_id:
        raise StepFailed(f"no {chosen.service} container after `up`")
    wait_healthy(container_id, timeout)
    report(f"{check_step} comparing the rows served with {dump.name}")
    wrong = compare_counts(container_id, counts)
    if wrong:
        raise StepFailed(f"the rows served differ from the dump's: {wrong}")


def _roll_back(compose: _Stack, chosen: Plan, dump: Path, counts, timeout: float, report: Report) -> int:
    from composegen.fsutil import atomic_write

    report(f"rolling back to {chosen.old_image} from {dump.name}")
    # A kill, not a stop: the new major must not write a stop-time dump the old one cannot load.
    compose.run("kill", chosen.service)
    compose.run("rm", "--force", "--stop", chosen.service)
    for later in dump_record.dump_files(chosen.data_dir):
        if later.path.name > dump.name:  # names hold the UTC time: a later one is the new major's
            aside = later.path.with_name(f"upgrade-aborted-{later.path.name}")
            later.path.rename(aside)
            counts_file = row_counts.counts_path(later.path)
            if counts_file.exists():
                counts_file.rename(row_counts.counts_path(aside))
            report(f"moved {later.path.name}, written by the new major, aside to {aside.name}")
    atomic_write(chosen.compose_file.resolve(), chosen.raw)
    report(f"the image line is back to {chosen.old_image} ({chosen.compose_file} is as it was)")
    try:
        _start_and_check(compose, chosen, dump, counts, timeout, report, "rollback:", "rollback:")
    except (StepFailed, OSError, subprocess.TimeoutExpired) as exc:
        report(f"the rollback FAILED too: {exc}. The compose file is as it was and {dump.name} is intact in "
               f"{chosen.data_dir}; fix the cause and run `docker compose up -d`")
        return 1
    started = compose.run("up", "-d")
    rest = "" if started.returncode == 0 else f" (starting the rest of the stack failed: {_last(started)})"
    report(f"rolled back: {chosen.service} serves every row of {dump.name} on PostgreSQL {chosen.old_major} "
           f"again{rest}; not upgraded")
    return 1
