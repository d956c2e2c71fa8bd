"""CG002: the seed's pattern, a healthcheck that runs the dump."""

import re

from composegen.lint import compose_model
from composegen.lint.finding import Severity
from composegen.lint.positions import key_position, value_position
from composegen.lint.rule import Issue, Rule

# pg_dump / pg_dumpall anywhere, or a script whose name is dump (the seed's `/utils/dump`).
_RUNS_DUMP = re.compile(r"\bpg_dump(all)?\b|(^|[\s/])dump(\.sh)?(\s|$)")


def check(document, context):
    for found in document.postgres_services():
        name, service = found.name, found.mapping
        healthcheck = service.get("healthcheck")
        if not hasattr(healthcheck, "get"):
            continue
        words = compose_model.command_words(healthcheck.get("test"))
        if _RUNS_DUMP.search(" ".join(words)):
            line, column = value_position(healthcheck, "test") if "test" in healthcheck else key_position(service, "healthcheck")
            yield Issue(line, column, f"Postgres service '{name}' runs a dump as its healthcheck; "
                        f"fix: composegen patch {document.path} (dumps run from the entrypoint's schedule)")


RULE = Rule(
    id="CG002",
    name="healthcheck-runs-dump",
    severity=Severity.error,
    summary="The healthcheck runs the dump (the seed's pattern).",
    explanation=(
        "Using the healthcheck as the dump scheduler means the check can never report the database "
        "unhealthy or not ready, every interval rewrites the whole dump whether or not anything changed, "
        "and engines that do not run healthchecks (podman without systemd) never dump at all. "
        "Fix: run `composegen patch <compose file>`: the entrypoint schedules the dumps "
        "(COMPOSEGEN_SCHEDULE) and the healthcheck becomes `/utils/healthcheck`, which reports readiness "
        "and a failed last dump."
    ),
    check=check,
)
