"""`composegen upgrade [PATH] --to-image IMAGE | --to-version N`: a safe major-version upgrade."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("upgrade")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--to-image", metavar="IMAGE", help="The new image of the Postgres service (e.g. postgres:18-alpine).")
@click.option("--to-version", metavar="N", type=click.IntRange(10, 99),
              help="The new PostgreSQL major: the service's image with its tag's major replaced.")
@click.option("--service", help="The Postgres service, when the compose file has more than one.")
@click.option("-p", "--project-name", help="The Compose project name, if not the folder's (as `docker compose -p`).")
@click.option("--timeout", default="15m", show_default=True,
              help="How long the new service may take to restore and become healthy (e.g. 15m, 2h).")
@click.option("--memory", default="1g", show_default=True, help="Memory limit of the verification's throwaway container.")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Compose file, as `docker compose -f` (repeatable; passed on to Compose): the image is changed in "
                   "the first. Default: PATH, else COMPOSE_FILE, else the compose file in the current folder.")
def command(path, to_image, to_version, service, project_name, timeout, memory, files) -> None:
    """Upgrade the Postgres service of the stack at PATH (a folder or compose file, default .) to a newer
    image, keeping every row.

    In order: verify the newest dump against the new image (a failure stops here, nothing changed); stop
    the stack and confirm its stop-time dump, as `composegen down` does; change only the image value in
    the compose file; start the service (it restores the stop-time dump) and wait until healthy; compare
    every table's rows with the dump's counts; start the rest of the stack. If a step after the compose
    file changed fails, the old image line is put back and the old major is started from the same dump.
    Never downgrades; refuses a major the catalog says the app does not support.
    Exit status: 0 upgraded, 1 not upgraded (the reason is printed), 2 usage error.
    """
    from composegen.cli.verify import terminate_on_sigterm
    from composegen.errors import UserError
    from composegen.status import parse_max_age
    from composegen.upgrade import upgrade

    try:
        seconds = parse_max_age(timeout).total_seconds()
    except ValueError as exc:
        raise UserError(f"--timeout: {exc}") from None
    terminate_on_sigterm()
    status = upgrade(path, to_image=to_image, to_version=to_version, service=service, project_name=project_name,
                     timeout=seconds, memory=memory, files=files, report=lambda line: click.echo(f"composegen: {line}"))
    raise SystemExit(status)
