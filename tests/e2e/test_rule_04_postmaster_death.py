"""Rule 4: when the postmaster dies (kill -9: a crash, the OOM killer), the container exits non-zero
and the restart policy brings the database back, with its data."""

from __future__ import annotations

import pytest

from harness import create_rows
from harness.data import count_rows
from rules_common import cases, postmaster_pid


@pytest.mark.parametrize("setup, image", cases(
    "the seed's wrapper waits on `tail`: the container stays running with a dead postgres, never restarted",
    raises=TimeoutError))  # the wait for the restart is the check that fails on it
def test_rule04_postmaster_death_exits_nonzero_and_restarts(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    create_rows(stack, 1000)
    started = stack.state()["StartedAt"]
    pid = postmaster_pid(stack)
    assert stack.exec(["sh", "-c", f"kill -9 {pid}"]).returncode == 0

    def restarted():
        state = stack.state()
        return state["RestartCount"] >= 1 and state["StartedAt"] != started and state

    state = stack.wait_for(restarted, 20, what="the restart policy to restart the container")
    assert stack.inspect()["State"]["ExitCode"] in (0, state["ExitCode"])  # current run
    stack.wait_ready(timeout=120)
    assert count_rows(stack) == 1000
    assert "postgres exited unexpectedly" in stack.logs()
