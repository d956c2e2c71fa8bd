"""`composegen catalog`: the apps `init` knows."""

from __future__ import annotations

import click


@click.group("catalog")
def command() -> None:
    """The apps `composegen init APP` knows."""


@command.command("list")
@click.option("--evidence", "show_evidence", is_flag=True,
              help="Instead of what each app is, what backs its entry: upstream (every fact read in the app's "
                   "own repository or docs), or the facts backed only by secondary sources.")
def list_apps(show_evidence: bool) -> None:
    """One app per line: its name, then what it is (or, with --evidence, what backs its entry)."""
    from composegen import catalog
    from composegen.catalog import evidence

    entries = catalog.load_all()
    width = max(len(entry.name) for entry in entries)
    for entry in entries:
        text = evidence.verdict(entry.checked_against) if show_evidence else entry.description
        click.echo(f"{entry.name.ljust(width)}  {text}")


@command.command("show")
@click.argument("app")
def show(app: str) -> None:
    """Print APP's catalog entry (a service spec, usable with `init --spec`).

    It starts with the evidence behind the entry (upstream, or the facts backed only by secondary
    sources, then each fact's strongest kind of source), every source it was checked against (kind,
    repository, path, tag or commit, URL, the facts it covers), the PostgreSQL majors the app supports
    and the uid:gid its image runs as.
    """
    from composegen import catalog

    entry = catalog.load(app)  # validated, like everything init renders
    click.echo(catalog.summary(entry), nl=False)
    click.echo(catalog.entry_text(app), nl=False)
