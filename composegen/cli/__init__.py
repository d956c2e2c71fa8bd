"""Command-line interface: parse, call the core, print. Nothing else lives here.

One module per command (composegen/cli/<command>.py). Core modules are imported inside each
command's function so `composegen --help` stays fast.
"""

from __future__ import annotations

import click

from composegen import __version__
from composegen.errors import UserError


class _Group(click.Group):
    """Turns a UserError anywhere below into one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"composegen: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="composegen")
def cli() -> None:
    """Postgres-in-a-folder for Docker Compose: the database lives at rest as a dump in ./data/."""


def _register() -> None:
    from composegen.cli import catalog, down, init, lint, patch, status, upgrade, verify

    for module in (init, catalog, patch, lint, status, down, verify, upgrade):
        cli.add_command(module.command)


_register()


def main() -> None:
    cli(prog_name="composegen")
