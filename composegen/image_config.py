"""What the service's image runs (rule 16), for init and patch: `docker image inspect` when the image is
present; else the table of well-known images (composegen/image_run.py); else patch refuses (pull the
image first). Also whether an image unknown by name keeps the official contract (`--service NAME`).
"""

from __future__ import annotations

import json
import subprocess

from composegen import stack
from composegen.compose.detect import ImageRef
from composegen.errors import UserError
from composegen.image_run import ImageRun, known_run


class ImageUnreadable(UserError):
    """The engine answered about the image, but not with a config we can read."""


def inspect_config(image: str) -> dict | None:
    """The image's `.Config` from `docker image inspect`; None when the image is not present.

    Raises OSError (docker missing or not answering) and ImageUnreadable (an answer that is not a config).
    """
    try:
        done = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config}}", image],
                              capture_output=True, text=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise OSError(str(exc)) from None
    if done.returncode != 0:
        err = done.stderr.strip()
        if "no such image" in err.lower():
            return None
        raise OSError(err.splitlines()[-1] if err else f"docker image inspect exited {done.returncode}")
    try:
        config = json.loads(done.stdout)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise ImageUnreadable(f"cannot read the config of image {image} (docker image inspect gave "
                              f"{done.stdout.strip()[:80]!r}): nothing changed")
    return config


def _words(value: object, what: str, image: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
        raise ImageUnreadable(f"cannot read the config of image {image}: its {what} is {value!r}, not a list of "
                              f"words: nothing changed")
    return tuple(value)


def _env(config: dict) -> dict[str, str]:
    found = {}
    for item in config.get("Env") or []:
        if isinstance(item, str) and "=" in item:
            key, _, value = item.partition("=")
            found[key] = value
    return found


def run_of(image: str, ref: ImageRef, again: str = "patch again") -> ImageRun:
    """The ENTRYPOINT and CMD of the service's image, from the engine or from KNOWN_IMAGES."""
    try:
        config = inspect_config(image)
        why_not = "it is not present here"
    except OSError as exc:
        config = None
        why_not = f"docker did not answer: {exc}"
    if config is not None:
        return ImageRun(_words(config.get("Entrypoint"), "ENTRYPOINT", image),
                        _words(config.get("Cmd"), "CMD", image), f"docker image inspect {image}")
    known = known_run(ref)
    if known is not None:
        return known
    raise UserError(f"cannot tell what image {image} runs ({why_not}): pull the image first "
                    f"(docker pull {image}), then {again}")


def contract_problem(image: str, again: str = "patch again") -> str | None:
    """For an image not known by name (`--service NAME`): None when its config shows the official
    contract (built FROM the official image: its PG_MAJOR and PGDATA, and docker-entrypoint.sh or a
    `postgres` command), else why not."""
    try:
        config = inspect_config(image)
    except OSError as exc:
        return f"the config of image {image} cannot be read (docker did not answer: {exc})"
    if config is None:
        return f"image {image} is not present here to inspect: pull it (docker pull {image}), then {again}"
    env = _env(config)
    entrypoint = _words(config.get("Entrypoint"), "ENTRYPOINT", image)
    cmd = _words(config.get("Cmd"), "CMD", image)
    missing = [name for name in ("PG_MAJOR", "PGDATA") if not env.get(name)]
    if missing:
        return (f"image {image} does not look built on the official postgres image (its environment has no "
                f"{' or '.join(missing)})")
    runs_official = bool(entrypoint) and entrypoint[-1].rsplit("/", 1)[-1] == stack.OFFICIAL_ENTRYPOINT[0]
    if not runs_official and cmd[:1] != tuple(stack.OFFICIAL_CMD):
        return (f"image {image} runs {list(entrypoint) + list(cmd)}: neither docker-entrypoint.sh nor a "
                f"`postgres` command, so it may not keep the official entrypoint's contract")
    return None
