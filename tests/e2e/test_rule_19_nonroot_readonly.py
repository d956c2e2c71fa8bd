"""Rule 19: a Postgres service with `user:` (umbrel's "1000:1000") keeps the guarantees: the stack is
the one `composegen init --user` writes, run as written. A `user:` that cannot write data/ is refused
at start with one clear line, and the last good dump is left as it was."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from harness import populate
from harness.data import count_rows, snapshot
from rules_common import BUSYBOX_15, DASH_15, _short, dump_files

UID, GID = 1000, 1000  # no passwd entry in the image: initdb needs nss_wrapper, as officially


def test_rule19_user_round_trip_on_dash_and_busybox(make_stack):
    """Both flavours at once (the waits are healthchecks, not CPU: CI time); the dash image also gets
    restart, stop/start and the unwritable data/ (one stack for all)."""
    stacks = {image: make_stack(image=image, app_connections=1, init_args=("--user", f"{UID}:{GID}"))
              for image in (DASH_15, BUSYBOX_15)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {image: pool.submit(_round_trip, stack, image == DASH_15) for image, stack in stacks.items()}
        for image, run in runs.items():
            try:
                run.result()
            except Exception as exc:
                raise AssertionError(f"{_short(image)}: {exc}") from exc


def _round_trip(stack, full: bool) -> None:
    data = stack.data_dir
    # init ran as root here: data/ belongs to the service's uid (not running as root, it prints the chown).
    assert (os.stat(data).st_uid, os.stat(data).st_gid) == (UID, GID)
    stack.up()
    assert stack.exec(["id", "-u"]).stdout.strip() == str(UID)
    before = populate(stack)
    # PGDATA is the uid's, in the container layer (rule 14): nothing of it outlives `down`.
    pgdata = stack.exec(["sh", "-c", 'stat -c %u "$PGDATA"']).stdout.strip()
    assert pgdata == str(UID), stack.logs()[-2000:]
    if full:
        stack.restart(wait_healthy=False)
        assert snapshot(stack) == before
        stack.stop(timeout=90)
        assert stack.state()["ExitCode"] == 0, stack.logs()[-2000:]
        assert "dump written trigger=stop" in stack.logs()
        stack.start(wait_healthy=False)
        assert count_rows(stack) == before["items"]
    stack.down()
    dumps = dump_files(stack)
    assert dumps and all(os.stat(p).st_uid == UID for p in dumps)
    stack.up()
    assert snapshot(stack) == before
    stack.down()
    assert not stack.volumes_left()
    if not full:
        return

    # data/ that the uid cannot write (here: root's, private): the start is refused with one line
    # naming the folder and the uid, no database is served, and the dumps stay exactly as they were.
    kept = {p.name: p.read_bytes() for p in dump_files(stack)}
    os.chown(data, 0, 0)
    stack.up(wait=False)
    stack.wait_for(lambda: f"cannot read and write /dumps (./data) as uid {UID}" in stack.logs(), 60,
                   what="the refusal in the log")
    assert stack.exec(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode != 0
    assert {p.name: p.read_bytes() for p in dump_files(stack)} == kept
