"""The shape of a composegen stack: the names every command agrees on.

init renders it, patch retrofits it, lint checks it, status and down read what it writes.
The runtime scripts (templates/utils/) read the same names from the container's environment.
What the runtime scripts themselves agree on with the commands (folders, options, file names) is
composegen/contract.py. docs/runtime.md explains each choice.
"""

from composegen.contract import DUMPS_DIR, UTILS_DIR

# Files of utils/, rendered from templates/utils/<name>.j2, all mode 0755.
UTILS_SCRIPTS = ("entrypoint", "dump", "restore", "healthcheck", "lib.sh")
UTILS_MODE = 0o755
DATA_DIR_MODE = 0o700
ENV_FILE_MODE = 0o600

# Paths inside the Postgres container.
CONTAINER_INITDB_RESTORE = "/docker-entrypoint-initdb.d/000-composegen-restore.sh"
CONTAINER_PGDATA = "/pgdata"
# A service with `user:` (rule 19) cannot create /pgdata: / belongs to root. /var/tmp is in the container
# layer too (not a volume: it survives restart, stop/start and a crash, and goes with the container at
# `down`, rule 14) and is world-writable with the sticky bit (1777) in every Debian and Alpine base, as
# the runtime's state folder (contract.STATE_DIR) already relies on. The official Dockerfiles' folder
# for "semi-arbitrary --user values", /var/lib/postgresql (1777), is the image's VOLUME in 18+, under
# the setup's tmpfs: a PGDATA there would not survive a stop.
CONTAINER_PGDATA_NONROOT = "/var/tmp/pgdata"


def runs_as_root(user: object) -> bool:
    """True for a service without `user:`, or whose `user:` names uid 0 (by number or as root)."""
    if user is None:
        return True
    return str(user).strip().split(":", 1)[0] in ("0", "root")


def container_pgdata(user: object = None) -> str:
    """PGDATA for a service running as `user` (its `user:` value, None when it has none)."""
    return CONTAINER_PGDATA if runs_as_root(user) else CONTAINER_PGDATA_NONROOT
# The official image declares VOLUME /var/lib/postgresql/data (<= 17) or /var/lib/postgresql (18+).
# A tmpfs over each keeps Docker from creating an anonymous volume (a leaked copy of PGDATA).
VOLUME_PATHS = ("/var/lib/postgresql", "/var/lib/postgresql/data")

# Volume entries of the Postgres service (host side relative to the compose file).
VOLUME_DUMPS = f"./data:{DUMPS_DIR}"
VOLUME_UTILS = f"./utils:{UTILS_DIR}:ro"
VOLUME_RESTORE = f"./utils/restore:{CONTAINER_INITDB_RESTORE}:ro"

ENTRYPOINT = [f"{UTILS_DIR}/entrypoint"]
# The official image's own ENTRYPOINT (on PATH, in /usr/local/bin) and CMD. /utils/entrypoint runs the
# image's entrypoint, named by ENV_ENTRYPOINT (words separated by spaces) when it is not the official
# one; `command:` carries the image's CMD (rule 16). templates/utils/lib.sh holds the same defaults.
OFFICIAL_ENTRYPOINT = ["docker-entrypoint.sh"]
OFFICIAL_ENTRYPOINT_PATH = "/usr/local/bin/docker-entrypoint.sh"
OFFICIAL_CMD = ["postgres"]
ENV_ENTRYPOINT = "COMPOSEGEN_ENTRYPOINT"
HEALTHCHECK_TEST = ["CMD", f"{UTILS_DIR}/healthcheck"]
STOP_SIGNAL = "SIGTERM"
STOP_GRACE_PERIOD = "5m"
RESTART = "unless-stopped"

DEFAULT_POSTGRES_VERSION = 17
POSTGRES_VERSIONS = range(13, 19)

