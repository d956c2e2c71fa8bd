"""CG003: utils/ scripts that differ from what composegen renders today (or are missing)."""

import os

from composegen import contract
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


def check(name, service, context):
    folder = context.utils_folder()
    if not context.first_time(folder):
        return  # two services sharing one utils/: reported once
    stale, missing = [], []
    for script, expected in context.run.rendered_utils.items():
        try:
            actual = (folder / script).read_bytes()
        except FileNotFoundError:
            missing.append(script)
            continue
        except OSError:
            stale.append(script)
            continue
        if actual != expected:
            stale.append(script)
    line, column = context.mount_position(contract.UTILS_DIR)
    shown = os.path.relpath(folder, context.document.folder)
    fix = f"fix: {context.document.patch_command}"
    if missing:
        yield Issue(line, column, f"{shown}/ lacks {', '.join(missing)} (drift); {fix}")
    if stale:
        files = ", ".join(f"{shown}/{script}" for script in stale)
        verb = "differs" if len(stale) == 1 else "differ"
        yield Issue(line, column, f"{files} {verb} from what composegen renders today (drift); {fix}")


RULE = Rule(
    id="CG003",
    name="utils-drift",
    severity=Severity.error,
    summary="utils/ scripts differ from what composegen renders today.",
    explanation=(
        "The runtime scripts are identical for every stack (per-stack options come from the environment), "
        "so a script that differs was edited by hand or predates a fix in composegen: its stop, dump or "
        "restore may not keep the guarantees in docs/runtime.md, and the fleet no longer behaves alike. "
        "Fix: run `composegen patch <compose file>` to rewrite utils/ (move local changes into the "
        "COMPOSEGEN_* options or a change to composegen itself)."
    ),
    check=check,
    only_with_setup=True,  # no setup yet: missing-setup says so
)
