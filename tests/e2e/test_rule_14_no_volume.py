"""Rule 14: `docker compose down` leaves no volume holding a copy of PGDATA; the live data survives
`restart`, `stop`/`start` and a crash of the container (same container: no restore), and a recreate
restores from the stop-time dump."""

from __future__ import annotations

import pytest

from harness import create_rows
from harness.data import count_rows
from rules_common import cases


@pytest.mark.parametrize("setup, image", cases(
    "the seed leaves the image's anonymous PGDATA volume behind at every down"))
def test_rule14_no_volume_left_and_data_survives_restarts(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
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
