"""The setup of a Postgres service, as data: one source for init, patch and lint.

`postgres_service_keys()` gives its keys in the order init writes them; `missing_setup()` says what a
service lacks of it (lint's CG001); `grace_is_enough()` judges a stop grace period against the one the
setup gives (patch raises a shorter one, lint's CG007 reports it); `emit_key()` turns one key into YAML
text at a given indentation, so patch can place it by position in a user's file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from composegen import contract, stack

# Compose clears the image's CMD when a service sets `entrypoint:`: the setup names it again (the
# official CMD, or the image's own: RuntimeOptions.image_cmd; /utils/entrypoint passes it on).
COMMAND = list(stack.OFFICIAL_CMD)
# A long start period: the healthcheck says "unhealthy: restoring" while a large dump loads.
HEALTHCHECK_TIMINGS = {"interval": "10s", "timeout": "10s", "retries": 3, "start_period": "10m"}


@dataclass(frozen=True)
class RuntimeOptions:
    schedule: str = contract.DEFAULT_SCHEDULE
    keep: int = contract.DEFAULT_KEEP
    compression: str = contract.DEFAULT_COMPRESSION
    # What the image runs (rule 16): its ENTRYPOINT for /utils/entrypoint (None: the official one)
    # and its CMD, the service's `command:` unless it has its own.
    image_entrypoint: str | None = None
    image_cmd: tuple[str, ...] = tuple(stack.OFFICIAL_CMD)
    # The service's `user:` (rule 19; None: the image's default, root): PGDATA must be where it can create it.
    user: str | None = None


def runtime_environment(options: RuntimeOptions) -> dict[str, str]:
    """The environment entries the runtime scripts read (values as strings, as Compose passes them)."""
    env = {
        "PGDATA": stack.container_pgdata(options.user),
        contract.ENV_SCHEDULE: str(options.schedule),
        contract.ENV_KEEP: str(options.keep),
        contract.ENV_COMPRESSION: options.compression,
    }
    if options.image_entrypoint is not None:
        env[stack.ENV_ENTRYPOINT] = options.image_entrypoint
    return env


def postgres_service_keys() -> dict[str, object]:
    """The service keys of the setup, except `image` and `environment` (those are per stack)."""
    return {
        "restart": stack.RESTART,
        "entrypoint": list(stack.ENTRYPOINT),
        "command": list(COMMAND),
        "volumes": [stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE],
        "tmpfs": list(stack.VOLUME_PATHS),
        "stop_signal": stack.STOP_SIGNAL,
        "stop_grace_period": stack.STOP_GRACE_PERIOD,
        "healthcheck": {"test": list(stack.HEALTHCHECK_TEST), **HEALTHCHECK_TIMINGS},
    }


def stop_grace_seconds() -> float:
    """The stop grace period the setup gives the stop-time dump, in seconds."""
    from composegen.compose.model import duration_seconds

    return duration_seconds(stack.STOP_GRACE_PERIOD)


def grace_is_enough(seconds: float) -> bool:
    """A stop grace period of `seconds` leaves the stop-time dump the time the setup gives it: a shorter
    one lets Docker kill the dump mid-way (patch raises it, lint reports it)."""
    return seconds >= stop_grace_seconds()


def missing_setup(service: object) -> list[str]:
    """The parts of the setup (docs/runtime.md) a service lacks, in the order init writes them."""
    from composegen.compose.detect import environment_value
    from composegen.compose.model import command_words, runs_composegen_entrypoint, volume_entries

    missing = []
    if not runs_composegen_entrypoint(service):
        missing.append(f"entrypoint {stack.ENTRYPOINT[0]}")
    pgdata = stack.container_pgdata(service.get("user"))
    if environment_value(service, "PGDATA") != pgdata:
        missing.append(f"PGDATA={pgdata}")
    targets = {entry.target for entry in volume_entries(service)}
    for entry in (stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE):
        if entry.split(":")[1] not in targets:
            missing.append(f"volume {entry}")
    tmpfs = service.get("tmpfs")
    tmpfs_items = tmpfs if isinstance(tmpfs, list) else [tmpfs] if tmpfs else []
    if not set(stack.VOLUME_PATHS) <= {str(item).split(":")[0].rstrip("/") for item in tmpfs_items}:
        missing.append("tmpfs over " + " and ".join(stack.VOLUME_PATHS))
    healthcheck = service.get("healthcheck")
    test = command_words(healthcheck.get("test")) if hasattr(healthcheck, "get") else []
    if test[1:] != stack.HEALTHCHECK_TEST[1:]:
        missing.append(f"healthcheck {stack.HEALTHCHECK_TEST[1]}")
    return missing


def emit_key(key: str, value: object, indent: int, step: int = 2) -> str:
    """YAML text for `key: value` starting at column `indent`, nested levels `step` further in.

    Short lists of scalars (entrypoint, healthcheck test) come out in flow style, as people write them.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def convert(obj, flow_lists: bool):
        if isinstance(obj, dict):
            out = CommentedMap()
            for k, v in obj.items():
                out[k] = convert(v, flow_lists=k in ("test",))
            return out
        if isinstance(obj, list):
            seq = CommentedSeq(obj)
            if flow_lists:
                seq.fa.set_flow_style()
            return seq
        return obj

    doc = CommentedMap()
    doc[key] = convert(value, flow_lists=key in ("entrypoint", "command"))
    yaml = YAML()
    yaml.indent(mapping=step, sequence=step + 2, offset=step)
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump(doc, buf)
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in buf.getvalue().splitlines(keepends=True))
