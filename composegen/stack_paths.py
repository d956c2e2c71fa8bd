"""Where a stack's utils/ and data/ folders are on the host: the Postgres service's own mounts say,
else the defaults beside the compose file (docs/runtime.md)."""

from __future__ import annotations

from pathlib import Path

from composegen import stack
from composegen.detect import split_volume_spec


def mount_source(service: object, target: str) -> tuple[int, str | None] | None:
    """(index in `volumes`, host source) of the mount at `target`, or None."""
    volumes = service.get("volumes") if hasattr(service, "get") else None
    if not isinstance(volumes, list):
        return None
    for index, item in enumerate(volumes):
        if isinstance(item, str):
            parts = split_volume_spec(item)
            if len(parts) > 1 and parts[1].rstrip("/") == target:
                return index, parts[0]
        elif hasattr(item, "get") and str(item.get("target", "")).rstrip("/") == target:
            source = item.get("source")
            return index, None if source is None else str(source)
    return None


def host_folder(compose_folder: Path, service: object, target: str, default: str) -> Path:
    """The host folder mounted at `target` when it is written as a plain relative path, else `default`."""
    found = mount_source(service, target)
    source = found[1] if found else None
    if source and source.startswith(".") and "$" not in source:
        return Path(compose_folder) / source
    return Path(compose_folder) / default


def utils_folder(compose_folder: Path, service: object) -> Path:
    return host_folder(compose_folder, service, stack.CONTAINER_UTILS, "utils")


def data_folder(compose_folder: Path, service: object) -> Path:
    return host_folder(compose_folder, service, stack.CONTAINER_DUMPS, "data")
