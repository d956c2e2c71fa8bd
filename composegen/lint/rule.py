"""The shape every lint rule module exposes as `RULE`: its metadata and its check.

Most rules judge one service at a time: `check(name, service, context)` (as compose-lint's rules do),
called by the engine for each service in the rule's scope, so no rule repeats the service loop or the
"skip it unless it has the setup" test. A few judge the file as a whole: `check(document, context)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Hashable, Iterable

from composegen.lint.finding import Severity

if TYPE_CHECKING:
    from composegen.compose.detect import PostgresService
    from composegen.compose.document import ComposeDocument
    from composegen.lint.context import LintContext

# What a rule's check is called for.
POSTGRES = "postgres"  # each Postgres service: check(name, service, ServiceContext)
SERVICE = "service"  # each service of the file: check(name, service, ServiceContext)
FILE = "file"  # the file once: check(document, LintContext)


@dataclass(frozen=True)
class Issue:
    """What a check reports, before the engine attaches the file, the rule and the configured severity."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Rule:
    id: str  # stable, e.g. CG001: what config, inline ignores and SARIF refer to
    name: str  # kebab-case, also accepted wherever an id is; the rule's module is named after it
    severity: Severity  # default; .composegen.yaml may change it
    summary: str  # one line
    explanation: str  # one paragraph: why it matters and how to fix it
    check: Callable[..., Iterable[Issue]]
    scope: str = POSTGRES
    only_with_setup: bool = False  # only services that run composegen's entrypoint (POSTGRES scope)


@dataclass
class ServiceContext:
    """What a per-service check may look at beyond the service itself."""

    document: ComposeDocument
    run: LintContext  # shared by the whole run: rendered scripts, git's answers
    name: str
    service: object  # the service's mapping, as the check receives it
    postgres: PostgresService | None  # what detection found (always set in the POSTGRES scope)
    seen: set = field(default_factory=set)  # shared by the checks of one rule over one file

    def service_position(self) -> tuple[int, int]:
        """Where the service's key is: where a finding about the service as a whole points."""
        from composegen.compose.positions import key_position

        return key_position(self.document.services, self.name)

    def mount_position(self, target: str) -> tuple[int, int]:
        """Where the service mounts `target` (its volumes entry), else the service's key."""
        from composegen.compose.model import volume_entries

        for entry in volume_entries(self.service):
            if entry.target == target:
                return entry.position
        return self.service_position()

    def utils_folder(self) -> Path:
        """The stack's utils/ on the host, as the service mounts it."""
        from composegen.compose import stack_paths

        return stack_paths.utils_folder(self.document.folder, self.service)

    def data_folder(self) -> Path:
        """The service's dumps folder on the host, as it mounts it."""
        from composegen.compose import stack_paths

        return stack_paths.data_folder(self.document.folder, self.service)

    def first_time(self, key: Hashable) -> bool:
        """True the first time a check asks with `key` in this file (a folder two services share is
        reported once)."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True
