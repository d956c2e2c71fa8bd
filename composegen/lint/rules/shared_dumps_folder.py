"""CG013: two Postgres services mount one dumps folder (rule 18)."""

from composegen.compose import dumps_layout
from composegen.compose import model as compose_model
from composegen.compose.positions import item_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule
from composegen.lint.rules._stack_files import mount_of
from composegen import contract


def check(document, context):
    services = [(found.name, found.mapping) for found in document.postgres_services()
                if compose_model.runs_composegen_entrypoint(found.mapping)]
    for folder, names in dumps_layout.shared_folders(services).items():
        for name in names:
            mapping = dict(services)[name]
            entry = mount_of(mapping, contract.DUMPS_DIR)
            line, column = item_position(mapping.get("volumes"), entry.index)
            others = ", ".join(f"'{other}'" for other in names if other != name)
            yield Issue(line, column, f"Postgres service '{name}' keeps its dumps in {folder}, as {others} does: a "
                        f"fresh start can restore the other service's dump and retention deletes its dumps; "
                        f"fix: composegen patch {document.path} (gives each service ./data/<service>)")


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
)
