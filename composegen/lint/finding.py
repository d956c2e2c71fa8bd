"""What a lint rule reports: plain data, so every formatter can render it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that `--fail-on` is a comparison. Names match SARIF's result levels."""

    note = 1
    warning = 2
    error = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected one of: {', '.join(cls.names())})") from None

    @classmethod
    def names(cls) -> list[str]:
        return [s.name for s in sorted(cls)]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Line and column are 1-based, as editors and SARIF count them."""

    path: str
    line: int
    column: int
    rule_id: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule_id,
            "severity": self.severity.name,
            "message": self.message,
        }
