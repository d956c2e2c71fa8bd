"""What the rules share during one run, computed once: the rendered utils/ scripts and git's answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from composegen.lint import git


@dataclass
class LintContext:
    # {path: ignored by git?}; filled in one batch per repository before the rules run.
    git_ignored: dict[Path, bool | None] = field(default_factory=dict)

    @cached_property
    def rendered_utils(self) -> dict[str, bytes]:
        """What composegen renders today for utils/ (drift is a byte comparison with this)."""
        from composegen.utils_scripts import render_utils

        return {name: text.encode("utf-8") for name, text in render_utils().items()}

    def is_git_ignored(self, path: Path) -> bool | None:
        """None when `path` is not in a git repository."""
        if path not in self.git_ignored:
            self.git_ignored.update(git.ignored([path]))
        return self.git_ignored[path]


def stack_paths_for_git(compose_file: Path) -> list[Path]:
    """The paths the not-git-ignored rule asks about for a stack (so the engine can batch them)."""
    folder = compose_file.parent
    return [folder / "data", folder / ".env"]
