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
    """Print APP's catalog entry (a service spec, usable with `init --spec`).

    It starts with what the entry was checked against (upstream repository, path, tag or commit), the
    PostgreSQL majors the app supports and the uid:gid its image runs as.
    """
    from composegen import catalog

    entry = catalog.load(app)  # validated, like everything init renders
    click.echo(catalog.summary(entry), nl=False)
    click.echo(catalog.entry_text(app), nl=False)
