"""Rule 17: the stop never hangs. On PostgreSQL 18 with busybox 1.38 (Debian forky's; Alpine builds
the same ash), whose `read` builtin loops forever once a trap has caught a signal, the stop ends with
a fresh dump well inside the grace period, and the data survives down/up."""

from __future__ import annotations

from harness import create_rows, image_tag, populate
from harness.data import snapshot
from rules_common import composegen_lines, dump_outcomes

GRACE_S = 90  # short: a stop that hangs is killed after it (exit 137, no stop-time dump)


def test_rule17_stop_on_18_busybox_ends_with_a_fresh_dump(make_stack):
    stack = make_stack(image=image_tag(18, "busybox"), stop_grace_period=f"{GRACE_S}s")
    stack.up()
    populate(stack)
    stack.psql("SELECT 1;")
    assert stack.exec(["/utils/dump"]).returncode == 0  # a last good dump, older than the stop
    create_rows(stack, 500)  # written after it: only the stop-time dump has these
    before = snapshot(stack)
    took = stack.stop()
    state = stack.state()
    assert state["ExitCode"] == 0, f"exit {state['ExitCode']} after {took:.0f} s: {composegen_lines(stack, '')[-8:]}"
    assert took < GRACE_S - 10, f"the stop took {took:.0f} s"
    assert dump_outcomes(stack)[-1] == ("written", "stop"), composegen_lines(stack)
    stack.down()
    stack.up()
    assert snapshot(stack) == before
