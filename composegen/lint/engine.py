"""Run the rules over the compose files: parse each file once, honour config and inline ignores."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from composegen.errors import UserError
from composegen.compose import discovery, git
from composegen.lint.config import LintConfig
from composegen.lint.context import LintContext, stack_paths_for_git
from composegen.compose.document import load
from composegen.lint.finding import Finding, Severity
from composegen.lint.rule import FILE, POSTGRES, Issue, Rule, ServiceContext
from composegen.lint.rules import ALL_RULES
from composegen.lint.rules.invalid_yaml import RULE as INVALID_YAML

# Parsing is pure Python (~3 ms for a small compose file): past this many files, use every core.
PARALLEL_THRESHOLD = 64


@dataclass
class LintResult:
    files: list[Path]
    findings: list[Finding]
    rules: list[Rule]  # the rules that ran, each with its configured severity

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def fails(self, threshold: Severity) -> bool:
        return any(finding.severity >= threshold for finding in self.findings)


def active_rules(config: LintConfig) -> list[Rule]:
    return [
        dataclasses.replace(rule, severity=config.severity_of(rule))
        for rule in ALL_RULES
        if rule.id not in config.disabled
    ]


def lint_file(path: Path, rules: list[Rule], context: LintContext) -> list[Finding]:
    try:
        stack = context.stack if context.stack is not None and context.stack.main == path else None
        document = load(path, list(context.env_files) or None, stack)
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if document.parse_error is not None:
        rules = [rule for rule in rules if rule.id == INVALID_YAML.id]
    findings = []
    for rule in rules:
        for issue in rule_issues(rule, document, context):
            if document.is_ignored(issue.line, (rule.id, rule.name)):
                continue
            findings.append(Finding(str(path), issue.line, issue.column, rule.id, rule.severity, issue.message))
    return findings


def rule_issues(rule: Rule, document, context: LintContext) -> Iterable[Issue]:
    """What one rule finds in one file: its check called once, or for each service in its scope."""
    from composegen.compose.model import runs_composegen_entrypoint

    if rule.scope == FILE:
        yield from rule.check(document, context)
        return
    if rule.scope == POSTGRES:
        targets = [(found.name, found.mapping, found) for found in document.postgres_services()]
    else:
        postgres = {found.name: found for found in document.postgres_services()}
        targets = [(name, service, postgres.get(name)) for name, service in document.services.items()
                   if hasattr(service, "get")]
    seen: set = set()
    for name, service, found in targets:
        if rule.only_with_setup and not runs_composegen_entrypoint(service):
            continue
        yield from rule.check(name, service, ServiceContext(document, context, name, service, found, seen))


# Set in the parent before the pool forks, so workers inherit the rendered scripts and git's answers.
_SHARED: tuple[list[Rule], LintContext] | None = None


def _lint_in_worker(path: Path) -> list[Finding]:
    rules, context = _SHARED
    return lint_file(path, rules, context)


def _lint_all(files: list[Path], rules: list[Rule], context: LintContext) -> list[Finding]:
    global _SHARED
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    workers = min(len(usable), 8)
    if len(files) < PARALLEL_THRESHOLD or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [finding for path in files for finding in lint_file(path, rules, context)]
    if any(rule.name == "utils-drift" for rule in rules):
        context.rendered_utils  # render once in the parent: the forked workers inherit it
    _SHARED = (rules, context)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            chunk = max(1, len(files) // (workers * 4))
            return [finding for findings in pool.map(_lint_in_worker, files, chunksize=chunk) for finding in findings]
    finally:
        _SHARED = None


def run(paths: list[Path], config: LintConfig, patterns: tuple[str, ...] = discovery.COMPOSE_FILE_NAMES,
        env_files: tuple[Path, ...] = (), allow_empty: bool = True, compose_files: tuple[Path, ...] = ()) -> LintResult:
    """Lint the compose files under `paths`, or (`compose_files`, as `-f`) the first of those files with
    the others merged over it."""
    stack = None
    if compose_files:
        from composegen.compose.files import stack_files

        stack = stack_files(None, compose_files, env_files)
        files = [stack.main]
    else:
        files = [path for path in discovery.compose_files(paths, patterns) if not config.is_excluded(path)]
    if not files and not allow_empty:
        # A wrong path in CI must not pass as "0 files, no finding".
        raise UserError(f"no compose file under {', '.join(map(str, paths))} (looked for {', '.join(patterns)}); "
                        f"--allow-empty accepts that")
    rules = active_rules(config)
    asked, folders = [], set()
    for path in files:
        stack_paths, stack_folders = stack_paths_for_git(path)
        asked.extend(stack_paths)
        folders |= stack_folders
    context = LintContext(git_ignored=git.ignored(asked, folders), env_files=tuple(env_files), stack=stack)
    findings = sorted(_lint_all(files, rules, context))
    return LintResult(files=files, findings=findings, rules=rules)
