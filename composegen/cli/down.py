"""`composegen down` (placeholder until its issue lands)."""

import click


@click.command("down")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'down' is not implemented yet")
