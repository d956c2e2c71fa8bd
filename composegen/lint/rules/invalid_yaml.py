"""CG000: the file is not valid YAML (reported at the parser's position instead of crashing the run)."""

from composegen.lint.finding import Severity
from composegen.lint.rule import FILE, Issue, Rule


def check(document, context):
    if document.parse_error is not None:
        error = document.parse_error
        yield Issue(error.line, error.column, error.message)


RULE = Rule(
    id="CG000",
    name="invalid-yaml",
    severity=Severity.error,
    summary="The compose file is not valid YAML.",
    explanation=(
        "Docker Compose cannot read a file that does not parse, so nothing else in it can be checked. "
        "Fix the syntax at the reported line (often an indentation error, a tab, an unclosed quote or a "
        "duplicated key), then run `docker compose config` to confirm Compose accepts it."
    ),
    check=check,
    scope=FILE,
)
