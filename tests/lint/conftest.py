"""Lint tests use fixed utils/ scripts, so they do not depend on the runtime templates' current text
(the drift rule compares bytes, whatever they are)."""

import pytest

from lint_helpers import FAKE_UTILS


@pytest.fixture(autouse=True)
def fake_render_utils(monkeypatch):
    monkeypatch.setattr("composegen.utils_scripts.render_utils", lambda: dict(FAKE_UTILS))
