"""Rule 7: the whole cluster (every database and role, not only POSTGRES_USER's) comes back after
`down` + `up`; also on the images built differently (the 18+ layout; Alpine's busybox userland),
which shows the runtime relies on the documented contract only. (Restores on 17: rule 15's test.)"""

from __future__ import annotations

import pytest

from harness import ALPINELIKE_IMAGE, PG18_LAYOUT_IMAGE, populate
from harness.data import snapshot
from rules_common import BUSYBOX_15, DASH_15, cases, dump_files


@pytest.mark.parametrize("setup, image", cases(
    "the seed pg_dumps only POSTGRES_DB (busybox); under dash its trap is rejected and nothing is dumped",
    seed_images=(BUSYBOX_15, DASH_15)))
def test_rule07_round_trip_keeps_every_database_and_role(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    before = populate(stack)
    assert before["items"] == 2000 and "second" in before["databases"] and "extra_role" in before["roles"]
    stack.down()
    assert dump_files(stack), "down left no dump in data/"
    stack.up()
    assert snapshot(stack) == before
    # The extra role kept its password (pg_dumpall carries it): it can log in over TCP.
    login = stack.exec(["sh", "-c", "PGPASSWORD=extra-secret psql -h 127.0.0.1 -U extra_role -d app -Atc 'select 1'"])
    assert login.stdout.strip() == "1", login.stderr


@pytest.mark.parametrize("image", [PG18_LAYOUT_IMAGE, ALPINELIKE_IMAGE], ids=["17-pg18layout", "17-alpinelike"])
def test_rule07_round_trip_on_an_image_built_differently(make_stack, image):
    # pg18layout: PGDATA and VOLUME where the 18+ images have them; alpinelike: busybox's userland
    # (sed, awk, stat, sync, ...) and su-exec instead of gosu.
    stack = make_stack(image=image)
    stack.up()
    before = populate(stack)
    stack.down()
    stack.up()
    assert snapshot(stack) == before
    stack.down()
    assert not stack.volumes_left()
