"""CG011: a Postgres service with no restart policy."""

from composegen.lint.finding import Severity
from composegen.compose.positions import key_position, value_position
from composegen.lint.rule import Issue, Rule


def check(document, context):
    for found in document.postgres_services():
        name, service = found.name, found.mapping
        deploy = service.get("deploy")
        if hasattr(deploy, "get") and deploy.get("restart_policy") is not None:
            continue  # swarm-style policy
        restart = service.get("restart")
        if restart is None:
            line, column = key_position(document.services, name)
        elif restart is False or str(restart).strip().lower() == "no":
            line, column = value_position(service, "restart")
        else:
            continue
        yield Issue(line, column, f"Postgres service '{name}' has no restart policy: after a crash or a reboot "
                    f"it stays down; fix: restart: unless-stopped")


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
