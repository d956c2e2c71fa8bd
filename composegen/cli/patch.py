"""`composegen patch` (placeholder until its issue lands)."""

import click


@click.command("patch")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("'patch' is not implemented yet")
