"""CG002: the seed's pattern, a healthcheck that runs the dump."""

from composegen import contract, stack
from composegen.compose import model as compose_model
from composegen.compose.positions import key_position, value_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    healthcheck = service.get("healthcheck")
    if hasattr(healthcheck, "get") and compose_model.healthcheck_runs_a_dump(healthcheck):
        line, column = value_position(healthcheck, "test") if "test" in healthcheck else key_position(service, "healthcheck")
        yield Issue(line, column, f"Postgres service '{name}' runs a dump as its healthcheck; "
                    f"fix: {context.document.patch_command} (dumps run from the entrypoint's schedule)")


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
        f"({contract.ENV_SCHEDULE}) and the healthcheck becomes `{stack.HEALTHCHECK_TEST[1]}`, which reports readiness "
        "and a failed last dump."
    ),
    check=check,
)
