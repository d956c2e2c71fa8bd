"""`composegen lint` (placeholder until its issue lands)."""

import click


@click.command("lint")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'lint' is not implemented yet")
