"""The shape every lint rule module exposes as `RULE`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from composegen.lint.finding import Severity

if TYPE_CHECKING:
    from composegen.lint.context import LintContext
    from composegen.compose.document import ComposeDocument


@dataclass(frozen=True)
class Issue:
    """What a check reports, before the engine attaches the file, the rule and the configured severity."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Rule:
    id: str  # stable, e.g. CG001: what config, inline ignores and SARIF refer to
    name: str  # kebab-case, also accepted wherever an id is
    severity: Severity  # default; .composegen.yaml may change it
    summary: str  # one line
    explanation: str  # one paragraph: why it matters and how to fix it
    check: Callable[["ComposeDocument", "LintContext"], Iterable[Issue]]
