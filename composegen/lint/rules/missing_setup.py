"""CG001: a Postgres service without (all of) the dump/restore setup."""

from composegen import stack
from composegen.compose.detect import environment_value
from composegen.compose import model as compose_model
from composegen.lint.finding import Severity
from composegen.compose.positions import key_position
from composegen.lint.rule import Issue, Rule


def missing_parts(service) -> list[str]:
    """The parts of the setup (docs/runtime.md) the service lacks, in the order init writes them."""
    missing = []
    if not compose_model.runs_composegen_entrypoint(service):
        missing.append(f"entrypoint {stack.ENTRYPOINT[0]}")
    if environment_value(service, "PGDATA") != stack.CONTAINER_PGDATA:
        missing.append(f"PGDATA={stack.CONTAINER_PGDATA}")
    targets = {entry.target for entry in compose_model.volume_entries(service)}
    for entry in (stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE):
        if entry.split(":")[1] not in targets:
            missing.append(f"volume {entry}")
    tmpfs = service.get("tmpfs")
    tmpfs_targets = {str(item).split(":")[0].rstrip("/") for item in (tmpfs if isinstance(tmpfs, list) else [tmpfs] if tmpfs else [])}
    if not set(stack.VOLUME_PATHS) <= tmpfs_targets:
        missing.append("tmpfs over " + " and ".join(stack.VOLUME_PATHS))
    healthcheck = service.get("healthcheck")
    test = compose_model.command_words(healthcheck.get("test")) if hasattr(healthcheck, "get") else []
    if test[1:] != stack.HEALTHCHECK_TEST[1:]:
        missing.append(f"healthcheck {stack.HEALTHCHECK_TEST[1]}")
    return missing


def check(document, context):
    for found in document.postgres_services():
        name, service = found.name, found.mapping
        if not found.patchable:
            continue  # a different image contract: other-contract-image says so
        missing = missing_parts(service)
        if not missing:
            continue
        line, column = key_position(document.services, name)
        if not compose_model.runs_composegen_entrypoint(service):
            what = "has no dump/restore setup: its data lives only in the container or a volume"
        else:
            what = "has an incomplete dump/restore setup (missing: " + ", ".join(missing) + ")"
        yield Issue(line, column, f"Postgres service '{name}' {what}; fix: composegen patch {document.path}")


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
