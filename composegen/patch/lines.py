"""Line edits on a SourceLines: replace or insert whole lines, new lines in the file's own line ending."""

from __future__ import annotations

from dataclasses import dataclass

from composegen.patch.source import SourceLines, is_blank, line_ending


@dataclass(frozen=True)
class LineEdit:
    start: int  # 0-based first line replaced (or the line new text goes before)
    stop: int  # exclusive; start == stop inserts without removing
    new: tuple[str, ...]  # lines without endings


def apply_edits(source: SourceLines, edits: list[LineEdit]) -> SourceLines:
    if not edits:
        return SourceLines(list(source.lines), source.bom)
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.stop))
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.stop:
            raise ValueError(f"overlapping edits at lines {before.start + 1}-{after.start + 1}")
    newline = source.newline
    had_final_newline = bool(source.lines) and bool(line_ending(source.lines[-1]))
    lines = list(source.lines)
    for edit in reversed(ordered):
        lines[edit.start:edit.stop] = [text + newline for text in edit.new]
    # Every line but the last ends with a line break; the last one ends as the original's did.
    for index in range(len(lines) - 1):
        if not line_ending(lines[index]):
            lines[index] += newline
    if lines and not had_final_newline and source.lines:
        last = lines[-1]
        lines[-1] = last[: len(last) - len(line_ending(last))]
    return SourceLines(lines, source.bom)


def trim_trailing_blanks(source: SourceLines, first: int, last: int) -> int:
    """`last` moved up past blank lines (never above `first`): the last line that holds something."""
    while last > first and is_blank(source.lines[last]):
        last -= 1
    return last
