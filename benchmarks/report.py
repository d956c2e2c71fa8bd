"""Print the results: a table (figure, ours, baseline, ratio, goal), notes, and one summary line."""

from __future__ import annotations

from figures import Results

HEADERS = ("figure", "ours", "baseline", "ratio", "goal", "met")


def _met(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: ""}[value]


def table(results: Results) -> str:
    rows = [HEADERS] + [
        (f.label, f.ours, f.baseline, f"{f.ratio:.3g}x" if f.ratio is not None else "-", f.goal, _met(f.met))
        for f in results.figures
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def notes(results: Results) -> list[str]:
    return [f"- {f.label}: {f.note}" for f in results.figures if f.note]


def unmeasured(results: Results) -> list[str]:
    return [f"- NOT MEASURED {u.label}: {u.reason}" for u in results.unmeasured]


def summary_line(results: Results) -> str:
    """name=value pairs of the measured figures only: an unmeasured figure has no pair at all."""
    pairs = []
    for f in results.figures:
        if f.key is not None and f.value is not None:
            pairs.append(f"{f.key}={_number(f.value)}")
    missing = [key for u in results.unmeasured for key in u.keys]
    if missing:
        # Named, never given a number: the lines above say why.
        pairs.append("not_measured=" + ",".join(missing))
    return " ".join(pairs)


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def render(results: Results) -> str:
    parts = []
    if results.context:
        parts += ["", *results.context]
    parts += ["", table(results) if results.figures else "(no figure measured)"]
    if notes(results):
        parts += ["", "Notes:", *notes(results)]
    if results.unmeasured:
        parts += ["", "Not measured:", *unmeasured(results)]
    parts += ["", summary_line(results)]
    return "\n".join(parts)
