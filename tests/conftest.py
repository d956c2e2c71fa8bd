"""Project-wide test policy: under CI=true a skipped test is a failure; the end-to-end tests run last."""

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
E2E_DIR = Path(__file__).resolve().parent / "e2e"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # The unit tests first (a stable sort: each part keeps its order): the test images' first build
    # (minutes, mostly downloads; .ci/run starts it before pip) then runs beside them, and the
    # end-to-end tests' fixture only waits for what is left of it.
    items.sort(key=lambda item: E2E_DIR in Path(str(item.fspath)).resolve().parents)
