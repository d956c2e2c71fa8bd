"""The end-to-end harness (tests/e2e/harness), reused: engine, test images, stack factory.

Benchmark stacks differ from test stacks only in their compose project name (`cgbench-<hex>`), so
they are told apart on the shared engine, and in a few settings of their compose file.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from harness.engine import EngineUnavailable, find_engine  # noqa: E402
from harness.images import ImagesUnavailable, ensure_images, spec_for  # noqa: E402
from harness.stack import make_stack  # noqa: E402

PROJECT_PREFIX = "cgbench"
DEFAULT_IMAGE = "17-busybox"  # composegen's default image is postgres:17-alpine (busybox sh)
# The seed's own grace period is 5m: its stop with a client attached waits all of it (then
# SIGKILL). The benchmark caps it, and says so next to the figure.
SEED_GRACE_S = 20


class NoDocker(RuntimeError):
    """No engine or no test images: every figure that needs Docker is not measured, for this reason."""


def engine_with_images(image: str):
    """The harness's engine, with `image` built (minutes the first time). Raises NoDocker."""
    try:
        engine = find_engine()
    except EngineUnavailable as exc:
        raise NoDocker(f"no Docker engine: {exc}")
    try:
        ensure_images(engine.docker, [spec_for(image)])
    except ImagesUnavailable as exc:
        raise NoDocker(f"no test image {image}: {exc}")
    return engine


@contextmanager
def bench_stack(engine, workdir: Path, name: str, **options):
    """A harness stack under `workdir`, with a cgbench- project name; torn down on exit, whatever happens."""
    stack = make_stack(workdir / name, engine, **options)
    stack.project = f"{PROJECT_PREFIX}-{secrets.token_hex(4)}"
    try:
        yield stack
    finally:
        stack.destroy()


@contextmanager
def workdir():
    with tempfile.TemporaryDirectory(prefix="cgbench-") as path:
        yield Path(path)


def edit_postgres_service(stack, edit) -> None:
    """Apply `edit(service_dict)` to the Postgres service of the stack's compose file (the next
    `up` recreates the container with it)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 4096
    doc = yaml.load(stack.compose_file.read_text())
    edit(doc["services"]["postgres"])
    with open(stack.compose_file, "w") as out:
        yaml.dump(doc, out)
