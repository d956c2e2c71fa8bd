"""`composegen docs`: the runtime's documentation (docs/runtime.md), as shipped with this version."""

from __future__ import annotations

import click


@click.command("docs")
def command() -> None:
    """Print how the generated runtime works: its rules 1-19, the Postgres service, data/, the scripts.

    The generated compose.yaml and utils/ scripts point here; the text is the docs/runtime.md of this
    version of composegen.
    """
    from composegen.resources import runtime_docs

    click.echo(runtime_docs().read_text(encoding="utf-8"), nl=False)
