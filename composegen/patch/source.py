"""A text file as lines that keep their own line endings, so untouched lines come back byte for byte."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The line breaks ruamel counts (its Reader), so line numbers agree with its marks.
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|$)")


@dataclass
class SourceLines:
    lines: list[str]  # each with its ending ("" for a last line without one)
    bom: str = ""

    @classmethod
    def from_text(cls, text: str) -> "SourceLines":
        bom = ""
        if text.startswith("\ufeff"):
            bom, text = "\ufeff", text[1:]
        lines = [match.group(0) for match in _LINE.finditer(text) if match.group(0)]
        return cls(lines, bom)

    def text(self) -> str:
        return self.bom + "".join(self.lines)

    @property
    def newline(self) -> str:
        """The file's line ending: that of its first line that has one ("\\n" when none has)."""
        for line in self.lines:
            ending = line_ending(line)
            if ending:
                return ending
        return "\n"

    def body(self, index: int) -> str:
        """Line `index` (0-based) without its ending."""
        line = self.lines[index]
        return line[: len(line) - len(line_ending(line))]


def line_ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line and line[-1] in "\r\n\x85\u2028\u2029":
        return line[-1]
    return ""


def is_blank(line: str) -> bool:
    return not line.strip()


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
