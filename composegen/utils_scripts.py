"""The runtime scripts of utils/, as composegen renders them today (for init, patch and lint's drift check)."""

from __future__ import annotations

from composegen import contract, stack
from composegen.render import render


def render_utils() -> dict[str, str]:
    """{file name in utils/: content}. The scripts hold no per-stack values (options come from the
    environment); lib.sh's header holds the runtime contract, rendered from composegen/contract.py."""
    return {name: render(f"utils/{name}.j2", c=contract) for name in stack.UTILS_SCRIPTS}
