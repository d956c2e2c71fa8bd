"""Fixtures of the patch tests: no Docker engine is asked (unit tests run anywhere)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from composegen.cli import cli


@pytest.fixture(autouse=True)
def no_engine(monkeypatch):
    """Patch asks Docker whether the service has containers; here it has none."""
    from composegen.patch import docker

    monkeypatch.setattr(docker, "service_containers", lambda folder, service: [])


@pytest.fixture
def run_patch():
    def invoke(*args: str):
        return CliRunner().invoke(cli, ["patch", *map(str, args)])

    return invoke


@pytest.fixture(autouse=True)
def no_local_images(monkeypatch):
    """Patch asks Docker for the image's ENTRYPOINT and CMD; here no image is present (the table of
    well-known images answers). Tests of the inspected case replace this."""
    from composegen import image_config as image

    monkeypatch.setattr(image, "inspect_config", lambda name: None)
