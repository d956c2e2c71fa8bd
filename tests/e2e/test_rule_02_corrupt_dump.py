"""Rule 2: a truncated or corrupt newest dump makes the start fail loudly, naming the file; nothing of
it is served, and a restart (the restart policy) does not then serve a half-restored database."""

from __future__ import annotations

import time

import pytest

from harness import create_rows
from rules_common import cases, dump_files, tcp_ready


@pytest.mark.parametrize("setup, image", cases(
    "the seed's restore fails half-way and its init server keeps serving the partial database"))
def test_rule02_truncated_dump_fails_loudly_and_is_never_served(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    create_rows(stack, 100_000)
    stack.down()
    dumps = sorted(dump_files(stack))
    assert dumps, "down wrote no dump"
    newest = dumps[-1]
    data = newest.read_bytes()
    newest.write_bytes(data[: len(data) * 6 // 10])
    stack.up(wait=False)
    # Until the start has failed (the restore found the dump bad: a restart by the policy, or exited),
    # and for 15 s at least: never served, over TCP or the unix socket. A condition, not a time: a
    # loaded machine may take longer than 15 s to get there.
    started = time.monotonic()

    def failed_start() -> bool:
        state = stack.state()
        return state["RestartCount"] >= 1 or state["Status"] in ("exited", "restarting")

    while not (failed_start() and time.monotonic() - started >= 15):
        assert time.monotonic() - started < 180, f"the start has not failed after 180 s: {stack.state()}"
        assert not tcp_ready(stack), "the database was served from a truncated dump"
        result = stack.exec(["psql", "-At", "-U", stack.user, "-d", stack.db, "-c", "select count(*) from items"])
        assert result.returncode != 0 or result.stdout.strip() == "", f"served {result.stdout.strip()} rows"
        time.sleep(0.5)
    assert newest.name in stack.logs()
    assert "restore FAILED" in stack.logs()
