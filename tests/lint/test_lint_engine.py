"""The engine: the parallel path finds exactly what the serial one does; the rendered scripts are
computed once per run."""

from __future__ import annotations

from composegen.lint import engine
from composegen.lint.config import LintConfig
from lint_helpers import FAKE_UTILS, GOOD_COMPOSE, write_stack


def test_parallel_and_serial_agree(tmp_path, monkeypatch):
    for index in range(70):
        text = GOOD_COMPOSE if index % 2 else GOOD_COMPOSE.replace("image: postgres:17-alpine", "image: postgres")
        write_stack(tmp_path / f"s{index:02}", text)
    (tmp_path / "s03" / "utils" / "dump").write_text("changed\n")
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 10**6)
    serial = engine.run([tmp_path], LintConfig())
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 2)
    parallel = engine.run([tmp_path], LintConfig())
    assert len(serial.findings) == 36
    assert parallel.findings == serial.findings and parallel.files == serial.files


def test_render_utils_once_per_run(tmp_path, monkeypatch):
    calls = []

    def counting():
        calls.append(1)
        return dict(FAKE_UTILS)

    monkeypatch.setattr("composegen.utils_scripts.render_utils", counting)
    for index in range(3):
        write_stack(tmp_path / f"s{index}")
    assert engine.run([tmp_path], LintConfig()).findings == []
    assert len(calls) == 1


def test_each_rule_module_is_named_after_its_rule():
    import pkgutil

    from composegen.lint import rules

    modules = sorted(info.name for info in pkgutil.iter_modules(rules.__path__))
    assert modules == sorted(rule.name.replace("-", "_") for rule in rules.ALL_RULES)
    assert [rule.id for rule in rules.ALL_RULES] == [f"CG{n:03}" for n in range(14)]


def test_per_service_checks_see_their_scope(tmp_path):
    from composegen.compose.document import load
    from composegen.lint.context import LintContext
    from composegen.lint.finding import Severity
    from composegen.lint.rule import POSTGRES, SERVICE, Issue, Rule

    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  app:\n    image: nginx:1\n  plain:\n    image: postgres:16\n"
                       "  setup:\n    image: postgres:16\n    entrypoint: [/utils/entrypoint]\n")
    seen = []

    def check(name, service, context):
        seen.append((name, context.postgres.name if context.postgres else None, context.first_time("once")))
        yield Issue(1, 1, name)

    def names(**scope):
        seen.clear()
        rule = Rule("CG999", "probe", Severity.warning, "", "", check, **scope)
        issues = list(engine.rule_issues(rule, load(compose), LintContext()))
        assert [issue.message for issue in issues] == [name for name, _, _ in seen]
        return list(seen)

    assert names(scope=SERVICE) == [("app", None, True), ("plain", "plain", False), ("setup", "setup", False)]
    assert names(scope=POSTGRES) == [("plain", "plain", True), ("setup", "setup", False)]
    assert names(scope=POSTGRES, only_with_setup=True) == [("setup", "setup", True)]
