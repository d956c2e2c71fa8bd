"""Command-line interface: parse, call the core, print. Nothing else lives here.

One module per command (composegen/cli/<command>.py), imported only when that command runs (or
`--help` lists them all), and core modules are imported inside each command's function: a command's
start-up pays for its own imports alone (`init APP --dry-run` is benchmarked against 150 ms).
"""

from __future__ import annotations

import importlib
import sys

import click

from composegen import __version__
from composegen.errors import UserError


# Command name -> its module under composegen/cli, in the order `--help` lists them.
COMMAND_MODULES = {"init": "init", "catalog": "catalog", "patch": "patch", "lint": "lint",
                   "status": "status", "down": "down", "verify": "verify", "upgrade": "upgrade",
                   "docs": "docs"}


class _Group(click.Group):
    """Turns a UserError anywhere below, and Click's own usage errors, into one line on stderr and exit
    status 2 (Click prints a four-line usage block for the latter). Each command's module is imported
    when the command is looked up, not at start-up."""

    def list_commands(self, ctx):
        return list(COMMAND_MODULES)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            module = importlib.import_module(f"composegen.cli.{COMMAND_MODULES[cmd_name]}")
            self.add_command(module.command, cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"composegen: error: {_one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            click.echo(f"composegen: error: {_one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"composegen: error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("composegen: aborted", err=True)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


def _one_line(text: str) -> str:
    return "; ".join(part.strip() for part in text.strip().splitlines() if part.strip())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="composegen")
def cli() -> None:
    """Postgres-in-a-folder for Docker Compose: the database lives at rest as a dump in ./data/."""


def main() -> None:
    cli(prog_name="composegen")
