"""CG013: two Postgres services mount one dumps folder (rule 18)."""

from composegen import contract
from composegen.compose import dumps_layout
from composegen.compose import model as compose_model
from composegen.compose.positions import item_position
from composegen.compose.stack_paths import mount_source
from composegen.lint.finding import Severity
from composegen.lint.rule import FILE, Issue, Rule


def check(document, context):
    services = dict((found.name, found.mapping) for found in document.postgres_services()
                    if compose_model.runs_composegen_entrypoint(found.mapping))
    for folder, names in dumps_layout.shared_folders(list(services.items())).items():
        for name in names:
            index, _ = mount_source(services[name], contract.DUMPS_DIR)
            others = ", ".join(f"'{other}'" for other in names if other != name)
            yield Issue(*item_position(services[name].get("volumes"), index), f"Postgres service '{name}' keeps "
                        f"its dumps in {folder}, as {others} does: a fresh start can restore the other service's "
                        f"dump and retention deletes its dumps; fix: {document.patch_command} (gives "
                        f"each service ./data/<service>)")


RULE = Rule(
    id="CG013",
    name="shared-dumps-folder",
    severity=Severity.error,
    summary="Two Postgres services keep their dumps in one folder.",
    explanation=(
        f"Each Postgres service restores the newest dump of its {contract.DUMPS_DIR} folder on a fresh start, "
        f"and keeps only the newest {contract.ENV_KEEP} dumps there. Two services on one folder restore each other's "
        "data and delete each other's dumps. Fix: run `composegen patch <compose file>`: with several "
        "Postgres services each gets ./data/<service>; patch deletes no dump and says how to give each "
        "service a fresh dump in its new folder."
    ),
    check=check,
    scope=FILE,
)
