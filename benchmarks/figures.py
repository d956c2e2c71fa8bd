"""What a benchmark produces: measured figures, and figures it could not measure (with the reason).

A figure that was not measured is never printed as a number: it becomes an `Unmeasured` entry, so
the table and the summary line say why instead of showing a zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    label: str  # what was measured, e.g. "dump wall time (s)"
    ours: str  # our value, formatted with its unit
    baseline: str  # what it is compared with, formatted, naming the baseline
    ratio: float | None  # ours / baseline, None when a ratio means nothing
    goal: str  # the goal, as the issue states it
    met: bool | None = None  # None: no goal to judge
    key: str | None = None  # name in the summary line (None: table only)
    value: float | None = None  # value in the summary line
    note: str = ""  # context printed under the table (capped, outcome of a stop, ...)


@dataclass(frozen=True)
class Unmeasured:
    label: str
    reason: str
    keys: tuple[str, ...] = ()  # summary-line names this leaves out


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    unmeasured: list[Unmeasured] = field(default_factory=list)
    context: list[str] = field(default_factory=list)  # lines describing the run (database size, image...)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)

    def skip(self, label: str, reason: str, *keys: str) -> None:
        self.unmeasured.append(Unmeasured(label, reason, keys))

    def say(self, line: str) -> None:
        self.context.append(line)


def ratio(ours: float, baseline: float) -> float | None:
    return ours / baseline if baseline > 0 else None
