"""Change one service's `image:` value in a compose file and nothing else, byte for byte (the line
editing `patch` uses: SourceLines keeps every other line as it was)."""

from __future__ import annotations

import re

from composegen.errors import UserError
from composegen.patch.lines import LineEdit, apply_edits
from composegen.patch.run import LoadedCompose

# Characters a plain YAML scalar image reference may hold (registry/name:tag@digest).
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


def with_image(loaded: LoadedCompose, service: str, new_image: str) -> str:
    """The compose file's text with `service`'s image set to `new_image`, every other byte as it was."""
    path = loaded.path
    services = loaded.tree.get("services")
    node = services.get(service) if services is not None else None
    if node is None or node.kind != "map":
        raise UserError(f"{path}: service '{service}' is not a mapping")
    value = node.get("image")
    if value is None:
        raise UserError(f"{path}: service '{service}' takes its image from a `<<:` merge: change the image where it "
                        f"is written, then run the upgrade again")
    line = value.start[0] + 1
    if value.kind != "scalar" or value.start[0] != value.end[0]:
        raise UserError(f"{path}:{line}: the image of service '{service}' is not a one-line value")
    if value.anchor:
        raise UserError(f"{path}:{line}: the image of service '{service}' is anchored (&{value.anchor}): changing it "
                        f"would change every service that reuses it")
    if "$" in (value.value or ""):
        raise UserError(f"{path}:{line}: the image of service '{service}' is set through a variable "
                        f"({value.value}): set the variable to the new image instead")
    if not _PLAIN.match(new_image):
        raise UserError(f"not an image reference: {new_image!r}")
    if value.style == "'":
        text = f"'{new_image}'"
    elif value.style == '"':
        text = f'"{new_image}"'
    else:
        text = new_image
    source = loaded.source
    body = source.body(value.start[0])
    new_line = body[: value.start[1]] + text + body[value.end[1]:]
    return apply_edits(source, [LineEdit(value.start[0], value.start[0] + 1, (new_line,))]).text()


def image_for_major(image: str, major: int) -> str:
    """`image` with the Postgres major in its tag replaced (`postgres:15-alpine` -> `postgres:17-alpine`;
    a minor version goes: `postgres:15.4` -> `postgres:17`)."""
    from composegen.compose.detect import parse_image

    ref = parse_image(image)
    if ref.digest:
        raise UserError(f"{image} is pinned by digest: give the new image with --to-image")
    if not ref.tag or ref.major is None:
        raise UserError(f"the tag of {image} names no PostgreSQL major: give the new image with --to-image")
    name, _, tag = image.rpartition(":")
    new_tag, count = re.subn(r"(^|pg)\d{2}(?:\.\d+)*(?=\b|[.-]|$)", lambda m: f"{m.group(1)}{major}", tag, count=1)
    if not count:
        raise UserError(f"the tag of {image} names no PostgreSQL major: give the new image with --to-image")
    return f"{name}:{new_tag}"
