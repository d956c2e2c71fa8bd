"""A small .gitignore reader for folders that are not in a git repository (git answers the rest).

It knows what compose repositories use: comments, blank lines, `!` negation, a trailing `/` for
folders only, anchoring by a leading or inner `/`, and `*`, `?`, `[...]`, `**` globs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    folder_regex: re.Pattern  # for a folder
    file_regex: re.Pattern  # for a file: a folder-only pattern matches only what lies below the folder
    negated: bool


def _glob_to_regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[i + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        elif char == "\\" and i + 1 < len(glob):
            i += 1
            out.append(re.escape(glob[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def parse(text: str) -> list[Pattern]:
    patterns = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        folders_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        head = ("" if anchored else "(?:.*/)?") + _glob_to_regex(line)
        folder_regex = re.compile(head + "(?:/.*)?$")
        file_regex = re.compile(head + ("/.*$" if folders_only else "(?:/.*)?$"))
        patterns.append(Pattern(folder_regex, file_regex, negated))
    return patterns


class IgnoreRules:
    """The .gitignore files from a walk's top folder down, read once each."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, list[Pattern]] = {}

    def _patterns(self, folder: Path) -> list[Pattern]:
        if folder not in self._by_folder:
            try:
                text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._by_folder[folder] = parse(text)
        return self._by_folder[folder]

    def is_ignored(self, path: Path, top: Path, is_folder: bool) -> bool:
        """Whether `path` (under `top`) is ignored by the .gitignore files of `top` and the folders between."""
        ignored = False
        parts = path.relative_to(top).parts
        for depth in range(len(parts)):  # top's .gitignore first, the nearest folder's last (it wins)
            folder = top.joinpath(*parts[:depth])
            relative = "/".join(parts[depth:])
            for pattern in self._patterns(folder):
                regex = pattern.folder_regex if is_folder else pattern.file_regex
                if regex.match(relative):
                    ignored = not pattern.negated
        return ignored
