"""Rule 16: the image as it is. `patch` keeps what the service's image runs (its ENTRYPOINT under
/utils/entrypoint, its CMD as `command:`), read with `docker image inspect`; an image composegen does
not know by name is patched with `--service NAME` once its config shows the official contract."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys

import pytest

from harness import image_tag, populate
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


def test_rule16_an_unknown_name_is_patched_with_service(make_stack, renamed_image):
    image = renamed_image(image_tag(15, "dash"))
    stack = _user_stack(make_stack, image)
    refused = composegen("patch", stack.compose_file, "--fresh")
    assert refused.returncode == 2 and "no Postgres service found" in refused.stderr, refused.stderr
    patched = composegen("patch", stack.compose_file, "--service", "postgres", "--fresh")
    assert patched.returncode == 0, patched.stderr
    stack.up()
    before = populate(stack)
    stack.stop()
    assert dump_outcomes(stack)[-1] == ("written", "stop")
    stack.down()
    stack.up()
    assert snapshot(stack) == before
