"""The keys composegen owns in a Postgres service, as data: one source for init, patch and lint.

`postgres_service_keys()` gives them in the order init writes them; `emit_key()` turns one key into
YAML text at a given indentation, so patch can place it by position in a user's file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from composegen import contract, stack


@dataclass(frozen=True)
class RuntimeOptions:
    schedule: str = contract.DEFAULT_SCHEDULE
    keep: int = contract.DEFAULT_KEEP
    compression: str = contract.DEFAULT_COMPRESSION


def runtime_environment(options: RuntimeOptions) -> dict[str, str]:
    """The environment entries the runtime scripts read (values as strings, as Compose passes them)."""
    return {
        "PGDATA": stack.CONTAINER_PGDATA,
        contract.ENV_SCHEDULE: str(options.schedule),
        contract.ENV_KEEP: str(options.keep),
        contract.ENV_COMPRESSION: options.compression,
    }


def postgres_service_keys() -> dict[str, object]:
    """The service keys of the setup, except `image` and `environment` (those are per stack)."""
    return {
        "restart": stack.RESTART,
        "entrypoint": list(stack.ENTRYPOINT),
        "volumes": [stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE],
        "tmpfs": list(stack.VOLUME_PATHS),
        "stop_signal": stack.STOP_SIGNAL,
        "stop_grace_period": stack.STOP_GRACE_PERIOD,
        "healthcheck": {
            "test": list(stack.HEALTHCHECK_TEST),
            "interval": "10s",
            "timeout": "10s",
            "retries": 3,
            "start_period": "10m",
        },
    }


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
