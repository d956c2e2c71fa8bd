"""What `composegen init` writes lints clean with the real templates; editing a script is drift."""

from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner

from composegen.cli import cli

pytestmark = pytest.mark.real_utils


@pytest.fixture
def generated(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = CliRunner().invoke(cli, ["init", "miniflux", "--dir", str(tmp_path / "miniflux")])
    assert result.exit_code == 0, result.output
    return tmp_path / "miniflux"


def test_init_output_is_clean(generated):
    result = CliRunner().invoke(cli, ["lint", "--fail-on", "note", str(generated.parent)])
    assert result.exit_code == 0, result.output
    assert "1 compose file checked, 0 findings" in result.output


def test_edited_script_is_drift(generated):
    with open(generated / "utils" / "dump", "a") as script:
        script.write("# local change\n")
    result = CliRunner().invoke(cli, ["lint", str(generated)])
    assert result.exit_code == 1 and "CG003" in result.output and "utils/dump differs" in result.output
