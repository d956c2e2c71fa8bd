"""The dry-run diff: a unified diff that turns the file as it was into the file as patched."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from composegen.patch.run import unified_diff

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply(before: str, diff: str) -> str:
    """`diff` applied to `before`, checking every context and removed line against it."""
    old = before.splitlines(keepends=True)
    out: list[str] = []
    at = 0
    lines = diff.splitlines(keepends=True)
    assert lines[:2] == ["--- a/c.yaml\n", "+++ b/c.yaml\n"]
    index = 2
    while index < len(lines):
        match = _HUNK.match(lines[index])
        assert match, lines[index]
        start, length = int(match.group(1)), int(match.group(2) or 1)
        first = start - 1 if length else start
        out.extend(old[at:first])
        at = first
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            no_newline = index + 1 < len(lines) and lines[index + 1] == "\\ No newline at end of file\n"
            text = line[1:-1] if no_newline else line[1:]
            if line[0] in " -":
                assert old[at] == text, (old[at], text)
                at += 1
            if line[0] in " +":
                out.append(text)
            index += 2 if no_newline else 1
    out.extend(old[at:])
    return "".join(out)


lines = st.lists(st.sampled_from(["a\n", "b\n", "  restart: always\n", "c\r\n", "\n"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(before=lines, after=lines, cut_before=st.booleans(), cut_after=st.booleans())
def test_the_diff_turns_before_into_after(before, after, cut_before, cut_after):
    a, b = "".join(before), "".join(after)
    if cut_before:
        a = a.rstrip("\r\n")
    if cut_after:
        b = b.rstrip("\r\n")
    diff = unified_diff(Path("c.yaml"), a, b)
    if a == b:
        assert diff == ""
    else:
        assert apply(a, diff) == b


def test_one_change_in_a_file_of_repeated_lines_is_one_small_hunk():
    body = "services:\n" + "".join(f"  s{n}:\n    image: x\n    restart: always\n" for n in range(3000))
    before = body + "  db:\n    image: postgres\n"
    after = body + "  db:\n    image: postgres\n    stop_grace_period: 2m\n"
    diff = unified_diff(Path("c.yaml"), before, after)
    assert diff.count("@@ -") == 1
    assert diff.splitlines()[2:] == ["@@ -9001,3 +9001,4 @@", "     restart: always", "   db:", "     image: postgres",
                                      "+    stop_grace_period: 2m"]
    assert apply(before, diff) == after
