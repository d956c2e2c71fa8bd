"""`path:line:col: severity rule message`, one finding a line (what editors and grep expect)."""

from __future__ import annotations


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(result) -> str:
    return "".join(
        f"{f.path}:{f.line}:{f.column}: {f.severity.name} {f.rule_id} {f.message}\n" for f in result.findings
    )


def summary(result) -> str:
    """One closing line (the CLI prints it to stderr, so stdout stays one finding a line)."""
    line = f"{_plural(len(result.files), 'compose file')} checked, {_plural(len(result.findings), 'finding')}"
    severities = sorted({f.severity for f in result.findings}, reverse=True)
    if severities:
        line += " (" + ", ".join(_plural(result.count(s), s.name) for s in severities) + ")"
    return line
