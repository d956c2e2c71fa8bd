"""Inline `# composegen: ignore[rule]` on the finding's line or the line above."""

from __future__ import annotations

from lint_helpers import GOOD_COMPOSE, lint, rule_ids, write_stack

LITERAL = GOOD_COMPOSE.replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}", "hunter2")


def test_same_line(tmp_path):
    text = LITERAL.replace("POSTGRES_PASSWORD: hunter2", "POSTGRES_PASSWORD: hunter2  # composegen: ignore[CG009]")
    assert lint(write_stack(tmp_path, text)).findings == []


def test_line_above_by_name(tmp_path):
    text = LITERAL.replace("      POSTGRES_PASSWORD: hunter2",
                           "      # local test stack only  composegen: ignore[literal-password]\n"
                           "      POSTGRES_PASSWORD: hunter2")
    assert lint(write_stack(tmp_path, text)).findings == []


def test_other_rule_or_far_line_does_not_silence(tmp_path):
    text = LITERAL.replace("      POSTGRES_PASSWORD: hunter2", "      POSTGRES_PASSWORD: hunter2 # composegen: ignore[CG008]")
    assert rule_ids(lint(write_stack(tmp_path, text))) == ["CG009"]
    text = LITERAL.replace("      POSTGRES_USER: app", "      POSTGRES_USER: app  # composegen: ignore[CG009]\n      POSTGRES_X: y")
    assert rule_ids(lint(write_stack(tmp_path, text))) == ["CG009"]


def test_several_rules_in_one_comment(tmp_path):
    text = "services:\n  db:  # composegen: ignore[CG001, no-restart-policy]\n    image: postgres:16\n"
    assert lint(write_stack(tmp_path, text, utils=False)).findings == []
