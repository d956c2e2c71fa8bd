"""One module per lint rule, named after it (rule `missing-setup` is missing_setup.py); each exposes
`RULE`, its metadata and its check. ALL_RULES holds them in id order, their order in listings and SARIF."""

from __future__ import annotations

import importlib
import pkgutil

from composegen.lint.rule import Rule


def _load() -> list[Rule]:
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((module.RULE for module in modules), key=lambda rule: rule.id)


ALL_RULES: list[Rule] = _load()


def rule_by_key(key: str) -> Rule | None:
    """A rule by its id (CG001) or its name (missing-setup)."""
    for rule in ALL_RULES:
        if key in (rule.id, rule.name):
            return rule
    return None
