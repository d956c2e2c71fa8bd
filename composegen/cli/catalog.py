"""`composegen catalog`: the apps `init` knows."""

from __future__ import annotations

import click


@click.group("catalog")
def command() -> None:
    """The apps `composegen init APP` knows."""


@command.command("list")
def list_apps() -> None:
    """One app per line: its name, then what it is."""
    from composegen import catalog

    entries = catalog.load_all()
    width = max(len(entry.name) for entry in entries)
    for entry in entries:
        click.echo(f"{entry.name.ljust(width)}  {entry.description}")


@command.command("show")
@click.argument("app")
def show(app: str) -> None:
    """Print APP's catalog entry (a service spec, usable with `init --spec`)."""
    from composegen import catalog

    catalog.load(app)  # validated, like everything init renders
    click.echo(catalog.entry_text(app), nl=False)
