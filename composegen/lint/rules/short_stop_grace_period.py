"""CG007: stop_grace_period shorter than the setup's, which the stop-time dump needs (or Compose's 10s default)."""

from composegen import stack
from composegen.compose import model as compose_model
from composegen.compose.positions import value_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule
from composegen.service_block import grace_is_enough


def check(name, service, context):
    if "stop_grace_period" in service:
        value = service.get("stop_grace_period")
        seconds = compose_model.duration_seconds(value)
        if seconds is None or grace_is_enough(seconds):
            return  # not a literal duration (e.g. from a variable): nothing to judge
        line, column = value_position(service, "stop_grace_period")
        yield Issue(line, column, f"Postgres service '{name}' has stop_grace_period {value} "
                    f"(< {stack.STOP_GRACE_PERIOD}): the stop can be killed mid-dump; "
                    f"fix: stop_grace_period: {stack.STOP_GRACE_PERIOD}")
    elif compose_model.runs_composegen_entrypoint(service):
        # Only with the setup: a stop then takes a dump, and Compose's default is 10s.
        yield Issue(*context.service_position(), f"Postgres service '{name}' has no stop_grace_period (Compose "
                    f"waits 10s, then kills the stop-time dump); fix: stop_grace_period: {stack.STOP_GRACE_PERIOD}")


RULE = Rule(
    id="CG007",
    name="short-stop-grace-period",
    severity=Severity.error,
    summary=f"stop_grace_period is shorter than {stack.STOP_GRACE_PERIOD}.",
    explanation=(
        "On `docker compose stop` or `down` the entrypoint shuts Postgres down and takes the final dump; "
        "when the grace period runs out first, Docker sends SIGKILL and the dump is lost (the previous good "
        "dump stays, but everything written since is gone at `down`). Compose's default is 10 seconds. "
        f"Fix: `stop_grace_period: {stack.STOP_GRACE_PERIOD}` (what `composegen patch` sets), or longer for "
        "databases whose dump takes longer."
    ),
    check=check,
)
