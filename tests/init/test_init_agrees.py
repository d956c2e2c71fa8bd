"""What init writes is what the other commands expect: lint finds nothing, patch has nothing to do."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from composegen import catalog
from composegen.cli import cli
from composegen.init_stack import plan_init, write_plan


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    for name in catalog.names():
        write_plan(plan_init(catalog.load(name), root / name))
    return root


def test_lint_finds_nothing_in_any_generated_stack(stacks):
    result = CliRunner().invoke(cli, ["lint", str(stacks)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", catalog.names())
def test_patch_has_nothing_to_do_on_a_generated_stack(stacks, name):
    result = CliRunner().invoke(cli, ["patch", "--check", str(stacks / name / "compose.yaml")])
    assert result.exit_code == 0, result.output
