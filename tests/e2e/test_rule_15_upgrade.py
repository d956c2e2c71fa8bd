"""Rule 15: a tag bump from one major to a newer one (15 -> 17) and `docker compose up -d` bring
every database and role back on the new major, from the stop-time dump."""

from __future__ import annotations

import pytest

from harness import populate
from harness.data import snapshot
from rules_common import BUSYBOX_15, BUSYBOX_17, DASH_15, DASH_17, SEED_IMAGES, cases


@pytest.mark.parametrize("setup, image", cases(
    "the seed's recreated container keeps the 15 data volume: PostgreSQL 17 refuses it",
    images=(DASH_15, BUSYBOX_15), seed_images=SEED_IMAGES))
def test_rule15_tag_bump_15_to_17_keeps_all_data(make_stack, setup, image):
    newer = {DASH_15: DASH_17, BUSYBOX_15: BUSYBOX_17}[image]
    stack = make_stack(image=image, setup=setup)
    stack.up()
    before = populate(stack)
    assert stack.psql("show server_version_num").startswith("15")
    stack.set_image(newer)
    stack.up(timeout=60 if setup == "composegen" else 30)  # the seed never gets ready: fail fast
    assert stack.psql("show server_version_num").startswith("17")
    assert snapshot(stack) == before
