"""`composegen down`: stop, confirm that a good dump was written at that stop, and only then remove
the containers. When the dump cannot be confirmed the containers stay stopped (nothing is lost: the
next `start` resumes from PGDATA in the container layer) and the caller is told why.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from composegen import contract, dump_record
from composegen.compose import stack_paths
from composegen.errors import UserError
from composegen.compose.model import runs_composegen_entrypoint
from composegen.compose.discovery import compose_file_in
from composegen.compose.files import stack_files

Report = Callable[[str], None]
Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class Guarded:
    """A Postgres service whose stop-time dump must be confirmed, and where it writes."""

    service: str
    data_dir: Path


def find_compose_file(path: Path) -> Path:
    found = compose_file_in(path)
    if not found.exists():
        raise UserError(f"{path}: no such file or folder")
    if not found.is_file():
        raise UserError(f"{found}: is not a regular file (a FIFO, socket or device); give a compose file")
    return found


def guarded_services(compose_file: Path, env_files: list[Path] | None = None, stack=None) -> list[Guarded]:
    from composegen.compose.document import load

    document = load(compose_file, env_files, stack)
    if document.parse_error is not None:
        error = document.parse_error
        raise UserError(f"{compose_file}:{error.line}:{error.column}: {error.message}")
    guarded = [
        Guarded(found.name, stack_paths.data_folder(compose_file.parent, found.mapping))
        for found in document.postgres_services(with_included=True)
        if found.patchable and runs_composegen_entrypoint(found.mapping)
    ]
    folders: dict[Path, list[str]] = {}
    for one in guarded:
        folders.setdefault(one.data_dir.resolve(), []).append(one.service)
    for folder, names in folders.items():
        if len(names) > 1:
            raise UserError(f"{compose_file}: services {', '.join(names)} share the dumps folder {folder}: a dump of "
                            f"one cannot confirm the other's; run composegen patch {compose_file} (each gets its own)")
    if not guarded:
        raise UserError(f"{compose_file}: no Postgres service with composegen's dump setup, so no dump to "
                        f"confirm (use docker compose down, or composegen patch {compose_file} first)")
    return guarded


def confirm_stop_dump(data_dir: Path, stop_began: datetime, before_stop: tuple | None = None) -> str | None:
    """None when a good dump was written (or rightly skipped) at the stop that began at `stop_began`,
    else why not, in words for the user. `before_stop`: the record's identity taken just before the
    stop (dump_record.record_identity); a record that has not been rewritten since is not this stop's."""
    if before_stop is not None and dump_record.record_identity(data_dir) == before_stop:
        return (f"no dump was recorded at this stop ({contract.RECORD_FILE} was not rewritten); "
                f"was the service running?")
    try:
        record = dump_record.read_record(data_dir)
    except dump_record.RecordError as exc:
        return f"the record {data_dir / contract.RECORD_FILE} is unusable ({exc})"
    if record is None:
        return f"no record of a dump in {data_dir} ({contract.RECORD_FILE} is missing)"
    when = record.time.strftime("%Y-%m-%d %H:%M:%S UTC")
    if record.time < stop_began or record.trigger != "stop":
        return (f"no dump was recorded at this stop: the last attempt is from {when} "
                f"(trigger {record.trigger or 'unknown'}); was the service running?")
    if record.outcome == "failed":
        return f"the stop-time dump failed at {when}: {record.reason or 'no reason recorded'}"
    if record.outcome == "written":
        if not record.file or not (data_dir / record.file).is_file():
            return f"the record says {record.file or '(no file)'} was written, but it is not in {data_dir}"
        return None
    # skipped: nothing changed since the last good dump, which must still be there.
    good = record.last_good.file if record.last_good else None
    if not good or not (data_dir / good).is_file():
        return f"the stop-time dump was skipped as unchanged, but the last good dump ({good or 'none recorded'}) is not in {data_dir}"
    return None


def runtime_log_line(log_text: str) -> str | None:
    """The last line the runtime logged (`composegen: ...`) in a container's output: why a stop wrote
    no dump, in the runtime's own words ("cannot start postgres privately ...", "stop requested while
    the database is initializing ..."), or None."""
    lines = [line.split("composegen: ", 1)[1].strip() for line in log_text.splitlines() if "composegen: " in line]
    return lines[-1] if lines else None


def with_log_line(problem: str, log_text: str) -> str:
    line = runtime_log_line(log_text)
    return f"{problem} (its log ends with: {line})" if line else problem


def down(path: Path, extra_args: list[str], *, dry_run: bool, report: Report, project_name: str | None = None,
         runner: Runner = subprocess.run, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
         env_files: list[Path] | None = None, files: list[Path] | tuple = (), profiles: list[str] | tuple = ()) -> int:
    """Stop, confirm, remove. Returns the exit status: 0 removed, 1 left stopped (reported why).

    `project_name`: the Compose project, when it was started under another name than its folder's
    (COMPOSE_PROJECT_NAME in the environment works too: Compose reads it).
    """
    from composegen.compose_binary import compose_command

    stack = stack_files(path, files, env_files)  # -f, else COMPOSE_FILE, else the folder's file
    compose_file = find_compose_file(stack.main)
    guarded = guarded_services(compose_file, env_files, stack)
    # For a folder, let Compose pick its files itself (so compose.override.yaml still applies);
    # files named on the command line (or by COMPOSE_FILE) are passed on as they are.
    if stack.explicit:
        files = [arg for one in stack.all for arg in ("-f", str(one.resolve()))]
    else:
        files = ["-f", str(compose_file.resolve())] if path is not None and Path(path).is_file() else []
    env_args = [arg for path in env_files or [] for arg in ("--env-file", str(path))]
    profile_args = [arg for name in profiles for arg in ("--profile", name)]
    base = [*compose_command(), *(["-p", project_name] if project_name else []), *env_args, *files, *profile_args]
    stop_command = [*base, "stop"]
    down_command = [*base, "down", *extra_args]
    names = ", ".join(g.service for g in guarded)
    if dry_run:
        report(f"would run in {shlex.quote(str(compose_file.parent))}: {shlex.join(stop_command)}  (each service gets its stop_grace_period)")
        report(f"would confirm a good dump written at that stop for: {names}")
        report(f"would then run: {shlex.join(down_command)}  (only if every dump is confirmed)")
        return 0

    # The record's time has one-second resolution: compare from the start of this second, and also
    # require the record file itself to be rewritten (a record from earlier in the same second is not enough).
    owner = {g.data_dir: g.service for g in guarded}  # one service per folder (guarded_services checks)
    data_dirs = list(owner)
    before_stop = {data_dir: dump_record.record_identity(data_dir) for data_dir in data_dirs}
    stop_began = clock().replace(microsecond=0)
    report(f"stopping {compose_file} (waits for the stop-time dump of {names})")
    stopped = runner(stop_command, cwd=compose_file.parent, check=False)
    if stopped.returncode != 0:
        report(f"`docker compose stop` failed (exit {stopped.returncode}); containers not removed")
        return 1
    problems = []
    for data_dir in data_dirs:
        problem = confirm_stop_dump(data_dir, stop_began, before_stop[data_dir])
        if problem:
            logs = runner([*base, "logs", "--no-color", "--tail", "40", owner[data_dir]], cwd=compose_file.parent,
                          check=False, capture_output=True, text=True)
            problem = with_log_line(problem, f"{logs.stdout or ''}\n{logs.stderr or ''}")
            problems.append(f"'{owner[data_dir]}': {problem}")
        else:
            report(f"confirmed: a good dump of '{owner[data_dir]}' in {data_dir} from this stop")
    if problems:
        for problem in problems:
            report(f"not removing the containers: {problem}")
        report("the containers are stopped, not removed; `docker compose start` resumes where they were")
        return 1
    report(f"removing: {shlex.join(down_command)}")
    removed = runner(down_command, cwd=compose_file.parent, check=False)
    return 0 if removed.returncode == 0 else 1
