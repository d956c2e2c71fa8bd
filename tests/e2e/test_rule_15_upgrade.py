"""Rule 15: a tag bump from one major to the next packaged one (13 -> 15, 15 -> 17, 17 -> 18, where 18
also moves PGDATA and the VOLUME) and `docker compose up -d` bring every database and role back on the
new major, from the stop-time dump."""

from __future__ import annotations

import pytest

from harness import populate
from harness.data import snapshot
from harness.params import seed_mark
from harness.stack import StackError
from rules_common import BUSYBOX_15, BUSYBOX_17, DASH_13, DASH_15, DASH_17, DASH_18, _short, spec_major

BUMPS = [(DASH_13, DASH_15), (BUSYBOX_15, BUSYBOX_17), (DASH_17, DASH_18)]


@pytest.mark.parametrize("setup, image, newer", [
    *[pytest.param("composegen", old, new, id=f"composegen-{_short(old)}-to-{_short(new)}") for old, new in BUMPS],
    pytest.param("seed", BUSYBOX_15, BUSYBOX_17, id="seed-15-busybox-to-17-busybox", marks=seed_mark(
        "the seed's recreated container keeps the 15 data volume: PostgreSQL 17 refuses it",
        raises=(StackError, TimeoutError))),
])
def test_rule15_tag_bump_keeps_all_data(make_stack, setup, image, newer):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    before = populate(stack)
    assert stack.psql("show server_version_num")[:2] == str(spec_major(image))
    stack.set_image(newer)
    stack.up(timeout=60 if setup == "composegen" else 30)  # the seed never gets ready: fail fast
    assert stack.psql("show server_version_num")[:2] == str(spec_major(newer))
    assert snapshot(stack) == before
    if setup == "composegen" and spec_major(image) == 13:
        # 13 hashed every password with md5, which 15's scram-sha-256 host line rejects: the app's role
        # got POSTGRES_PASSWORD again (the app is connected: up() waited for it); the extra role is
        # named in one line, and no password is ever printed.
        logs = stack.logs()
        lines = [line for line in logs.splitlines() if "md5 password hash" in line]
        assert len(lines) == 1, logs
        assert lines[0].split("scram-sha-256): ", 1)[1].split(". Set ", 1)[0] == "extra_role"
        assert stack.password not in logs and "extra-secret" not in logs
