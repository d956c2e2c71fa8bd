"""Rule 13: a client writing through `docker compose down`: every write acknowledged to it is there
after `up`."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from rules_common import cases


@pytest.mark.parametrize("setup, image", cases(
    "the seed's stop-time pg_dump runs while the client keeps writing: later acknowledged writes vanish"))
def test_rule13_every_acknowledged_write_survives_down(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    stack.psql("CREATE TABLE w (n bigint PRIMARY KEY);")
    # The writer: one TCP session inserting 1, 2, 3, ... in autocommit; each RETURNING line it prints
    # is a write PostgreSQL acknowledged (committed) to it.
    script = ("seq 1 100000000 | sed 's/.*/INSERT INTO w VALUES (&) RETURNING n;/' | "
              f"PGPASSWORD='{stack.password}' psql -h 127.0.0.1 -U {stack.user} -d {stack.db} -qAtX")
    writer = subprocess.Popen([stack.engine.docker, "exec", stack.container_id(), "sh", "-c", script],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    acked: list[int] = []

    def read():
        for line in writer.stdout:
            if line.strip().isdigit():
                acked.append(int(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stack.wait_for(lambda: len(acked) > 2000, 60, what="the writer to get going")
    stack.down()
    writer.wait(timeout=60)
    reader.join(timeout=10)
    assert acked, "no write acknowledged"
    stack.up()
    present = {int(n) for n in stack.psql("SELECT n FROM w;").split()}
    lost = [n for n in acked if n not in present]
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged writes lost (first {lost[:5]})"
