"""What a Postgres image runs (rule 16): its ENTRYPOINT and CMD, which the setup keeps.

Compose drops the image's CMD when a service sets `entrypoint:`, and the setup's entrypoint is
/utils/entrypoint. So the image's own entrypoint goes into COMPOSEGEN_ENTRYPOINT (which
/utils/entrypoint runs instead of docker-entrypoint.sh) and its CMD into `command:`. An image such as
immich's wraps docker-entrypoint.sh to write a config file, and its CMD points the server at it: both
must stay, or its extension is no longer preloaded.

KNOWN_IMAGES holds the values of well-known images, each checked against its upstream Dockerfile:
init uses it, and patch when the image is not present to inspect (composegen/image_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from composegen import stack
from composegen.compose.detect import ImageRef
from composegen.errors import UserError


@dataclass(frozen=True)
class ImageRun:
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    source: str  # where the values come from, for messages

    @property
    def entrypoint_env(self) -> str | None:
        """COMPOSEGEN_ENTRYPOINT's value; None when it is the official entrypoint (the default)."""
        if self.entrypoint in (tuple(stack.OFFICIAL_ENTRYPOINT), (stack.OFFICIAL_ENTRYPOINT_PATH,)):
            return None
        if not self.entrypoint:
            raise UserError(f"{self.source}: the image has no ENTRYPOINT: composegen runs the image's entrypoint "
                            f"around the server, and this image has none")
        if any(not word or any(c.isspace() for c in word) for word in self.entrypoint):
            # /utils/entrypoint splits the variable on spaces (no quoting: no eval).
            raise UserError(f"{self.source}: the image's ENTRYPOINT {list(self.entrypoint)} has a word with a space "
                            f"in it, which {stack.ENV_ENTRYPOINT} cannot carry")
        return " ".join(self.entrypoint)


OFFICIAL = ImageRun(tuple(stack.OFFICIAL_ENTRYPOINT), tuple(stack.OFFICIAL_CMD), "the official postgres image")

# Images known by repository, for when the image is not present locally: {repository: (ENTRYPOINT,
# CMD, where it was checked)}. Images built FROM the official one without ENTRYPOINT or CMD of their
# own inherit the official values.
_INHERITS = "FROM postgres, no ENTRYPOINT or CMD of its own"
KNOWN_IMAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "postgres": (OFFICIAL.entrypoint, OFFICIAL.cmd,
                 "docker-library/postgres, every <major>/<variant>/Dockerfile"),
    "immich-app/postgres": (("/usr/local/bin/immich-docker-entrypoint.sh",),
                            ("postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"),
                            "immich-app/base-images postgres/Dockerfile, tag 202608211636"),
    "pgvector/pgvector": (OFFICIAL.entrypoint, OFFICIAL.cmd, f"pgvector/pgvector Dockerfile, tag v0.8.6 ({_INHERITS})"),
    "postgis/postgis": (OFFICIAL.entrypoint, OFFICIAL.cmd,
                        f"postgis/docker-postgis 18-3.6/Dockerfile and 18-3.6/alpine/Dockerfile, "
                        f"commit 51b3555 ({_INHERITS})"),
    "timescale/timescaledb": (OFFICIAL.entrypoint, OFFICIAL.cmd,
                              f"timescale/timescaledb-docker Dockerfile, commit 029292c ({_INHERITS})"),
    "pgautoupgrade/pgautoupgrade": (("/usr/local/bin/docker-entrypoint.sh",), ("postgres",),
                                    "pgautoupgrade/docker-pgautoupgrade Dockerfile.alpine and Dockerfile.trixie, "
                                    "commit 2671545 (its own docker-entrypoint.sh, at the official path)"),
}


def known_run(ref: ImageRef) -> ImageRun | None:
    """The table's values for an image, by repository (any registry, tag or digest)."""
    known = KNOWN_IMAGES.get(ref.repository)
    return ImageRun(*known) if known is not None else None
