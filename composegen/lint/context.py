"""What the rules share during one run, computed once: the rendered utils/ scripts and git's answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from composegen.compose import git


@dataclass
class LintContext:
    # {path: ignored by git?}; filled in one batch per repository before the rules run.
    git_ignored: dict[Path, bool | None] = field(default_factory=dict)
    # --env-file: where Compose's variables come from (default: the .env beside each compose file)
    env_files: tuple[Path, ...] = ()
    # -f: the stack's files (compose.files.StackFiles); its main file is the one linted
    stack: object = None

    @cached_property
    def rendered_utils(self) -> dict[str, bytes]:
        """What composegen renders today for utils/ (drift is a byte comparison with this)."""
        from composegen.utils_scripts import render_utils

        return {name: text.encode("utf-8") for name, text in render_utils().items()}

    def is_git_ignored(self, path: Path, folder: bool = False) -> bool | None:
        """None when `path` is not in a git repository."""
        if path not in self.git_ignored:
            self.git_ignored.update(git.ignored([path], {path} if folder else set()))
        return self.git_ignored[path]


def stack_paths_for_git(compose_file: Path) -> tuple[list[Path], set[Path]]:
    """(paths, which of them are folders) the not-git-ignored rule asks about for a stack with the
    default layout, so the engine can ask git in one batch."""
    folder = compose_file.parent
    return [folder / "data", folder / ".env"], {folder / "data"}
