"""CG003: utils/ scripts that differ from what composegen renders today (or are missing)."""

import os

from composegen import contract
from composegen.compose import model as compose_model
from composegen.lint.finding import Severity
from composegen.compose.positions import key_position
from composegen.lint.rule import Issue, Rule
from composegen.lint.rules._stack_files import mount_of, utils_folder


def check(document, context):
    checked = set()
    for found in document.postgres_services():
        name, service = found.name, found.mapping
        if not compose_model.runs_composegen_entrypoint(service):
            continue  # no setup yet: missing-setup says so
        folder = utils_folder(document, service)
        if folder in checked:
            continue
        checked.add(folder)
        mount = mount_of(service, contract.UTILS_DIR)
        line, column = mount.position if mount else key_position(document.services, name)
        stale, missing = [], []
        for script, expected in context.rendered_utils.items():
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
        shown = os.path.relpath(folder, document.folder)
        if missing:
            yield Issue(line, column, f"{shown}/ lacks {', '.join(missing)} (drift); fix: composegen patch {document.path}")
        if stale:
            files = ", ".join(f"{shown}/{script}" for script in stale)
            verb = "differs" if len(stale) == 1 else "differ"
            yield Issue(line, column, f"{files} {verb} from what composegen renders today (drift); "
                        f"fix: composegen patch {document.path}")


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
)
