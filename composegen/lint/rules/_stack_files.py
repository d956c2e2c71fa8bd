"""The stack's utils/ and data/ folders for a rule, and the mount entry to point a finding at."""

from __future__ import annotations

from pathlib import Path

from composegen.compose import stack_paths
from composegen.compose import model as compose_model


def mount_of(service, target: str):
    for entry in compose_model.volume_entries(service):
        if entry.target == target:
            return entry
    return None


def utils_folder(document, service) -> Path:
    return stack_paths.utils_folder(document.folder, service)


def data_folder(document, service) -> Path:
    return stack_paths.data_folder(document.folder, service)
