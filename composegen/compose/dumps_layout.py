"""Rule 18: every Postgres service of a file has a dumps folder of its own.

A file with one Postgres service keeps `./data` (the stacks that exist today stay as they are); with
several, each service gets `./data/<service>`. A service whose dumps folder is already its own keeps
it (moving it would hide its dumps from its next restore). Two services on one folder would restore
each other's newest dump and delete each other's dumps (retention): those are given their own.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from composegen import contract
from composegen.compose.stack_paths import mount_source

SINGLE = "./data"


def folder_key(source: str) -> str:
    """A written bind source as a comparable path (`./data/`, `data` and `./data` are one folder)."""
    text = source.strip()
    if text.startswith("./") or not text.startswith(("/", "~", "$")):
        text = "./" + posixpath.normpath(text)
        return "./" if text == "./." else text
    return posixpath.normpath(text)


def per_service(name: str) -> str:
    return f"{SINGLE}/{name}"


def current_folder(service_mapping: object) -> str | None:
    """The dumps folder as written in the service's `/dumps` mount, or None."""
    found = mount_source(service_mapping, contract.DUMPS_DIR)
    return found[1] if found else None


@dataclass(frozen=True)
class Assignment:
    service: str
    folder: str  # as it goes into the mount: "./data" or "./data/<service>" (or the one it keeps)
    previous: str | None  # what the service mounts at /dumps today
    shared_with: tuple[str, ...]  # the other services that mount the same folder today

    @property
    def moves(self) -> bool:
        return self.previous is not None and folder_key(self.previous) != folder_key(self.folder)


def assign(services: list[tuple[str, object]]) -> dict[str, Assignment]:
    """{service: Assignment} for the Postgres services of one file, given as (name, mapping) in file order."""
    current = {name: current_folder(mapping) for name, mapping in services}
    users: dict[str, list[str]] = {}
    for name, source in current.items():
        if source is not None:
            users.setdefault(folder_key(source), []).append(name)
    several = len(services) > 1
    result = {}
    for name, _ in services:
        source = current[name]
        sharing = tuple(other for other in users.get(folder_key(source), []) if other != name) if source else ()
        if source is not None and not sharing and not (several and folder_key(source) == folder_key(SINGLE)):
            folder = source  # its own already
        else:
            folder = per_service(name) if several else SINGLE
        result[name] = Assignment(name, folder, source, sharing)
    return result


def shared_folders(services: list[tuple[str, object]]) -> dict[str, list[str]]:
    """{folder: services} for each dumps folder that more than one service mounts."""
    users: dict[str, list[str]] = {}
    for name, mapping in services:
        source = current_folder(mapping)
        if source is not None and "$" not in source:
            users.setdefault(folder_key(source), []).append(name)
    return {folder: names for folder, names in users.items() if len(names) > 1}
