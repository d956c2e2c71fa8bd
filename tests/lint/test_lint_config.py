""".composegen.yaml: disable rules, change severities, exclude paths; a bad config is a user error."""

from __future__ import annotations

from pathlib import Path

import pytest

from composegen.errors import UserError
from composegen.lint.config import find_config, load_config
from composegen.lint.finding import Severity
from composegen.lint.rules import ALL_RULES
from lint_helpers import GOOD_COMPOSE, git_init, lint, rule_ids, write_stack

UNPINNED = GOOD_COMPOSE.replace("image: postgres:17-alpine", "image: postgres")


def config_from(tmp_path: Path, text: str):
    path = tmp_path / ".composegen.yaml"
    path.write_text(text)
    return load_config(path, ALL_RULES)


def test_disable_by_id_or_name(tmp_path):
    stack_file = write_stack(tmp_path / "s", UNPINNED)
    assert rule_ids(lint(stack_file)) == ["CG008"]
    assert lint(stack_file, config=config_from(tmp_path, "disable: [CG008]\n")).findings == []
    assert lint(stack_file, config=config_from(tmp_path, "disable: [unpinned-image]\n")).findings == []


def test_disabled_rules_are_not_listed(tmp_path):
    result = lint(write_stack(tmp_path / "s"), config=config_from(tmp_path, "disable: [CG008]\n"))
    assert "CG008" not in [rule.id for rule in result.rules]


def test_severity_change(tmp_path):
    config = config_from(tmp_path, "severity:\n  unpinned-image: error\n")
    [finding] = lint(write_stack(tmp_path / "s", UNPINNED), config=config).findings
    assert finding.severity is Severity.error
    assert lint(write_stack(tmp_path / "s", UNPINNED), config=config).fails(Severity.error)


def test_exclude_paths(tmp_path):
    write_stack(tmp_path / "legacy" / "old", UNPINNED)
    write_stack(tmp_path / "new", UNPINNED)
    config = config_from(tmp_path, "exclude:\n  - legacy\n")
    result = lint(tmp_path, config=config)
    assert [Path(f).parent.name for f in (x.path for x in result.findings)] == ["new"]
    assert lint(tmp_path, config=config_from(tmp_path, "exclude: ['*/old/compose.yaml']\n")).findings[0].path.endswith("new/compose.yaml")


@pytest.mark.parametrize("text, message", [
    ("disable: CG008\n", "disable"),
    ("disable: [CG999]\n", "unknown rule 'CG999'"),
    ("severity:\n  CG008: fatal\n", "severity/CG008"),
    ("exclude: [legacy]\nextra: 1\n", "extra"),
    ("disable: [\n", "not valid YAML"),
    ("- a\n", "top level"),
])
def test_bad_config_is_a_user_error(tmp_path, text, message):
    with pytest.raises(UserError, match=message.replace("[", r"\[")):
        config_from(tmp_path, text)


def test_empty_config_is_fine(tmp_path):
    assert config_from(tmp_path, "").disabled == frozenset()


def test_found_at_the_repository_root_not_above(tmp_path):
    (tmp_path / ".composegen.yaml").write_text("disable: [CG008]\n")
    repo = tmp_path / "repo"
    (repo / "a" / "b").mkdir(parents=True)
    git_init(repo)
    assert find_config(repo / "a" / "b") is None
    (repo / ".composegen.yaml").write_text("")
    assert find_config(repo / "a" / "b") == (repo / ".composegen.yaml").resolve()
