"""GitHub Actions workflow commands: each finding becomes an annotation on its file and line."""

from __future__ import annotations

from composegen.lint.finding import Severity

_COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.note: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result) -> str:
    names = {rule.id: rule.name for rule in result.rules}
    lines = []
    for f in result.findings:
        title = f"{f.rule_id} {names.get(f.rule_id, '')}".strip()
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (("file", f.path), ("line", f.line), ("col", f.column), ("title", title))
        )
        lines.append(f"::{_COMMAND[f.severity]} {properties}::{_escape_data(f.message)}\n")
    return "".join(lines)
