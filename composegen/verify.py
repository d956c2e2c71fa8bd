"""`composegen verify`: restore a service's dump into a throwaway container and compare each table's
row count with the counts recorded when the dump was taken (composegen/row_counts.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from composegen import dump_record, row_counts, throwaway, verify_record
from composegen.errors import UserError

Report = Callable[[str], None]


@dataclass(frozen=True)
class Target:
    """One Postgres service with composegen's dump setup: where its dumps are and its image."""

    compose_file: Path
    service: str
    data_dir: Path
    image: str | None  # None when the compose file does not say it plainly (a variable without default)


@dataclass(frozen=True)
class TableResult:
    database: str
    table: str
    recorded: int
    restored: int | None  # None: the table is missing after the restore

    @property
    def ok(self) -> bool:
        return self.restored == self.recorded


@dataclass
class DumpResult:
    target: Target
    dump: Path
    image: str
    tables: list[TableResult] = field(default_factory=list)
    problem: str | None = None  # why it failed before the counts could be compared
    seconds: float | None = None
    server_major: int | None = None
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def mismatches(self) -> list[TableResult]:
        return [table for table in self.tables if not table.ok]

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.mismatches

    def failure(self) -> str | None:
        """The failure in one line, naming the dump and each table with both counts."""
        if self.problem:
            return f"{self.dump}: {self.problem}"
        if not self.mismatches:
            return None
        parts = [f"{t.table} in database {t.database}: recorded {t.recorded} rows, "
                 f"{'missing after the restore' if t.restored is None else f'restored {t.restored}'}"
                 for t in self.mismatches]
        return f"{self.dump}: " + "; ".join(parts)


def targets(paths: list[Path], files: list[Path] | tuple = ()) -> list[Target]:
    """The Postgres services with the dump setup in the compose files under `paths` (or in the one stack
    `files` name, as `-f`)."""
    from composegen.compose.detect import interpolate_defaults
    from composegen.compose.model import runs_composegen_entrypoint
    from composegen.compose.discovery import compose_files
    from composegen.compose.document import load
    from composegen.compose.files import stack_files
    from composegen.compose.stack_paths import data_folder

    found = []
    stack = stack_files(None, files) if files else None
    for compose_file in [stack.main] if stack else compose_files(paths):
        try:
            document = load(compose_file, None, stack)
        except OSError as exc:
            raise UserError(f"{compose_file}: cannot read: {exc.strerror or exc}") from None
        if document.parse_error is not None:
            error = document.parse_error
            raise UserError(f"{compose_file}:{error.line}:{error.column}: {error.message}")
        for service in document.postgres_services():
            if service.patchable and runs_composegen_entrypoint(service.mapping):
                image = service.image if "$" not in service.image else interpolate_defaults(service.image)
                found.append(Target(compose_file, service.name, data_folder(compose_file.parent, service.mapping),
                                    image or None))
    return found


def dumps_to_verify(target: Target, every: bool) -> list[Path]:
    try:
        dumps = dump_record.dump_files(target.data_dir)
    except dump_record.RecordError as exc:
        raise UserError(str(exc)) from None
    if not dumps:
        raise UserError(f"{target.compose_file} {target.service}: no dump yet in {target.data_dir} "
                        f"(take one: docker exec <container> /utils/dump)")
    chosen = dumps if every else dumps[:1]
    return [dump.path for dump in chosen]


def verify_dump(target: Target, dump: Path, image: str, *, memory: str = throwaway.DEFAULT_MEMORY,
                timeout: float = 3600, major: int | None = None) -> DumpResult:
    """Restore `dump` into a throwaway container of `image` and compare the counts. Never raises for
    a failed restore: the result says what happened."""
    result = DumpResult(target, dump, image)
    try:
        recorded = row_counts.read_counts(dump)
    except row_counts.CountsError as exc:
        result.problem = f"its row counts are unusable: {exc}"
        return result
    if recorded is None:
        result.problem = (f"no row counts recorded for it ({row_counts.counts_path(dump).name} is missing: the dump "
                          f"was taken before composegen recorded counts; update utils/ with `composegen patch`, "
                          f"then take a new dump)")
        return result
    try:
        with throwaway.restored(image, dump, memory=memory, timeout=timeout, major=major) as server:
            result.seconds = server.seconds
            result.server_major = server.server_major
            counts = throwaway.count_rows(server.container_id, recorded, timeout=timeout)
    except throwaway.ThrowawayError as exc:
        result.problem = str(exc)
        return result
    result.tables = [TableResult(t.database, t.table, t.rows, counts[(t.database, t.table)]) for t in recorded]
    return result


def verify(paths: list[Path], *, image: str | None = None, every: bool = False,
           memory: str = throwaway.DEFAULT_MEMORY, timeout: float = 3600,
           report: Report = lambda line: None, files: list[Path] | tuple = ()) -> tuple[list[DumpResult], list[str]]:
    """Verify each service's newest dump (every kept dump with `every`). Returns the results and the
    notes worth telling (a verify record that could not be written)."""
    found = targets(paths, files)
    if not found:
        raise UserError(f"no Postgres service with composegen's dump setup in a compose file under "
                        f"{', '.join(map(str, paths))}")
    plan = []
    for target in found:  # every usage problem before the first restore
        chosen_image = image or target.image
        if not chosen_image:
            raise UserError(f"{target.compose_file} {target.service}: its image is set by a variable without a "
                            f"default; give it with --image")
        plan.append((target, chosen_image, dumps_to_verify(target, every)))
    majors = {}
    for chosen_image in dict.fromkeys(chosen for _, chosen, _ in plan):
        try:
            majors[chosen_image] = throwaway.image_major(chosen_image)
        except throwaway.ThrowawayError as exc:
            raise UserError(str(exc)) from None
    results, notes = [], []
    for target, chosen_image, dumps in plan:
        for dump in dumps:
            report(f"restoring {dump} into a throwaway container of {chosen_image}")
            result = verify_dump(target, dump, chosen_image, memory=memory, timeout=timeout,
                                 major=majors[chosen_image])
            results.append(result)
            try:
                verify_record.record(target.data_dir, result)
            except OSError as exc:
                notes.append(f"could not record the verification in {target.data_dir / verify_record.FILE}: "
                             f"{exc.strerror or exc}")
    return results, notes
