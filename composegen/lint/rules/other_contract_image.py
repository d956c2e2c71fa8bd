"""CG012: a Postgres image whose contract differs from the official image's (the setup cannot apply)."""

from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    found = context.postgres
    if not found.patchable:
        yield Issue(*context.service_position(), f"Postgres service '{name}' runs {found.image}: {found.reason}, so "
                    f"composegen's dump/restore setup does not apply; fix: back its data up another way, or "
                    f"move it to the official postgres image and run {context.document.patch_command}")


RULE = Rule(
    id="CG012",
    name="other-contract-image",
    severity=Severity.warning,
    summary="Postgres image with a different contract: no dump/restore setup possible.",
    explanation=(
        "composegen's runtime relies on the official postgres image's contract (docker-entrypoint.sh, "
        "POSTGRES_* variables, /docker-entrypoint-initdb.d, PGDATA). Images such as bitnami/postgresql or "
        "sourcegraph's keep their data elsewhere and start differently, so `composegen patch` leaves them "
        "alone and their data still lives only in a volume. Fix: back them up by other means, or switch "
        "the service to the official image (or one built on it) and run `composegen patch <compose file>`; "
        "silence this finding per service with `# composegen: ignore[CG012]` once that is handled."
    ),
    check=check,
)
