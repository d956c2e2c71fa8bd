"""CG005: a volume or bind mount at PGDATA beside the setup."""

from composegen.compose.positions import item_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    # Without the setup that mount is the only copy of the data: missing-setup covers it.
    for mount in context.postgres.data_mounts:
        line, column = item_position(service.get("volumes"), mount.index)
        what = f"{mount.kind} '{mount.source}'" if mount.source else "an anonymous volume"
        yield Issue(line, column, f"Postgres service '{name}' mounts {what} at {mount.target} beside "
                    f"the dump setup: a second copy of PGDATA that outlives `down`; "
                    f"fix: remove this mount once a good dump is in ./data (see composegen status)")


RULE = Rule(
    id="CG005",
    name="pgdata-mount",
    severity=Severity.error,
    summary="A volume or bind mount at PGDATA beside the dump setup.",
    explanation=(
        "With the setup the dump in ./data is the database at rest, and PGDATA lives in the container's "
        "own layer (PGDATA=/pgdata, a tmpfs over the image's VOLUME paths). A volume or bind mount at "
        "PGDATA or /var/lib/postgresql keeps a second, stale copy of the data that survives `down`, is "
        "readable by anyone with access to the volume, and makes a recreate skip the restore. Fix: confirm "
        "a recent good dump with `composegen status`, then delete the mount (and the volume, "
        "`docker volume rm`, once you no longer need it)."
    ),
    check=check,
    only_with_setup=True,
)
