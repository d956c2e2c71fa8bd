"""The record of each dump's last verification, `data/composegen-verify.json`, written by `verify`
(and `upgrade`) on the host and read by `status`:

    {"version": 1, "dumps": {"cluster-20261206T091500Z.sql.zst": {"time": "2026-12-06T09:20:00Z",
     "ok": true, "image": "postgres:17", "tables": 12, "rows": 3400, "problem": null}}}

Entries of dumps that are no longer in data/ are dropped at each write.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from composegen.dump_record import parse_time
from composegen.fsutil import atomic_write

FILE = "composegen-verify.json"


@dataclass(frozen=True)
class Verification:
    dump: str
    time: datetime
    ok: bool
    image: str | None
    problem: str | None


def _load(data_dir: Path) -> dict:
    from composegen.compose.load import LoadError, read_text

    path = Path(data_dir) / FILE
    if not os.path.lexists(path):
        return {}
    try:  # a regular file of bounded size (never a FIFO that blocks status)
        data = json.loads(read_text(path, "record"))
    except (LoadError, ValueError, RecursionError):
        return {}
    dumps = data.get("dumps") if isinstance(data, dict) else None
    return dumps if isinstance(dumps, dict) else {}


def record(data_dir: Path, result) -> None:
    """Add `result` (a verify.DumpResult) to the record, atomically. Raises OSError when it cannot."""
    data_dir = Path(data_dir)
    dumps = {name: entry for name, entry in _load(data_dir).items() if (data_dir / name).is_file()}
    dumps[result.dump.name] = {
        "time": result.time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ok": result.ok,
        "image": result.image,
        "tables": len(result.tables),
        "rows": sum(t.restored or 0 for t in result.tables),
        "problem": result.failure(),
    }
    text = json.dumps({"version": 1, "dumps": dumps}, indent=2, sort_keys=True) + "\n"
    atomic_write(data_dir / FILE, text, mode=0o644)


def last_verification(data_dir: Path, dump_name: str) -> Verification | None:
    """The last verification of `dump_name`, or None (never verified, or an unreadable record)."""
    entry = _load(data_dir).get(dump_name)
    if not isinstance(entry, dict):
        return None
    try:
        time = parse_time(entry.get("time"))
    except ValueError:
        return None
    image, problem = entry.get("image"), entry.get("problem")
    return Verification(dump_name, time, entry.get("ok") is True, image if isinstance(image, str) else None,
                        problem if isinstance(problem, str) else None)


def latest(data_dir: Path) -> Verification | None:
    """The most recent verification of any dump still in data/."""
    found = [last_verification(data_dir, name) for name in _load(data_dir) if (Path(data_dir) / name).is_file()]
    found = [v for v in found if v is not None]
    return max(found, key=lambda v: v.time) if found else None
