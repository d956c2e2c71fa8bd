"""`composegen status`: how old and how big each Postgres service's newest good dump is, and how its
last attempt went, read from the files in data/ (works whether or not the stack is running)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from composegen import contract, dump_record
from composegen.compose import detect, stack_paths
from composegen.errors import UserError

DEFAULT_MAX_AGE = timedelta(hours=26)
MAX_MAX_AGE = timedelta(days=36500)
# The runtime stamps dumps and records with the container's clock, which is the host's: a time further
# ahead than this is a wrong clock or a planted file, never a fresh dump.
FUTURE_TOLERANCE = timedelta(minutes=5)  # a century; far larger ones overflow datetime arithmetic


@dataclass
class ServiceStatus:
    compose_file: Path
    service: str
    data_dir: Path | None  # None when the service has no dump setup
    newest: dump_record.DumpFile | None = None
    # When the newest dump was last known to hold the database: its own time, or later when a later
    # attempt was skipped because nothing had changed since it (an idle database is not a stale one).
    current_as_of: datetime | None = None
    record: dump_record.DumpRecord | None = None
    problems: list[str] = field(default_factory=list)  # each one makes the exit status 1
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self, now: datetime) -> dict:
        newest = self.newest
        record = self.record
        return {
            "compose_file": str(self.compose_file),
            "service": self.service,
            "data_dir": None if self.data_dir is None else str(self.data_dir),
            "ok": self.ok,
            "problems": list(self.problems),
            "notes": list(self.notes),
            "newest_dump": None if newest is None else {
                "file": newest.path.name,
                "size": newest.size,
                "time": _iso(newest.time),
                "age_s": int((now - newest.time).total_seconds()),
                "current_as_of": _iso(self.current_as_of) if self.current_as_of else None,
            },
            "last_attempt": None if record is None else {
                "outcome": record.outcome,
                "time": _iso(record.time),
                "trigger": record.trigger,
                "reason": record.reason,
                "duration_s": record.duration_s,
                "size": record.size,
                "file": record.file,
            },
        }


def _iso(time: datetime) -> str:
    return time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


def format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def parse_max_age(text: str) -> timedelta:
    """`26h`, `90m`, `2d`, `1d12h`, `3600s` (a bare number is seconds)."""
    import re

    text = text.strip()
    if text.isdigit():
        seconds = min(int(text), int(MAX_MAX_AGE.total_seconds()) + 1)  # an int of any length: no float overflow
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"not a duration: {text!r} (examples: 26h, 90m, 2d)")
        scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}
        seconds = sum(float(n) * scale[u] for n, u in parts)
    if seconds > MAX_MAX_AGE.total_seconds():
        raise ValueError(f"{text!r} is longer than {MAX_MAX_AGE.days}d, the longest --max-age")
    return timedelta(seconds=seconds)


def current_as_of(newest: dump_record.DumpFile, record: dump_record.DumpRecord | None) -> datetime:
    """The newest dump's time, or the last attempt's when it was skipped as unchanged since that dump."""
    if (record is not None and record.outcome == "skipped" and record.time > newest.time
            and record.last_good is not None and record.last_good.file == newest.path.name):
        return record.time
    return newest.time


def service_status(compose_file: Path, found: detect.PostgresService, max_age: timedelta, now: datetime) -> ServiceStatus:
    from composegen.compose.model import runs_composegen_entrypoint

    status = ServiceStatus(compose_file, found.name, None)
    if not found.patchable:
        status.notes.append(f"not managed by composegen ({found.reason})")
        return status
    if not runs_composegen_entrypoint(found.mapping):
        status.problems.append(f"no dump setup, so no dumps (run: composegen patch {compose_file})")
        return status
    data_dir = stack_paths.data_folder(compose_file.parent, found.mapping)
    status.data_dir = data_dir
    try:
        dumps = dump_record.dump_files(data_dir)
    except dump_record.RecordError as exc:
        status.problems.append(str(exc))
        dumps = []
    status.newest = dumps[0] if dumps else None
    try:
        status.record = dump_record.read_record(data_dir)
    except dump_record.RecordError as exc:
        status.notes.append(f"the record {contract.RECORD_FILE} is unusable: {exc}")
    else:
        if status.record is None:
            status.notes.append(f"no record of an attempt yet ({data_dir / contract.RECORD_FILE} is missing)")

    if status.newest is not None and status.newest.time > now + FUTURE_TOLERANCE:
        status.problems.append(f"the newest dump {status.newest.path.name} is dated {_iso(status.newest.time)}, "
                               f"in the future: a clock is wrong, or the file was not written by the runtime")
    if status.record is not None and status.record.time > now + FUTURE_TOLERANCE:
        status.problems.append(f"the record of the last attempt is dated {_iso(status.record.time)}, in the future: "
                               f"a clock is wrong, or the record was not written by the runtime")
    if status.newest is None:
        status.problems.append(f"no dump yet in {data_dir}")
    else:
        status.current_as_of = current_as_of(status.newest, status.record)
        if now - status.current_as_of > max_age:
            unchanged = " (unchanged since)" if status.current_as_of != status.newest.time else ""
            status.problems.append(
                f"the newest dump is {format_age(now - status.current_as_of)} old{unchanged} "
                f"(limit {format_age(max_age)})"
            )
    if status.record is not None and status.record.outcome == "failed":
        reason = f": {status.record.reason}" if status.record.reason else ""
        status.problems.append(f"the last attempt failed ({format_age(now - status.record.time)} ago){reason}")
    return status


def file_problem(compose_file: Path, problem: str) -> ServiceStatus:
    """A compose file status cannot read: reported (service "") and counted as needing attention."""
    return ServiceStatus(compose_file, "", None, problems=[f"not a usable compose file: {problem}"])


def collect(paths: list[Path], max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None,
            env_files: list[Path] | None = None, files: list[Path] | tuple = ()) -> list[ServiceStatus]:
    """The status of every Postgres service in the compose files under `paths` (or of the one stack that
    `files`, as `-f`, name)."""
    from composegen.compose.discovery import compose_files
    from composegen.compose.document import load
    from composegen.compose.files import stack_files

    now = now or datetime.now(timezone.utc)
    statuses = []
    stack = stack_files(None, files, env_files) if files else None
    for compose_file in [stack.main] if stack else compose_files(paths):
        # One unreadable or malformed file is a finding of its own: the others still get their report.
        try:
            document = load(compose_file, env_files, stack)
        except OSError as exc:
            statuses.append(file_problem(compose_file, f"cannot read: {exc.strerror or exc}"))
            continue
        except UserError as exc:  # its .env or an included file is unusable
            statuses.append(file_problem(compose_file, str(exc)))
            continue
        if document.parse_error is not None:
            error = document.parse_error
            statuses.append(file_problem(compose_file, f"line {error.line}, column {error.column}: {error.message}"))
            continue
        here = [service_status(compose_file, found, max_age, now) for found in document.postgres_services(with_included=True)]
        _flag_shared_folders(here, compose_file)
        statuses.extend(here)
    return statuses


def _flag_shared_folders(statuses: list[ServiceStatus], compose_file: Path) -> None:
    """Rule 18: a dumps folder two services share holds a mix; neither's newest dump can be trusted."""
    users: dict[Path, list[str]] = {}
    for status in statuses:
        if status.data_dir is not None:
            users.setdefault(status.data_dir.resolve(), []).append(status.service)
    for status in statuses:
        names = users.get(status.data_dir.resolve(), []) if status.data_dir is not None else []
        others = [name for name in names if name != status.service]
        if others:
            status.problems.append(f"shares its dumps folder {status.data_dir} with {', '.join(others)}: the newest "
                                   f"dump there may be another service's (run: composegen patch {compose_file})")
