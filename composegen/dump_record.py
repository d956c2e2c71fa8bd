"""Reading what the runtime writes into data/: the record of the last attempt and the dump files.
The names and the record's version are composegen/contract.py's; docs/runtime.md ("data/") has the
format. `status` and `down` read it, never write it (lib.sh's cg_write_status does).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from composegen import contract


class RecordError(Exception):
    """The record exists but cannot be used (unreadable, not JSON, wrong shape)."""


@dataclass(frozen=True)
class LastGood:
    file: str | None
    time: datetime | None
    size: int | None


@dataclass(frozen=True)
class DumpRecord:
    outcome: str  # written | skipped | failed
    time: datetime  # when the attempt ended (UTC)
    trigger: str | None  # schedule | stop | manual
    reason: str | None
    duration_s: float | None
    size: int | None
    file: str | None
    last_good: LastGood | None


@dataclass(frozen=True)
class DumpFile:
    path: Path
    size: int
    time: datetime  # from its name


def parse_time(text: object) -> datetime:
    """A UTC ISO-8601 time (`2026-11-24T20:30:00Z`, with or without fractions or an offset)."""
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:59:59-23:00 is past the last representable time in UTC
        raise ValueError(f"out of range: {text!r}") from None


def _optional(data: dict, key: str, kind: type | tuple[type, ...]):
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise RecordError(f"`{key}` has the wrong type ({type(value).__name__})")
    return value


def parse_record(text: str) -> DumpRecord:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise RecordError("nested too deeply to be a record") from None
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    version = data.get("version")
    if version != contract.RECORD_VERSION or isinstance(version, bool):
        raise RecordError(f"format version {version!r}, and this composegen reads version {contract.RECORD_VERSION} "
                          f"(is composegen older than the stack's scripts? run composegen patch, or upgrade composegen)")
    outcome = data.get("outcome")
    if outcome not in contract.OUTCOMES:
        raise RecordError(f"unknown outcome {outcome!r}")
    try:
        time = parse_time(data.get("time"))
    except ValueError as exc:
        raise RecordError(f"bad `time`: {exc}") from None
    last_good = None
    raw_good = data.get("last_good")
    if isinstance(raw_good, dict):
        try:
            good_time = parse_time(raw_good["time"]) if raw_good.get("time") else None
        except ValueError as exc:
            raise RecordError(f"bad `last_good.time`: {exc}") from None
        last_good = LastGood(_optional(raw_good, "file", str), good_time, _optional(raw_good, "size", int))
    duration = _optional(data, "duration_s", (int, float))
    return DumpRecord(
        outcome=outcome,
        time=time,
        trigger=_optional(data, "trigger", str),
        reason=_optional(data, "reason", str),
        duration_s=None if duration is None else float(duration),
        size=_optional(data, "size", int),
        file=_optional(data, "file", str),
        last_good=last_good,
    )


def record_identity(data_dir: Path) -> tuple[int, int, int] | None:
    """(inode, mtime in ns, size) of the record file, or None: tells a record rewritten since (the
    runtime replaces it by a rename) from the same one, which the record's whole-second time cannot."""
    try:
        info = os.stat(Path(data_dir) / contract.RECORD_FILE)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def read_record(data_dir: Path) -> DumpRecord | None:
    """The record in `data_dir`; None when there is none yet. RecordError when it is unusable."""
    from composegen.compose.load import LoadError, read_text

    path = Path(data_dir) / contract.RECORD_FILE
    if not os.path.lexists(path):
        return None
    try:  # a regular file of bounded size: a FIFO or a huge file here must not hang or exhaust status
        text = read_text(path, "record")
    except LoadError as exc:
        raise RecordError(str(exc)) from None
    return parse_record(text)


def dump_files(data_dir: Path) -> list[DumpFile]:
    """The good dumps in `data_dir` (never a temporary one being written), newest first."""
    found = []
    try:
        entries = list(os.scandir(data_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except PermissionError as exc:
        raise RecordError(f"cannot list {data_dir}: {exc.strerror}") from None
    for entry in entries:
        time = contract.dump_time(entry.name)
        if time is None or not entry.is_file():
            continue
        info = entry.stat()
        found.append(DumpFile(Path(entry.path), info.st_size, time))
    return sorted(found, key=lambda dump: (dump.time, dump.path.name), reverse=True)
