"""The shape of a composegen stack: the names every command agrees on.

init renders it, patch retrofits it, lint checks it, status and down read what it writes.
The runtime scripts (templates/utils/) read the same names from the container's environment.
docs/runtime.md explains each choice.
"""

# Files of utils/, rendered from templates/utils/<name>.j2, all mode 0755.
UTILS_SCRIPTS = ("entrypoint", "dump", "restore", "healthcheck", "lib.sh")
UTILS_MODE = 0o755
DATA_DIR_MODE = 0o700
ENV_FILE_MODE = 0o600

# Paths inside the Postgres container.
CONTAINER_UTILS = "/utils"
CONTAINER_DUMPS = "/dumps"
CONTAINER_INITDB_RESTORE = "/docker-entrypoint-initdb.d/000-composegen-restore.sh"
CONTAINER_PGDATA = "/pgdata"
# The official image declares VOLUME /var/lib/postgresql/data (<= 17) or /var/lib/postgresql (18+).
# A tmpfs over each keeps Docker from creating an anonymous volume (a leaked copy of PGDATA).
VOLUME_PATHS = ("/var/lib/postgresql", "/var/lib/postgresql/data")

# Volume entries of the Postgres service (host side relative to the compose file).
VOLUME_DUMPS = "./data:/dumps"
VOLUME_UTILS = "./utils:/utils:ro"
VOLUME_RESTORE = "./utils/restore:/docker-entrypoint-initdb.d/000-composegen-restore.sh:ro"

ENTRYPOINT = ["/utils/entrypoint"]
HEALTHCHECK_TEST = ["CMD", "/utils/healthcheck"]
STOP_SIGNAL = "SIGTERM"
STOP_GRACE_PERIOD = "5m"
RESTART = "unless-stopped"

# Runtime options, passed as environment variables (the scripts are the same for every stack,
# so drift is a plain comparison with what composegen renders today).
ENV_SCHEDULE = "COMPOSEGEN_SCHEDULE"  # e.g. 1h, 30m, 90s, 0 = no scheduled dumps
ENV_KEEP = "COMPOSEGEN_KEEP"  # good dumps kept
ENV_COMPRESSION = "COMPOSEGEN_COMPRESSION"  # zstd | gzip

DEFAULT_SCHEDULE = "1h"
DEFAULT_KEEP = 3
DEFAULT_COMPRESSION = "zstd"
DEFAULT_POSTGRES_VERSION = 17
POSTGRES_VERSIONS = range(13, 19)

# What the runtime writes into data/ (the host side of /dumps).
DUMP_GLOB = "cluster-*.sql.*"  # cluster-20261124T203000Z.sql.zst / .sql.gz
STATUS_FILE = "composegen-status.json"  # the record of the last attempt and the last good dump
