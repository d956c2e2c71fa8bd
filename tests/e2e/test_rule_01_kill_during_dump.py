"""Rules 1 and 9: `docker kill` (power loss, OOM, host crash) during a scheduled dump leaves the last
good dump intact and restorable; the interrupted one never replaces it."""

from __future__ import annotations

import hashlib

import pytest

from harness import create_rows
from harness.data import count_rows
from rules_common import cases, decompress, dump_files, is_complete_dump


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump_in_progress(stack, good: dict[str, bytes]) -> bool:
    files = stack.data_files()
    if stack.setup == "composegen":
        return any(p.name.startswith(".cluster-") and p.name.endswith(".tmp") for p in files)
    # The seed writes in place: its dump file changes under the same name.
    return any(p.name in good and _digest(p) != good[p.name] for p in dump_files(stack))


@pytest.mark.parametrize("setup, image", cases(
    "the seed's pg_dump overwrites its only dump in place: killed half-way, it leaves a truncated file"))
def test_rule01_kill_during_dump_keeps_last_good(make_stack, setup, image):
    # A dump that takes a moment (a few hundred ms compressed), so the kill lands inside it.
    # The seed's schedule is its healthcheck: every 2 s too.
    stack = make_stack(image=image, setup=setup, schedule="2s", **({"healthcheck_interval": "2s"} if setup == "seed" else {}))
    stack.up()
    rows = create_rows(stack, 300_000)
    last_row = hashlib.md5(str(rows).encode()).hexdigest().encode()

    def holds_all_rows():
        return [p for p in dump_files(stack) if is_complete_dump(p) and last_row in decompress(p)]

    stack.wait_for(holds_all_rows, 90, interval=0.5, what="a good dump holding every row")
    # Digests, not bytes: pytest's assertion diff of two multi-megabyte byte strings runs for hours.
    good = {p.name: _digest(p) for p in dump_files(stack) if is_complete_dump(p)}
    # A change, so the next scheduled dump has to write (composegen skips an unchanged database).
    create_rows(stack, 1)
    stack.wait_for(lambda: _dump_in_progress(stack, good), 60, interval=0.02, what="a dump in progress")
    stack.kill()
    # What the kill left (the restart policy restarts the container right away: look now).
    left = {p.name: _digest(p) for p in dump_files(stack)}
    assert left, f"no dump left: {[p.name for p in stack.data_files()]}"
    for name, data in good.items():
        assert left.get(name) == data, f"the last good dump {name} changed or vanished"
    complete = [name for name in left if is_complete_dump(stack.data_dir / name)]
    assert set(good) <= set(complete)
    # Restorable: a recreate restores from it (the old rows at least, maybe the one more).
    stack.down()
    stack.up(timeout=180)
    assert count_rows(stack) in (rows, rows + 1)
