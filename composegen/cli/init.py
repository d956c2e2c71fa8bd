"""`composegen init` (placeholder until its issue lands)."""

import click


@click.command("init")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'init' is not implemented yet")
