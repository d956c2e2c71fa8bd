"""Which compose files a lint run looks at."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from composegen.errors import UserError
from composegen.compose import git
from composegen.compose.gitignore_reader import IgnoreRules

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
SKIPPED_FOLDERS = {".git"}


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _walk_without_git(top: Path, patterns: tuple[str, ...]) -> list[Path]:
    rules = IgnoreRules()
    found: list[Path] = []
    for folder, subfolders, files in os.walk(top):
        here = Path(folder)
        subfolders[:] = sorted(
            name for name in subfolders
            if name not in SKIPPED_FOLDERS and not rules.is_ignored(here / name, top, is_folder=True)
        )
        for name in sorted(files):
            if _matches(name, patterns) and not rules.is_ignored(here / name, top, is_folder=False):
                found.append(here / name)
    return found


def _files_under(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    listed = git.listed_files(folder)
    if listed is None:
        return _walk_without_git(folder, patterns)
    return sorted(
        path for path in listed
        if _matches(path.name, patterns) and ".git" not in path.relative_to(folder).parts and path.is_file()
    )


def compose_file_in(path: Path) -> Path:
    """`path` itself, or for a folder its compose file (the names Compose looks for, in its order)."""
    path = Path(path)
    if path.is_dir():
        for name in COMPOSE_FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise UserError(f"{path}: is a folder with no compose file ({' / '.join(COMPOSE_FILE_NAMES)}); "
                        f"give the compose file")
    return path


def compose_files(paths: list[Path], patterns: tuple[str, ...] = COMPOSE_FILE_NAMES) -> list[Path]:
    """Compose files under `paths`, each once, in a stable order.

    A file named on the command line is taken whatever its name; folders are searched for
    `patterns` (file names or globs), skipping `.git` and what .gitignore ignores.
    """
    seen: set[Path] = set()
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates = _files_under(path, patterns)
        elif path.exists():  # a FIFO or a device too: its reader refuses it as a finding, like one found in a folder
            candidates = [path]
        else:
            raise UserError(f"{path}: no such file or folder")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found
