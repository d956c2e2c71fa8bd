"""`composegen status` (placeholder until its issue lands)."""

import click


@click.command("status")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'status' is not implemented yet")
