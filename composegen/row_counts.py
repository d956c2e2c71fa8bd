"""Row counts per table, recorded by the runtime beside each dump (`<dump>.counts`, docs/runtime.md
"Row counts"): what `verify` compares a restore with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

SUFFIX = ".counts"
HEADER = "# composegen row counts 1:"


class CountsError(Exception):
    """The counts file exists but cannot be used."""


@dataclass(frozen=True)
class TableCount:
    database: str
    table: str  # schema.table as the dump's COPY line writes it (quoted where SQL needs it)
    rows: int


def counts_path(dump: Path) -> Path:
    return dump.with_name(dump.name + SUFFIX)


def parse_counts(text: str) -> list[TableCount]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith(HEADER):
        raise CountsError("not a composegen row counts file (no header line)")
    counts = []
    seen = set()
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2]:
            raise CountsError(f"line {number} is not `rows<TAB>database<TAB>table`")
        # The runtime percent-encodes %, tab and CR only, so every % here starts one of those.
        count = TableCount(unquote(parts[1]), unquote(parts[2]), int(parts[0]))
        if (count.database, count.table) in seen:
            raise CountsError(f"line {number}: {count.table} in database {count.database} is counted twice")
        seen.add((count.database, count.table))
        counts.append(count)
    return counts


def read_counts(dump: Path) -> list[TableCount] | None:
    """The counts recorded for `dump`; None when it has none (taken before counts were recorded)."""
    path = counts_path(dump)
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CountsError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_counts(text)
