"""Rule 16: the image as it is. `patch` keeps what the service's image runs (its ENTRYPOINT under
/utils/entrypoint, its CMD as `command:`), read with `docker image inspect`; an image composegen does
not know by name is patched with `--service NAME` once its config shows the official contract."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys

import pytest

from harness import EXTENSION_IMAGE, image_tag, populate
from harness.images import EXTENSION_CONFIG_FILE, EXTENSION_PRELOAD
from harness.data import snapshot
from rules_common import dump_outcomes

USER_FILE = """\
services:
  postgres:
    image: {image}
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}}
      POSTGRES_DB: app
"""


def composegen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "composegen", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture
def renamed_image(engine):
    """A test image under a name composegen does not know (removed after the test: only the tag)."""
    tags = []

    def rename(image: str) -> str:
        tag = f"composegen-test/renamed-db:{secrets.token_hex(4)}"
        subprocess.run([engine.docker, "tag", image, tag], check=True, capture_output=True)
        tags.append(tag)
        return tag

    yield rename
    for tag in tags:
        subprocess.run([engine.docker, "rmi", tag], capture_output=True)


def _user_stack(make_stack, image: str):
    """A stack folder holding only the user's own compose file (and .env), not patched yet."""
    stack = make_stack(image=image_tag(15, "dash"), app_connections=0)
    shutil.rmtree(stack.utils_dir)
    shutil.rmtree(stack.data_dir)
    stack.compose_file.write_text(USER_FILE.format(image=image))
    stack.image = image
    return stack


def _preloads(stack) -> str:
    return stack.psql("SHOW shared_preload_libraries;")


def test_rule16_the_extension_image_keeps_its_preload(make_stack, renamed_image):
    """An image with its own ENTRYPOINT wrapper (it writes a config file that preloads a library) and
    its own CMD (`postgres -c config_file=...`), under a name composegen does not know: after `patch
    --service`, the library is preloaded at the first start, after down/up, and in the private server
    of the stop-time dump."""
    image = renamed_image(EXTENSION_IMAGE)
    stack = _user_stack(make_stack, image)
    refused = composegen("patch", stack.compose_file, "--fresh")  # not known by name
    assert refused.returncode == 2 and "no Postgres service found" in refused.stderr, refused.stderr
    patched = composegen("patch", stack.compose_file, "--service", "postgres", "--fresh")
    assert patched.returncode == 0, patched.stderr
    text = stack.compose_file.read_text()
    assert "COMPOSEGEN_ENTRYPOINT: extension-entrypoint.sh" in text, text
    assert f"config_file={EXTENSION_CONFIG_FILE}" in text, text
    stack.up()
    assert EXTENSION_PRELOAD in _preloads(stack)
    stack.psql(f"CREATE EXTENSION {EXTENSION_PRELOAD};")  # its view needs the preloaded library
    before = populate(stack)
    stack.stop()
    assert dump_outcomes(stack)[-1] == ("written", "stop")
    # During the final dump: only pg_dump takes table locks here, and pg_stat_statements saw them, so
    # it was loaded in the private server (which saves its statistics in PGDATA when it stops).
    stack.start()
    locks = stack.psql("SELECT count(*) FROM pg_stat_statements WHERE query ILIKE 'LOCK TABLE%';")
    assert int(locks) > 0, "the private server of the stop-time dump ran without the image's config_file"
    stack.down()
    stack.up()
    assert snapshot(stack) == before
    assert EXTENSION_PRELOAD in _preloads(stack)
    assert int(stack.psql("SELECT count(*) FROM pg_stat_statements;")) > 0  # works: the library is loaded
