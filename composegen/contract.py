"""The runtime contract: every fact the runtime scripts (templates/utils/) and the Python commands share.

One source: the commands import these names, and the shell library receives them in its header
(rendered by Jinja, the same bytes for every stack). docs/runtime.md explains each fact.
tests/test_contract.py fails when a literal copy of one appears anywhere else under composegen/ or templates/.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

# --- where things live, inside the Postgres container ---------------------------------------------
UTILS_DIR = "/utils"
DUMPS_DIR = "/dumps"  # the host's ./data
STATE_DIR = "/var/tmp/composegen"  # the container's own layer: a recreated container starts clean
# Overrides of the three folders, for the tests that run the scripts on the host (never set in a stack).
ENV_UTILS_DIR = "COMPOSEGEN_UTILS_DIR"
ENV_DUMPS_DIR = "COMPOSEGEN_DUMPS_DIR"
ENV_STATE_DIR = "COMPOSEGEN_STATE_DIR"

# --- options, from the service's environment (the scripts are the same for every stack) --------
ENV_SCHEDULE = "COMPOSEGEN_SCHEDULE"
ENV_KEEP = "COMPOSEGEN_KEEP"
ENV_COMPRESSION = "COMPOSEGEN_COMPRESSION"
DEFAULT_SCHEDULE = "1h"
DEFAULT_KEEP = 3
DEFAULT_COMPRESSION = "zstd"
# Compression name -> the extension of its dump files.
COMPRESSIONS = {"zstd": "zst", "gzip": "gz"}

# The schedule: 0 (dumps on stop only), or a whole number of seconds, minutes, hours or days, 1 to 9
# digits without a leading zero ("90" is seconds; nine digits at most, so no shell arithmetic overflows).
# An extended regular expression that Python's re and bash's [[ =~ ]] read alike. The spec schema
# (schemas/service-spec.schema.json) holds it too, for editors: tests/test_contract.py keeps them equal.
SCHEDULE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SCHEDULE_PATTERN = "^(0|[1-9][0-9]{0,8}[smhd]?)$"


def schedule_seconds(text: str) -> int | None:
    """Seconds between scheduled dumps (0: none), or None when `text` is not a schedule."""
    if not isinstance(text, str) or "\n" in text or not re.match(SCHEDULE_PATTERN, text):
        return None
    number = text.rstrip("".join(SCHEDULE_UNITS))
    return int(number) * SCHEDULE_UNITS.get(text[len(number):], 1)


# --- dump files, in DUMPS_DIR -----------------------------------------------------------------
DUMP_PREFIX = "cluster-"
# When the dump was taken, in UTC: strftime's and date(1)'s format alike. Names sort by time.
DUMP_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# A good dump's whole name; groups: year, month, day, hour, minute, second, extension. ERE syntax.
DUMP_NAME_PATTERN = (
    "^" + DUMP_PREFIX + "([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z"
    r"\.sql\.(" + "|".join(COMPRESSIONS.values()) + ")$"
)
# A dump being written is named "." + its final name + this; it is never restored.
DUMP_TEMP_SUFFIX = ".tmp"
# pg_dumpall's last line but for "--" and blank lines: a dump without it is incomplete.
TRAILER = "-- PostgreSQL database cluster dump complete"


def dump_file_name(compression: str, now: datetime | None = None) -> str:
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{DUMP_PREFIX}{now.strftime(DUMP_TIME_FORMAT)}.sql.{COMPRESSIONS[compression]}"


def dump_time(name: str) -> datetime | None:
    """The UTC time in a good dump's name; None for any other name."""
    match = re.match(DUMP_NAME_PATTERN, name) if "\n" not in name else None
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()[:6]), tzinfo=timezone.utc)
    except ValueError:  # 20261399T...: the runtime never writes it, so it is not a dump
        return None


def temp_dump_name(name: str) -> str:
    return f".{name}{DUMP_TEMP_SUFFIX}"


# --- the record of the last attempt, in DUMPS_DIR -------------------------------------------------
RECORD_FILE = "composegen-status.json"
RECORD_VERSION = 1  # written by lib.sh's cg_write_status; a reader refuses any other
OUTCOMES = ("written", "skipped", "failed")
TRIGGERS = ("schedule", "stop", "manual")

# --- state of one container, in STATE_DIR --------------------------------------------------------
MARKER_INIT_PENDING = "init-pending"  # initialization (and restore) not finished
MARKER_RESTORE_DONE = "restore-done"  # the restore completed
MARKER_STOPPING = "stopping"  # the stop signal arrived
BASELINE_FILE = "baseline"  # the fingerprint of the last good dump
LAST_OUTCOME_FILE = "last-outcome"  # what the healthcheck reads
LOCK_DIR = "dump.lock"  # one dump at a time (rule 9)
PRIVATE_SOCKET_DIR = "sock"  # the private server of the stop-time dump (rule 13)


def shell_facts() -> dict[str, str]:
    """The facts the shell library's header defines, {variable name: value}, in their order there."""
    return {
        "CG_DEFAULT_UTILS": UTILS_DIR,
        "CG_DEFAULT_DUMPS": DUMPS_DIR,
        "CG_DEFAULT_STATE": STATE_DIR,
        "CG_DEFAULT_SCHEDULE": DEFAULT_SCHEDULE,
        "CG_DEFAULT_KEEP": str(DEFAULT_KEEP),
        "CG_DEFAULT_COMPRESSION": DEFAULT_COMPRESSION,
        "CG_SCHEDULE_RE": SCHEDULE_PATTERN,
        "CG_DUMP_PREFIX": DUMP_PREFIX,
        "CG_DUMP_TIME_FORMAT": DUMP_TIME_FORMAT,
        "CG_DUMP_RE": DUMP_NAME_PATTERN,
        "CG_TEMP_SUFFIX": DUMP_TEMP_SUFFIX,
        "CG_TRAILER": TRAILER,
        "CG_RECORD_FILE": RECORD_FILE,
        "CG_RECORD_VERSION": str(RECORD_VERSION),
    }
