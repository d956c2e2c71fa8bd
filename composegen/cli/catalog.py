"""`composegen catalog` (placeholder until its issue lands)."""

import click


@click.command("catalog")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'catalog' is not implemented yet")
