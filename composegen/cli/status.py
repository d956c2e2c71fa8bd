"""`composegen status [PATH...]`: each Postgres service's newest good dump and last attempt; exit 1 when one needs attention."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from composegen.dump_record import parse_time
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text (as --format json).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "prometheus"]), default=None,
              help="text (default), json, or prometheus (metrics for node_exporter's textfile collector).")
@click.option("--webhook", metavar="URL", envvar="COMPOSEGEN_WEBHOOK",
              help="POST the JSON document to URL when a service needs attention (also from $COMPOSEGEN_WEBHOOK; "
                   "the URL is never printed).")
@click.option("--webhook-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 300),
              help="Seconds to wait for the webhook.")
@click.option("--env-file", "env_files", multiple=True, type=click.Path(path_type=Path),
              help="Compose's variables from this file instead of .env beside the compose file (repeatable, as Compose's).")
@click.option("-f", "--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The stack's compose files, as `docker compose -f` (repeatable: the first, then those merged over "
                   "it), instead of PATH.")
def command(paths, max_age, as_json, output_format, webhook, webhook_timeout, env_files, files) -> None:
    """Show the newest good dump (file, size, age), its last verification and the last attempt of each
    Postgres service under PATH.

    Reads data/ beside each compose file, so it works whether or not the stack is running.
    Exit status: 0 all fresh, 1 a dump older than --max-age, a failed last attempt, or no dump yet (or the
    webhook could not be reached); 2 usage error.
    """
    from composegen.status import collect, format_age, format_size

    if as_json and output_format not in (None, "json"):
        raise UserError(f"--json and --format {output_format} exclude each other")
    output_format = "json" if as_json else (output_format or "text")
    if webhook is not None:
        from composegen.webhook import check_url

        check_url(webhook)
    now = datetime.now(timezone.utc)
    if files and paths:
        raise UserError("give either PATH or -f/--file, not both")
    targets = list(paths) or [Path(".")]
    statuses = collect(targets, max_age, now, env_files=list(env_files) or None, files=files)
    if not statuses:
        raise UserError(f"no Postgres service in a compose file under {', '.join(map(str, targets))}")
    failing = sum(1 for status in statuses if not status.ok)
    summary = (f"{len(statuses)} Postgres service{'s' if len(statuses) != 1 else ''}: "
               f"{len(statuses) - failing} ok, {failing} need{'s' if failing == 1 else ''} attention "
               f"(max age {format_age(max_age)})")
    document = {
        "version": 1,
        "max_age_s": int(max_age.total_seconds()),
        "services": [dict(status.as_dict(now), last_verify=_last_verify(status)) for status in statuses],
        "summary": {"services": len(statuses), "ok": len(statuses) - failing, "failing": failing},
    }
    if output_format == "json":
        click.echo(json.dumps(document, indent=2, sort_keys=True))
    elif output_format == "prometheus":
        from composegen.status_prometheus import render

        click.echo(render(statuses, now), nl=False)
    else:
        from composegen.masking import printable

        def echo(line: str) -> None:  # names and reasons come from files anyone could have written
            click.echo(printable(line))

        for status in statuses:
            echo(f"{status.compose_file}{' ' + status.service if status.service else ''}: "
                 f"{'ok' if status.ok else 'NEEDS ATTENTION'}")
            if status.newest is not None:
                unchanged = (f", unchanged as of {format_age(now - status.current_as_of)} ago"
                             if status.current_as_of and status.current_as_of != status.newest.time else "")
                echo(f"  newest dump:  {status.newest.path.name}, {format_size(status.newest.size)}, "
                           f"{format_age(now - status.newest.time)} old{unchanged}")
            elif status.data_dir is not None:
                echo("  newest dump:  none")
            record = status.record
            if record is not None:
                details = ", ".join(part for part in (
                    f"trigger {record.trigger}" if record.trigger else "",
                    f"{record.duration_s:.1f} s" if record.duration_s is not None else "",
                    record.reason or "",
                ) if part)
                echo(f"  last attempt: {record.outcome} {format_age(now - record.time)} ago "
                           f"({record.time:%Y-%m-%d %H:%M:%S} UTC{', ' + details if details else ''})")
            verified = document["services"][statuses.index(status)]["last_verify"]
            if verified is not None:
                echo(f"  last verify:  {'ok' if verified['ok'] else 'FAILED'} "
                           f"{format_age(now - parse_time(verified['time']))} ago, into {verified['image']}")
            elif status.newest is not None:
                echo("  last verify:  never (composegen verify)")
            for problem in status.problems:
                echo(f"  problem: {problem}")
            for note in status.notes:
                echo(f"  note: {note}")
        click.echo(summary)
    if webhook is not None and failing:
        from composegen.webhook import WebhookError, post

        try:
            code = post(webhook, document, timeout=webhook_timeout)
        except WebhookError as exc:
            click.echo(f"composegen: webhook: alert NOT sent: {exc}", err=True)
        else:
            click.echo(f"composegen: webhook: alert sent (HTTP {code})", err=True)
    raise SystemExit(1 if failing else 0)


def _last_verify(status) -> dict | None:
    """The last verification of the service's newest dump (data/composegen-verify.json)."""
    from composegen.verify_record import last_verification

    if status.newest is None or status.data_dir is None:
        return None
    found = last_verification(status.data_dir, status.newest.path.name)
    if found is None:
        return None
    return {"dump": found.dump, "time": found.time.strftime("%Y-%m-%dT%H:%M:%SZ"), "ok": found.ok,
            "image": found.image, "problem": found.problem}
