"""CG011: a Postgres service with no restart policy."""

from composegen import stack
from composegen.compose.positions import value_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    deploy = service.get("deploy")
    if hasattr(deploy, "get") and deploy.get("restart_policy") is not None:
        return  # swarm-style policy
    restart = service.get("restart")
    if restart is None:
        line, column = context.service_position()
    elif restart is False or str(restart).strip().lower() == "no":
        line, column = value_position(service, "restart")
    else:
        return
    yield Issue(line, column, f"Postgres service '{name}' has no restart policy: after a crash or a reboot "
                f"it stays down; fix: restart: {stack.RESTART}")


RULE = Rule(
    id="CG011",
    name="no-restart-policy",
    severity=Severity.warning,
    summary="Postgres service without a restart policy.",
    explanation=(
        "The entrypoint exits non-zero when Postgres dies or a restore fails, so that the restart policy "
        "acts (and retries the restore loudly). Without one (`restart` missing or `no`) the database stays "
        "down after a crash, an OOM kill or a host reboot. Fix: `restart: unless-stopped`."
    ),
    check=check,
)
