"""lint over the shared corpus of 28 real compose files: every Postgres service is reported, nothing crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from composegen.lint.config import LintConfig
from composegen.compose.document import load
from composegen.lint.engine import run

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "compose"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not at {CORPUS}")


@pytest.fixture(scope="module")
def result():
    return run([CORPUS], LintConfig(), patterns=("*.yaml",))


def test_every_file_is_checked_and_none_is_invalid(result):
    assert len(result.files) == len(list(CORPUS.glob("*.yaml"))) == 28
    assert not [f for f in result.findings if f.rule_id == "CG000"]


def test_every_postgres_service_is_reported(result):
    """Each service detect finds gets missing-setup (official image or one keeping its contract) or
    other-contract-image (bitnami, sourcegraph), at the service's own line."""
    reported = {(Path(f.path).name, f.line) for f in result.findings if f.rule_id in ("CG001", "CG012")}
    expected = set()
    for path in sorted(CORPUS.glob("*.yaml")):
        services = load(path).postgres_services()
        assert services, f"{path.name}: no Postgres service found"
        expected |= {(path.name, service.line) for service in services}
    assert reported == expected


def test_sourcegraph_exporters_are_not_postgres(result):
    lines = {f.line for f in result.findings if "sourcegraph" in f.path and f.rule_id == "CG012"}
    assert len(lines) == 3
