"""upgrade's compose edit: only the image value changes, every other byte stays."""

from __future__ import annotations

import pytest

from composegen.errors import UserError
from composegen.image_edit import image_for_major, with_image
from composegen.patch.run import load_compose


def edit(tmp_path, text: str, service: str, image: str) -> str:
    path = tmp_path / "compose.yaml"
    path.write_bytes(text.encode())
    return with_image(load_compose(path), service, image)


@pytest.mark.parametrize("line, expected", [
    ("    image: postgres:15-alpine\n", "    image: postgres:17-alpine\n"),
    ("    image: 'postgres:15-alpine'   # pinned on purpose\n", "    image: 'postgres:17-alpine'   # pinned on purpose\n"),
    ('    image: "postgres:15-alpine"\r\n', '    image: "postgres:17-alpine"\r\n'),
])
def test_only_the_image_value_changes(tmp_path, line, expected):
    newline = "\r\n" if line.endswith("\r\n") else "\n"
    head = f"# stack{newline}services:{newline}  app:{newline}    image: postgres:15-alpine{newline}  db:{newline}"
    tail = f"    restart: unless-stopped{newline}    environment: {{A: 1}}{newline}"
    assert edit(tmp_path, head + line + tail, "db", "postgres:17-alpine") == head + expected + tail


def test_no_final_newline_stays_so(tmp_path):
    assert edit(tmp_path, "services:\n  db:\n    image: postgres:15", "db", "postgres:17") == \
        "services:\n  db:\n    image: postgres:17"


@pytest.mark.parametrize("text, message", [
    ("x-pg: &pg\n  image: postgres:15\nservices:\n  db:\n    <<: *pg\n", "merge"),
    ("services:\n  db:\n    image: &img postgres:15\n  other:\n    image: *img\n", "anchored"),
    ("services:\n  db:\n    image: postgres:${PG_TAG:-15}\n", "variable"),
])
def test_refuses_what_it_cannot_change_alone(tmp_path, text, message):
    with pytest.raises(UserError, match=message):
        edit(tmp_path, text, "db", "postgres:17")


@pytest.mark.parametrize("image, expected", [
    ("postgres:15-alpine", "postgres:17-alpine"),
    ("postgres:15.4", "postgres:17"),
    ("postgres:15.4-bookworm", "postgres:17-bookworm"),
    ("ghcr.io/example/postgres:pg15", "ghcr.io/example/postgres:pg17"),
    ("localhost:5000/postgres:15", "localhost:5000/postgres:17"),
])
def test_image_for_major(image, expected):
    assert image_for_major(image, 17) == expected


@pytest.mark.parametrize("image", ["postgres", "postgres:latest", "postgres:15@sha256:" + "a" * 64])
def test_image_for_major_needs_a_major_in_the_tag(image):
    with pytest.raises(UserError, match="--to-image"):
        image_for_major(image, 17)
