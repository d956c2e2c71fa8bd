"""Where a stack's utils/ and data/ folders are on the host, from the service's own mounts."""

from __future__ import annotations

from pathlib import Path

from composegen import stack
from composegen.lint import compose_model


def mount_of(service, target: str):
    for entry in compose_model.volume_entries(service):
        if entry.target == target:
            return entry
    return None


def host_folder(document, service, target: str, default: str) -> Path:
    """The host folder mounted at `target` when it is a plain relative path, else `default` beside the file."""
    entry = mount_of(service, target)
    source = entry.source if entry is not None else None
    if source and source.startswith(".") and "$" not in source:
        return document.folder / source
    return document.folder / default


def utils_folder(document, service) -> Path:
    return host_folder(document, service, stack.CONTAINER_UTILS, "utils")


def data_folder(document, service) -> Path:
    return host_folder(document, service, stack.CONTAINER_DUMPS, "data")
