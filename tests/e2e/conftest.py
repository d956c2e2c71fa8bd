"""Fixtures of the end-to-end tests: the engine, the test images, and a stack factory.

    def test_something(make_stack):
        stack = make_stack(image="15-dash", setup="composegen")
        stack.up()
        assert stack.psql("SELECT 1") == "1"

Every e2e test is marked `e2e` automatically. Without an engine they skip (a failure under CI=true).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.engine import EngineUnavailable, find_engine
from harness.images import ImagesUnavailable, ensure_images
from harness.stack import make_stack as _make_stack

HERE = Path(__file__).resolve().parent
# The stacks a test made, for its failure report (see pytest_runtest_makereport).
STACKS_MADE = pytest.StashKey[list]()
# Enough of each container's log to read why a stop, dump or restore went wrong.
FAILURE_LOG_LINES = 300


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed e2e test's report carries its stacks' container logs, read before teardown removes
    the containers: a fault seen once on a loaded CI machine can then be diagnosed from CI's output."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for stack in item.stash.get(STACKS_MADE, []):
        try:
            logs = stack.compose("logs", "--no-color", "--timestamps", "--tail", str(FAILURE_LOG_LINES),
                                 check=False, timeout=60)
            text = (logs.stdout + logs.stderr).strip() or "(no container left)"
        except Exception as exc:  # a report must never fail for want of logs
            text = f"(logs unavailable: {exc})"
        report.sections.append((f"container logs: {stack!r}", text))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def engine():
    """A Docker engine that answers (started here when possible), with the Compose v2 binary."""
    try:
        return find_engine()
    except EngineUnavailable as exc:
        pytest.skip(f"end-to-end tests need a Docker engine: {exc}")


@pytest.fixture(scope="session")
def test_images(engine):
    """All test images, built once per machine (minutes) and reused while their inputs are unchanged."""
    try:
        ensure_images(engine.docker)
    except ImagesUnavailable as exc:
        pytest.skip(f"end-to-end tests need the test images: {exc}")
    from harness.images import IMAGES

    return dict(IMAGES)


@pytest.fixture
def make_stack(engine, test_images, tmp_path, request):
    """Factory: make_stack([path], image=..., setup=..., ...) -> Stack (see harness.stack.make_stack).

    `path` defaults to a fresh folder under tmp_path. Every stack made here is torn down after the
    test (containers, networks, volumes), pass or fail.
    """
    made = []
    request.node.stash[STACKS_MADE] = made

    def factory(path: Path | None = None, **options):
        if path is None:
            slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
            path = tmp_path / f"{slug}-{len(made)}"
        stack = _make_stack(path, engine, **options)
        made.append(stack)
        return stack

    yield factory
    errors = []
    for stack in reversed(made):
        try:
            stack.destroy()
        except Exception as exc:  # tear down the others anyway
            errors.append(f"{stack}: {exc}")
    if errors:
        raise RuntimeError("teardown failed: " + "; ".join(errors))
