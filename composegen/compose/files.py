"""Which compose files make up a stack, as Compose chooses them: `-f/--file`, else COMPOSE_FILE, else
the folder's compose file (and the override file beside it).

Compose's rules (docs: "Use multiple Compose files", "Pre-defined environment variables"):
- `-f` given: the first file is the main one, the others are merged over it in order, and no
  `compose.override.yaml` is added on its own;
- else COMPOSE_FILE, from the environment or else the env files (`--env-file`, else the project
  folder's `.env`), a list split on COMPOSE_PATH_SEPARATOR (default: the system's path separator, `:`
  on Linux), relative to the project folder, taken like `-f`;
- else the folder's compose file, with `compose.override.yaml` beside it when there is one.
Edits (patch) go to the main file only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from composegen.errors import UserError


@dataclass(frozen=True)
class StackFiles:
    main: Path  # the file patch edits and findings point into
    overrides: tuple[Path, ...] = ()  # merged over `main`, in order
    auto_override: bool = True  # also Compose's own compose.override.yaml beside `main` (not with -f/COMPOSE_FILE)
    explicit: bool = False  # chosen by -f or COMPOSE_FILE: Compose must be told them (`-f` each)

    @property
    def all(self) -> list[Path]:
        return [self.main, *self.overrides]


def stack_files(path: Path | None, files: Sequence[Path] = (), env_files: Sequence[Path] | None = None,
                environ: Mapping[str, str] | None = None) -> StackFiles:
    """The stack at `path` (a folder or a compose file; None: the -f files alone), with Compose's rules."""
    from composegen.compose.discovery import compose_file_in

    if files:
        if path is not None:
            raise UserError(f"{path}: give either a PATH or -f/--file, not both")
        paths = [Path(p) for p in files]
        _check_exist(paths, "-f")
        return StackFiles(paths[0], tuple(paths[1:]), auto_override=False, explicit=True)
    path = Path(".") if path is None else Path(path)
    if path.is_dir():
        listed = compose_file_variable(path, env_files, environ)
        if listed:
            _check_exist(listed, "COMPOSE_FILE")
            return StackFiles(listed[0], tuple(listed[1:]), auto_override=False, explicit=True)
    return StackFiles(compose_file_in(path))


def compose_file_variable(folder: Path, env_files: Sequence[Path] | None = None,
                          environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files COMPOSE_FILE names for the project in `folder` (empty when it is not set)."""
    from composegen.compose.project import project_environment

    variables = project_environment(folder, list(env_files) if env_files else None, environ)
    value = variables.get("COMPOSE_FILE", "")
    if not value:
        return []
    separator = variables.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    return [folder / Path(part) for part in value.split(separator) if part]


def _check_exist(paths: list[Path], where: str) -> None:
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path}: no such compose file (named by {where})")
