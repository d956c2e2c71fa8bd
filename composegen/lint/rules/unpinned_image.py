"""CG008: a Postgres image without a pinned major (latest, no tag, or a tag with no version)."""

import re

from composegen.compose.positions import value_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def is_pinned(ref) -> bool:
    if ref.digest:
        return True  # a digest pins the exact bytes
    # `latest`, `alpine`, `bookworm` all move to a new major one day; a version number does not.
    return bool(ref.tag) and ref.tag != "latest" and bool(re.search(r"\d", ref.tag))


def check(name, service, context):
    found = context.postgres
    if is_pinned(found.image_ref):
        return
    if "image" in getattr(service.lc, "data", {}):
        line, column = value_position(service, "image")
    else:  # merged in from an anchor: point at that line
        line, column = (found.image_line or found.line), 1
    yield Issue(line, column, f"Postgres service '{name}' uses image '{found.image}' with no pinned "
                f"major: a pull can move it to a new major; fix: pin a tag such as postgres:17-alpine "
                f"(or a digest)")


RULE = Rule(
    id="CG008",
    name="unpinned-image",
    severity=Severity.warning,
    summary="Postgres image not pinned to a major version.",
    explanation=(
        "`postgres`, `postgres:latest` or `postgres:alpine` follow the newest major. A pull then starts a "
        "different major than the one that wrote the data: an image that keeps PGDATA in a volume refuses "
        "to start, and an upgrade happens at a moment nobody chose. Fix: pin the major, e.g. "
        "`image: postgres:17-alpine`, or a digest (`postgres:17@sha256:...`), and upgrade by bumping the tag "
        "on purpose (the stop-time dump restores onto the new major)."
    ),
    check=check,
)
