"""The lines patch adds to the stack's .gitignore, so `git add -A` never stages a dump or the secrets.

Only where git is in play (the stack is in a repository, or has a .gitignore of its own). A line is
added only when what it covers is not ignored already (by any rule, as git itself answers: in a
repository `git check-ignore`, else the folder's .gitignore); the user's lines stay as they are, in
their order, and a line already there is never written twice.
"""

from __future__ import annotations

from pathlib import Path

from composegen.compose import git
from composegen.compose.gitignore_reader import IgnoreRules

# (line, a path it covers, relative to the stack's folder): every dump folder is under data/.
_WANTED = (("/.env", Path(".env")), ("/data/*", Path("data") / "cluster-00000000T000000Z.sql.zst"))


def lines_to_add(folder: Path) -> list[str]:
    gitignore = folder / ".gitignore"
    in_repo = git.repository_root(folder.resolve()) is not None
    if not in_repo and not gitignore.is_file():
        return []
    probes = {line: folder / relative for line, relative in _WANTED}
    if in_repo:
        answers = git.ignored(list(probes.values()))
    else:
        rules = IgnoreRules()
        answers = {path: rules.is_ignored(path, folder, is_folder=False) for path in probes.values()}
    present = set(_lines(gitignore))
    return [line for line, probe in probes.items() if not answers.get(probe) and line not in present]


def with_lines(folder: Path, lines: list[str]) -> bytes:
    """The .gitignore's new content: the user's bytes unchanged, then `lines` (in its own line ending)."""
    gitignore = folder / ".gitignore"
    before = gitignore.read_bytes() if gitignore.is_file() else b""
    newline = b"\r\n" if b"\r\n" in before else b"\n"
    if before and not before.endswith((b"\n", b"\r")):
        before += newline
    header = [] if before else ["# Written by composegen patch: database dumps and secrets stay out of git."]
    return before + b"".join(line.encode("utf-8") + newline for line in [*header, *lines])


def _lines(path: Path) -> list[str]:
    try:
        return [line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return []
