"""One module per lint rule; each exposes `RULE`. ALL_RULES is their order in listings and SARIF."""

from __future__ import annotations

from composegen.lint.rule import Rule
from composegen.lint.rules import (
    data_not_ignored,
    healthcheck_runs_dump,
    invalid_yaml,
    literal_password,
    missing_setup,
    no_restart_policy,
    other_contract_image,
    pgdata_mount,
    shared_dumps_folder,
    short_stop_grace_period,
    stop_signal_kill,
    unpinned_image,
    utils_drift,
    utils_not_executable,
)

ALL_RULES: list[Rule] = [
    module.RULE
    for module in (
        invalid_yaml,
        missing_setup,
        healthcheck_runs_dump,
        utils_drift,
        utils_not_executable,
        pgdata_mount,
        stop_signal_kill,
        short_stop_grace_period,
        unpinned_image,
        literal_password,
        data_not_ignored,
        no_restart_policy,
        other_contract_image,
        shared_dumps_folder,
    )
]


def rule_by_key(key: str) -> Rule | None:
    """A rule by its id (CG001) or its name (missing-setup)."""
    for rule in ALL_RULES:
        if key in (rule.id, rule.name):
            return rule
    return None
