"""Rule 3: `docker compose stop` with clients connected takes at most the dump's time + 10 s, and
the container exits 0 (a clean stop), not 137 (killed at the end of the grace period)."""

from __future__ import annotations

import re

import pytest

from harness import create_rows
from rules_common import cases, composegen_lines


@pytest.mark.parametrize("setup, image", cases(
    "the seed's SIGTERM is PostgreSQL's smart shutdown: it waits for the connected app until SIGKILL (137)"))
def test_rule03_stop_with_clients_is_fast_and_clean(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup, app_connections=3)
    stack.up()
    create_rows(stack, 5000)
    assert stack.app_connection_count() >= 3
    took = stack.stop()
    state = stack.state()
    dump_s = 0.0
    for line in composegen_lines(stack):
        m = re.search(r"trigger=stop .*duration=([\d.]+)s", line)
        if m:
            dump_s = float(m.group(1))
    assert state["ExitCode"] == 0, f"exit {state['ExitCode']} after {took:.1f} s\n{stack.logs()[-2000:]}"
    assert took <= dump_s + 10, f"stop took {took:.1f} s (dump {dump_s:.1f} s)"
    # The stop really dumped: the change made before it is in a good dump.
    assert any("dump written trigger=stop" in line for line in composegen_lines(stack))
