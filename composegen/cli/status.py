"""`composegen status [PATH...]`: each Postgres service's newest good dump and last attempt; exit 1 when one needs attention."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from composegen.errors import UserError


def _parse_max_age(ctx, param, value: str):
    from composegen.status import parse_max_age

    try:
        return parse_max_age(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("status")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--max-age", default="26h", show_default=True, callback=_parse_max_age,
              help="Exit 1 when a service's newest good dump is older than this (e.g. 26h, 90m, 2d).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
def command(paths, max_age, as_json) -> None:
    """Show the newest good dump (file, size, age) and the last attempt of each Postgres service under PATH.

    Reads data/ beside each compose file, so it works whether or not the stack is running.
    Exit status: 0 all fresh, 1 a dump older than --max-age, a failed last attempt, or no dump yet; 2 usage error.
    """
    from composegen.status import collect, format_age, format_size

    now = datetime.now(timezone.utc)
    targets = list(paths) or [Path(".")]
    statuses = collect(targets, max_age, now)
    if not statuses:
        raise UserError(f"no Postgres service in a compose file under {', '.join(map(str, targets))}")
    failing = sum(1 for status in statuses if not status.ok)
    summary = (f"{len(statuses)} Postgres service{'s' if len(statuses) != 1 else ''}: "
               f"{len(statuses) - failing} ok, {failing} need{'s' if failing == 1 else ''} attention "
               f"(max age {format_age(max_age)})")
    if as_json:
        document = {
            "version": 1,
            "max_age_s": int(max_age.total_seconds()),
            "services": [status.as_dict(now) for status in statuses],
            "summary": {"services": len(statuses), "ok": len(statuses) - failing, "failing": failing},
        }
        click.echo(json.dumps(document, indent=2, sort_keys=True))
    else:
        for status in statuses:
            click.echo(f"{status.compose_file} {status.service}: {'ok' if status.ok else 'NEEDS ATTENTION'}")
            if status.newest is not None:
                unchanged = (f", unchanged as of {format_age(now - status.current_as_of)} ago"
                             if status.current_as_of and status.current_as_of != status.newest.time else "")
                click.echo(f"  newest dump:  {status.newest.path.name}, {format_size(status.newest.size)}, "
                           f"{format_age(now - status.newest.time)} old{unchanged}")
            elif status.data_dir is not None:
                click.echo("  newest dump:  none")
            record = status.record
            if record is not None:
                details = ", ".join(part for part in (
                    f"trigger {record.trigger}" if record.trigger else "",
                    f"{record.duration_s:.1f} s" if record.duration_s is not None else "",
                    record.reason or "",
                ) if part)
                click.echo(f"  last attempt: {record.outcome} {format_age(now - record.time)} ago "
                           f"({record.time:%Y-%m-%d %H:%M:%S} UTC{', ' + details if details else ''})")
            for problem in status.problems:
                click.echo(f"  problem: {problem}")
            for note in status.notes:
                click.echo(f"  note: {note}")
        click.echo(summary)
    raise SystemExit(1 if failing else 0)
