"""Where a stack's utils/ and data/ folders are on the host: the Postgres service's own mounts say,
else the defaults beside the compose file (docs/runtime.md)."""

from __future__ import annotations

from pathlib import Path

from composegen import contract
from composegen.compose.model import volume_entries


def mount_source(service: object, target: str) -> tuple[int, str | None] | None:
    """(index in `volumes`, host source) of the mount at `target`, or None."""
    for entry in volume_entries(service):
        if entry.target == target:
            return entry.index, entry.source
    return None


def host_folder(compose_folder: Path, service: object, target: str, default: str) -> Path:
    """The host folder mounted at `target` when it is written as a plain relative path, else `default`."""
    found = mount_source(service, target)
    source = found[1] if found else None
    if source and source.startswith((".", "/")) and "$" not in source:
        return Path(compose_folder) / source  # an absolute source (from an included file) stays as it is
    return Path(compose_folder) / default


def utils_folder(compose_folder: Path, service: object) -> Path:
    return host_folder(compose_folder, service, contract.UTILS_DIR, "utils")


def data_folder(compose_folder: Path, service: object) -> Path:
    return host_folder(compose_folder, service, contract.DUMPS_DIR, "data")
