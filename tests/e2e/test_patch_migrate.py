"""`composegen patch --migrate` on a real engine: a classic stack with its data in a named volume
is dumped while running, patched, recreated from the dump, and nothing is lost on the way.

Also: without --migrate the patch is refused and nothing changes; with the stack stopped,
--migrate is refused (no path leads to an `up` on an empty database while the volume holds data).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from harness import FLAVOURS, image_tag, populate
from harness.data import snapshot

from composegen.row_counts import read_counts

CLASSIC = """\
# a stack as people write it: the data in a named volume at PGDATA
services:
  postgres:
    image: {image}
    restart: unless-stopped
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}}
      POSTGRES_DB: app
    volumes:
      - pgdata:/var/lib/postgresql/data

volumes:
  pgdata:
"""
# The same without a mount: the data sits in the anonymous volume Docker made for the image's VOLUME.
ANONYMOUS = CLASSIC.split("    volumes:")[0]


def composegen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "composegen", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_migrate_carries_the_data_over(make_stack, flavour):
    stack = make_stack(image=image_tag(15, flavour), setup="seed", app_connections=0)
    shutil.rmtree(stack.utils_dir)
    shutil.rmtree(stack.data_dir)
    stack.compose_file.write_text(CLASSIC.format(image=stack.image))
    original = stack.compose_file.read_bytes()
    stack.up(wait_healthy=False)
    before = populate(stack)

    refused = composegen("patch", stack.compose_file)
    assert refused.returncode == 2, refused.stderr
    assert "volume 'pgdata'" in refused.stderr and "--migrate" in refused.stderr
    assert stack.compose_file.read_bytes() == original and not stack.data_dir.exists()

    stack.stop()
    not_running = composegen("patch", stack.compose_file, "--migrate")
    assert not_running.returncode == 2 and "is not running" in not_running.stderr, not_running.stderr
    assert stack.compose_file.read_bytes() == original and not stack.data_dir.exists()
    stack.start(wait_healthy=False)

    migrated = composegen("patch", stack.compose_file, "--migrate")
    assert migrated.returncode == 0, migrated.stderr
    [dump, counts] = stack.data_files()
    assert re.fullmatch(r"cluster-\d{8}T\d{6}Z\.sql\.zst", dump.name)
    assert dump.stat().st_mode & 0o777 == 0o600
    # Its row counts, as the runtime writes them beside its own dumps: what `verify` compares with.
    assert counts.name == dump.name + ".counts" and counts.stat().st_mode & 0o777 == 0o600
    assert {(t.database, t.table): t.rows for t in read_counts(dump)} == {
        (stack.db, "public.items"): before["items"], ("second", "public.items"): before["second_items"]}
    assert stack.data_dir.stat().st_mode & 0o777 == 0o700
    assert "pgdata:/var/lib/postgresql/data" not in stack.compose_file.read_text()
    volume = f"{stack.project}_pgdata"
    assert f"'{volume}' is left in place" in migrated.stderr

    stack.setup = "composegen"  # from here on the stack runs the setup: wait for its healthcheck too
    stack.up()
    assert snapshot(stack) == before
    assert volume in stack.docker("volume", "ls", "-q").stdout.split()  # left for the user to remove

    again = composegen("patch", stack.compose_file, "--check")
    assert again.returncode == 0, again.stdout + again.stderr


def test_migrate_from_an_anonymous_volume(make_stack):
    stack = make_stack(image=image_tag(17, "dash"), setup="seed", app_connections=0)
    shutil.rmtree(stack.utils_dir)
    shutil.rmtree(stack.data_dir)
    stack.compose_file.write_text(ANONYMOUS.format(image=stack.image))
    original = stack.compose_file.read_bytes()
    stack.up(wait_healthy=False)
    before = populate(stack)

    refused = composegen("patch", stack.compose_file)
    assert refused.returncode == 2 and "anonymous volume of its container" in refused.stderr, refused.stderr
    assert stack.compose_file.read_bytes() == original

    migrated = composegen("patch", stack.compose_file, "--migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert [path.name.endswith(".counts") for path in stack.data_files()] == [False, True]
    stack.setup = "composegen"
    stack.up()
    assert snapshot(stack) == before


def test_migrate_from_the_seed(make_stack):
    """The article's setup (data in the container's anonymous volume, its dump-as-healthcheck, dumps in
    the init folder) becomes the composegen setup with every database and role carried over."""
    stack = make_stack(image=image_tag(17, "busybox"), setup="seed", app_connections=0)
    stack.up(wait_healthy=False)
    before = populate(stack)

    refused = composegen("patch", stack.compose_file)
    assert refused.returncode == 2 and "anonymous volume of its container" in refused.stderr, refused.stderr

    migrated = composegen("patch", stack.compose_file, "--migrate")
    assert migrated.returncode == 0, migrated.stderr
    dumps = [path for path in stack.data_files() if path.name.startswith("cluster-") and path.suffix != ".counts"]
    assert len(dumps) == 1 and dumps[0].stat().st_mode & 0o777 == 0o600
    text = stack.compose_file.read_text()
    assert "/docker-entrypoint-initdb.d\n" not in text and "/utils/dump" not in text

    stack.setup = "composegen"
    stack.up()
    assert snapshot(stack) == before
    stack.down()
    stack.up()  # and from here on the setup carries the data: down/up restores from its stop-time dump
    assert snapshot(stack) == before
