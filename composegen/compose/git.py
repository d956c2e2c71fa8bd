"""What git says about paths: which files a walk should see, and which paths it ignores.

One subprocess per folder argument or per repository, never one per file: lint must stay fast on
repositories with hundreds of stacks.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None  # no git installed: behave as outside a repository


def listed_files(folder: Path) -> list[Path] | None:
    """Files under `folder` that git does not ignore (tracked or untracked); None outside a git repo."""
    result = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], folder)
    if result is None or result.returncode != 0:
        return None
    return [folder / name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


@lru_cache(maxsize=None)
def repository_root(folder: Path) -> Path | None:
    """The work tree holding `folder` (a `.git` folder or file, as in worktrees and submodules)."""
    if (folder / ".git").exists():
        return folder
    parent = folder.parent
    return None if parent == folder else repository_root(parent)


def ignored(paths: list[Path], folders: frozenset[Path] | set[Path] = frozenset()) -> dict[Path, bool | None]:
    """{path: ignored by git?} with None for paths outside any git repository.

    Paths in `folders` (and existing folders) are asked with a trailing slash, so a `data/` pattern
    matches a folder that does not exist yet.
    """
    answers: dict[Path, bool | None] = {}
    by_root: dict[Path, list[Path]] = {}
    for path in paths:
        root = repository_root(path.parent.resolve())
        if root is None:
            answers[path] = None
        else:
            by_root.setdefault(root, []).append(path)
    for root, members in by_root.items():
        def spelled(path: Path) -> str:
            text = str(path.resolve())
            return text + "/" if path in folders or path.is_dir() else text

        names = {spelled(p): p for p in members}
        result = _git(["check-ignore", "-z", "--stdin"], root, "\0".join(names).encode("utf-8", "surrogateescape") + b"\0")
        if result is None or result.returncode not in (0, 1):
            answers.update({p: None for p in members})
            continue
        hits = {name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name}
        answers.update({p: spelled(p) in hits for p in members})
    return answers
