"""Rule 6: an idle database is not dumped again, neither on schedule nor at stop; one committed
change (or a sequence moved by nextval alone) is."""

from __future__ import annotations

import pytest

from harness import create_rows
from rules_common import cases, dump_files, dump_outcomes, is_complete_dump, wait_for_scheduled_runs


def _files(stack):
    return {(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in dump_files(stack)}


@pytest.mark.parametrize("setup, image", cases(
    "the seed rewrites its dump at every scheduled run and every stop, changed or not"))
def test_rule06_idle_database_is_not_dumped_again(make_stack, setup, image):
    # The seed's schedule is its healthcheck: every 2 s too.
    stack = make_stack(image=image, setup=setup, schedule="2s", **({"healthcheck_interval": "2s"} if setup == "seed" else {}))
    stack.up()
    create_rows(stack, 1000)
    stack.psql('CREATE DATABASE "second";')
    stack.psql("CREATE SEQUENCE s;", db="second")  # in another database: each one is looked at
    stack.psql("ANALYZE;")  # now: autovacuum's own analyze would be a change later
    changed_at = len(dump_outcomes(stack))
    stack.wait_for(lambda: [p for p in dump_files(stack) if is_complete_dump(p)], 90, what="a first dump")
    if stack.setup == "composegen":
        # Settled: two scheduled runs logged after the statements above found nothing new. Skips logged
        # before them do not count (`up` waits for the healthcheck, and the 2 s schedule has run by then),
        # and the first skip after them may have read its fingerprint while they ran; the second started
        # after it. (On a busy machine a dump takes seconds, and one more dump before the skips is correct.)
        stack.wait_for(lambda: dump_outcomes(stack)[changed_at:].count(("skipped", "schedule")) >= 2, 90,
                       what="two scheduled skips after the changes")
    else:
        wait_for_scheduled_runs(stack, 1)
    idle = _files(stack)
    wait_for_scheduled_runs(stack, 3)
    assert _files(stack) == idle, "an idle database was dumped again on schedule"
    stack.stop()
    assert _files(stack) == idle, "an idle database was dumped again at stop"
    if stack.setup == "composegen":
        assert ("skipped", "stop") in dump_outcomes(stack)
    stack.start()
    stack.psql("INSERT INTO items (payload) VALUES ('one more');")
    stack.wait_for(lambda: _files(stack) != idle, 60, what="a dump of one committed change")
    wait_for_scheduled_runs(stack, 1)  # the dump of that change is complete and recorded
    changed = _files(stack)
    stack.psql("SELECT nextval('s');", db="second")  # no transaction id: only the sequence moves
    stack.wait_for(lambda: _files(stack) != changed, 60, what="a dump of a sequence change")
