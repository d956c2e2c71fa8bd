"""CG001: a Postgres service without (all of) the dump/restore setup."""

from composegen.compose import model as compose_model
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule
from composegen.service_block import missing_setup


def check(name, service, context):
    if not context.postgres.patchable:
        return  # a different image contract: other-contract-image says so
    missing = missing_setup(service)
    if not missing:
        return
    if not compose_model.runs_composegen_entrypoint(service):
        what = "has no dump/restore setup: its data lives only in the container or a volume"
    else:
        what = "has an incomplete dump/restore setup (missing: " + ", ".join(missing) + ")"
    from composegen.patch.run import refusal

    reason = refusal(context.postgres)
    fix = f"patch refuses it as it is: {reason}" if reason else f"fix: {context.document.patch_command}"
    yield Issue(*context.service_position(), f"Postgres service '{name}' {what}; {fix}")


RULE = Rule(
    id="CG001",
    name="missing-setup",
    severity=Severity.error,
    summary="Postgres service without the dump/restore setup.",
    explanation=(
        "A Postgres service keeps its state in PGDATA, inside a Docker volume or the container, which a "
        "file-level backup of the stack's folder cannot copy consistently. composegen's setup dumps every "
        "database into ./data on stop and on a schedule and restores it on a fresh start (docs/runtime.md). "
        "Fix: run `composegen patch <compose file>`, which adds the entrypoint, volumes, tmpfs, PGDATA and "
        "healthcheck and writes utils/, taking a dump first if the service holds data in a volume."
    ),
    check=check,
)
