"""Lint tests use fixed utils/ scripts, so they do not depend on the runtime templates' current text
(the drift rule compares bytes, whatever they are)."""

import pytest

from lint_helpers import FAKE_UTILS


def pytest_configure(config):
    config.addinivalue_line("markers", "real_utils: lint with the real render_utils() (templates/utils/)")


@pytest.fixture(autouse=True)
def fake_render_utils(monkeypatch, request):
    if request.node.get_closest_marker("real_utils"):
        return
    monkeypatch.setattr("composegen.utils_scripts.render_utils", lambda: dict(FAKE_UTILS))
