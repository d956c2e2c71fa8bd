"""Rule 8: the last N good dumps are kept (COMPOSEGEN_KEEP); only the newest is restored."""

from __future__ import annotations

import pytest

from harness import create_rows
from harness.data import count_rows
from rules_common import DASH_15, cases, dump_files


@pytest.mark.parametrize("setup, image", cases(
    "the seed keeps a single dump file, overwritten each time", images=(DASH_15,)))
def test_rule08_retention_keeps_n_and_restores_the_newest(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup, keep=2)
    stack.up()
    for n in range(4):
        create_rows(stack, 10)
        if stack.setup == "composegen":
            result = stack.exec(["/utils/dump"])
            assert result.returncode == 0, result.stderr
        else:
            stack.exec(["/utils/dump"])
        # No pause: dumps in the same second get names of their own (the runtime waits for the next).
    files = dump_files(stack)
    assert len(files) == 2, [p.name for p in files]
    create_rows(stack, 10)  # the stop-time dump holds 50 rows
    stack.down()
    assert len(dump_files(stack)) == 2
    stack.up()
    assert count_rows(stack) == 50
