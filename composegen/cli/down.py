"""`composegen down [PATH] [-- ARGS]`: stop, confirm a good stop-time dump, then `docker compose down ARGS`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("down", context_settings={"ignore_unknown_options": False})
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.argument("compose_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--dry-run", is_flag=True, help="Say what would be run and checked; change nothing.")
@click.option("-p", "--project-name", help="The Compose project name, if not the folder's (as `docker compose -p`).")
@click.option("--env-file", "env_files", multiple=True, type=click.Path(path_type=Path),
              help="Compose's variables from this file instead of .env (repeatable; passed on to Compose).")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Compose file, as `docker compose -f` (repeatable; passed on to Compose). Default: PATH, else "
                   "COMPOSE_FILE, else the compose file in the current folder.")
@click.option("--profile", "profiles", multiple=True, metavar="NAME",
              help="Compose profile to enable, passed on to Compose (repeatable, as `docker compose --profile`; "
                   "COMPOSE_PROFILES works too): a Postgres service under a profile is only stopped with it.")
def command(path, compose_args, dry_run, project_name, env_files, files, profiles) -> None:
    """Stop the stack at PATH (a folder or compose file, default .), confirm that each Postgres service
    wrote a good dump at that stop, and only then run `docker compose down`.

    Arguments after `--` go to `docker compose down` (e.g. `composegen down DIR -- --remove-orphans`).
    When a dump cannot be confirmed the containers are left stopped, the reason is printed, and the exit
    status is 1.
    """
    from composegen.down import down
    from composegen.masking import printable

    if path is not None and str(path).startswith("-"):  # `composegen down -- --remove-orphans`: no PATH
        compose_args, path = (str(path), *compose_args), None
    status = down(path, list(compose_args), dry_run=dry_run, project_name=project_name, env_files=list(env_files) or None,
                  files=files, profiles=profiles, report=lambda line: click.echo(f"composegen: {printable(line)}"))
    raise SystemExit(status)
