"""Rule 14: `docker compose down` leaves no volume holding a copy of PGDATA; the live data survives
`restart`, `stop`/`start` and a crash of the container (same container: no restore), and a recreate
restores from the stop-time dump."""

from __future__ import annotations

import pytest

from harness import create_rows
from harness.data import count_rows
from harness.stack import AS_WRITTEN
from rules_common import DASH_15, cases


@pytest.mark.parametrize("setup, image", cases(
    "the seed leaves the image's anonymous PGDATA volume behind at every down"))
def test_rule14_no_volume_left_and_data_survives_restarts(make_stack, setup, image):
    # On 15-dash with init's own 10 s healthcheck interval: every start path (up, restart, stop/start,
    # crash/start, recreate) as a user's stack runs it; the other stacks use the harness's 1 s.
    stack = make_stack(image=image, setup=setup,
                       **({"healthcheck_interval": AS_WRITTEN} if image == DASH_15 else {}))
    stack.up()
    create_rows(stack, 500)
    stack.restart()
    assert count_rows(stack) == 500
    create_rows(stack, 500)
    stack.stop()
    stack.start()
    assert count_rows(stack) == 1000
    create_rows(stack, 500)
    stack.kill()  # a crash: no stop handling at all
    stack.start()
    assert count_rows(stack) == 1500
    stack.down()
    assert stack.volumes_left() == set()
    stack.up()
    assert count_rows(stack) == 1500
    stack.down()
    assert stack.volumes_left() == set()
