"""`composegen verify [PATH...] [--image IMAGE] [--all]`: restore dumps into throwaway containers and
compare every table's row count with the counts recorded at dump time."""

from __future__ import annotations

from pathlib import Path

import click


def _parse_duration(ctx, param, value: str):
    from composegen.status import parse_max_age

    try:
        return parse_max_age(value).total_seconds()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def terminate_on_sigterm() -> None:
    """SIGTERM ends the command like Ctrl-C does: through the `finally` blocks, so a throwaway
    container is removed and a changed compose file is put back."""
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def print_result(result) -> None:
    major = f" (PostgreSQL {result.server_major})" if result.server_major else ""
    took = f" in {result.seconds:.1f} s" if result.seconds is not None else ""
    target = result.target
    click.echo(f"{result.dump} ({target.compose_file} {target.service}) into {result.image}{major}{took}: "
               f"{'ok' if result.ok else 'FAILED'}")
    if result.tables:
        rows = [("database", "table", "recorded", "restored", "")]
        for table in result.tables:
            restored = "missing" if table.restored is None else str(table.restored)
            rows.append((table.database, table.table, str(table.recorded), restored, "ok" if table.ok else "DIFFERS"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            click.echo("  " + "  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                                         row[2].rjust(widths[2]), row[3].rjust(widths[3]), row[4]]).rstrip())
    elif result.problem is None:
        click.echo("  (the dump holds no table data)")


@click.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--image", help="Restore into this image instead of the service's own (e.g. the next major).")
@click.option("--all", "every", is_flag=True, help="Every kept dump, not only the newest.")
@click.option("--memory", default="1g", show_default=True, help="Memory limit of the throwaway container.")
@click.option("--timeout", default="1h", show_default=True, callback=_parse_duration,
              help="Give up on a restore after this long (e.g. 30m, 2h).")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The stack's compose files, as `docker compose -f` (repeatable: the first, then those merged over "
                   "it), instead of PATH.")
def command(paths, image, every, memory, timeout, files) -> None:
    """Restore the newest good dump of each Postgres service under PATH into a throwaway container and
    compare each table's row count with the counts recorded when the dump was taken.

    The container has no network, never mounts the stack's data/ (the dump is copied in), is limited to
    --memory, and is removed afterwards, also on failure or Ctrl-C. The result is recorded in
    data/composegen-verify.json, which `composegen status` shows.
    Exit status: 0 every dump restored with every count equal, 1 otherwise, 2 usage error.
    """
    from composegen.verify import verify

    if files and paths:
        raise click.UsageError("give either PATH or -f/--file, not both")
    terminate_on_sigterm()
    targets = list(paths) or [Path(".")]
    results, notes = verify(targets, image=image, every=every, memory=memory, timeout=timeout, files=files,
                            report=lambda line: click.echo(f"composegen: {line}", err=True))
    for result in results:
        print_result(result)
    for result in results:
        if not result.ok:
            click.echo(f"composegen: verify FAILED: {result.failure()}", err=True)
    for note in notes:
        click.echo(f"composegen: note: {note}", err=True)
    failed = sum(1 for result in results if not result.ok)
    click.echo(f"{len(results)} dump{'s' if len(results) != 1 else ''} verified: {len(results) - failed} ok, "
               f"{failed} failed")
    raise SystemExit(1 if failed else 0)
