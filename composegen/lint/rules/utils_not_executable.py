"""CG004: utils/ scripts the container cannot execute."""

import os

from composegen import contract, stack
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def executed_scripts() -> list[str]:
    # lib.sh is sourced by the others, never executed: its mode does not matter.
    return [name for name in stack.UTILS_SCRIPTS if not name.endswith(".sh")]


def check(name, service, context):
    folder = context.utils_folder()
    if not context.first_time(folder):
        return  # two services sharing one utils/: reported once
    for script in executed_scripts():
        try:
            mode = os.stat(folder / script).st_mode
        except OSError:
            continue  # missing: utils-drift reports it
        if not mode & 0o111:
            yield Issue(*context.mount_position(contract.UTILS_DIR), f"utils/{script} is not executable "
                        f"(mode {mode & 0o7777:04o}); fix: chmod 0755 {folder / script}")


RULE = Rule(
    id="CG004",
    name="utils-not-executable",
    severity=Severity.error,
    summary="utils/ scripts are not executable.",
    explanation=(
        "The container runs utils/entrypoint as PID 1 and utils/dump, utils/healthcheck and utils/restore "
        "directly; without the execute bit the container fails to start (permission denied) or the "
        "healthcheck fails. This happens after a copy or checkout that drops modes. Fix: "
        "`chmod 0755 utils/*` (or `composegen patch <compose file>`, which rewrites utils/ with mode 0755), "
        "and commit the mode (`git update-index --chmod=+x`)."
    ),
    check=check,
    only_with_setup=True,
)
