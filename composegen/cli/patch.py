"""`composegen patch`: parse, call composegen.patch.run, print."""

from __future__ import annotations

from pathlib import Path

import click

from composegen import contract


@click.command("patch")
@click.argument("compose_file", required=False, type=click.Path(path_type=Path, dir_okay=True))
@click.option("-f", "--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Compose file, as `docker compose -f` (repeatable): the first is the one patched, the others are "
                   "merged over it. Default: PATH, else COMPOSE_FILE, else the compose file in the current folder.")
@click.option("--service", "service", metavar="NAME", help="Patch only this Postgres service (default: every "
              "Postgres service of the file, each with its own dumps folder).")
@click.option("--env-file", "env_files", multiple=True, type=click.Path(path_type=Path),
              help="Compose's variables from this file instead of the .env beside the compose file (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the diff of the compose file and the utils/ files it would write; write nothing.")
@click.option("--show-secrets", is_flag=True, help="With --dry-run: print secret-named values in the diff too.")
@click.option("--check", is_flag=True, help="Exit 1 when the file is not patched or utils/ is stale, 0 when up to date; write nothing.")
@click.option("--migrate", is_flag=True, help="Dump the running database into data/ first, then patch (for a service whose data is in a volume).")
@click.option("--fresh", is_flag=True, help="There is no data yet: patch without a dump, dropping the PGDATA mount.")
@click.option("--schedule", help=f"Interval of scheduled dumps (1h, 30m, 90s; 0 = none). Default: the service's "
              f"current value, else {contract.DEFAULT_SCHEDULE}.")
@click.option("--keep", type=int, help=f"Good dumps kept. Default: the service's current value, "
              f"else {contract.DEFAULT_KEEP}.")
@click.option("--compression", type=click.Choice(list(contract.COMPRESSIONS)), help=f"Default: the service's current value, "
              f"else {contract.DEFAULT_COMPRESSION}.")
def command(compose_file: Path | None, files: tuple[Path, ...], service: str | None, env_files: tuple[Path, ...], dry_run: bool, show_secrets: bool,
            check: bool, migrate: bool, fresh: bool,
            schedule: str | None, keep: int | None, compression: str | None) -> None:
    """Add the dump/restore setup to an existing compose file (or the one in a folder), keeping every
    other byte as it is. With several files (-f, COMPOSE_FILE, compose.override.yaml) the first one is
    edited; a service whose setup another file would override is refused.

    Idempotent: patching a patched file changes nothing (utils/ is refreshed to the current scripts).
    A service whose data is in a volume or a bind mount is refused unless --migrate or --fresh.
    """
    from composegen.patch.migrate import MigrationRequired
    from composegen.patch.run import PatchRequest, patch

    if dry_run and check:
        raise click.UsageError("--dry-run and --check exclude each other")
    request = PatchRequest(path=compose_file, service=service, schedule=schedule, keep=keep, compression=compression,
                           dry_run=dry_run, check=check, migrate=migrate, fresh=fresh, env_files=tuple(env_files),
                           files=tuple(files))
    try:
        result = patch(request)
    except MigrationRequired as exc:
        click.echo(f"composegen: error: {exc}", err=True)
        for line in exc.commands:
            click.echo(line, err=True)
        raise click.exceptions.Exit(exc.exit_code)

    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    names = ", ".join(f"'{name}'" for name in result.services)
    if check:
        if result.up_to_date:
            click.echo(f"{result.path}: {_services_word(result.services)} {names} {'is' if len(result.services) == 1 else 'are'} patched and utils/ is up to date")
            return
        for name in result.changed_services:
            missing = result.missing.get(name)
            what = f" (missing: {', '.join(missing)})" if missing else ""
            click.echo(f"{result.path}: service '{name}' is not patched{what}")
        if result.utils_changed:
            click.echo(f"{result.path}: utils/ is stale or missing: {', '.join(result.utils_changed)}")
        raise click.exceptions.Exit(1)
    if dry_run:
        from composegen.masking import mask_compose_lines

        click.echo(result.diff if show_secrets else mask_compose_lines(result.diff), nl=False)
        if result.utils_changed:
            click.echo(f"would write utils/: {', '.join(result.utils_changed)}")
        if result.gitignore_added:
            click.echo(f"would add to .gitignore: {', '.join(result.gitignore_added)}")
        if result.up_to_date:
            click.echo(f"{result.path}: already patched, nothing to do")
        return
    for dump in result.dumps:
        click.echo(f"dumped the database into {dump}")
    if result.up_to_date and not result.gitignore_added:
        click.echo(f"{result.path}: already patched, utils/ up to date: nothing changed")
        return
    for name in result.services:
        if name in result.changed_services:
            click.echo(f"{result.path}: patched service '{name}' (dumps in {result.dumps_folders[name]})")
        else:
            click.echo(f"{result.path}: service '{name}' already patched")
    if result.utils_changed:
        click.echo(f"updated utils/: {', '.join(result.utils_changed)}")
    if result.gitignore_added:
        click.echo(f"added to .gitignore: {', '.join(result.gitignore_added)}")


def _services_word(names: list[str]) -> str:
    return "service" if len(names) == 1 else "services"
