"""`composegen init`: a new service folder from the catalog or from a spec."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("app", required=False)
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Render from a service spec (YAML, see schemas/service-spec.schema.json) instead of the catalog.")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create (default: ./APP, or ./NAME from the spec).")
@click.option("--url", help="The app's public base URL, e.g. https://chat.example.com (default: http://localhost:PORT).")
@click.option("--postgres-version", type=int,
              help="Postgres major, 13-18 and within the app's range (`catalog show APP`; default 17, or the app's newest).")
@click.option("--postgres-image", help="Postgres image keeping the official image's contract (default postgres:<version>-alpine).")
@click.option("--schedule", help="Scheduled dump interval: <n>s, <n>m, <n>h, <n>d, or 0 for dumps on stop only (default 1h).")
@click.option("--keep", type=int, help="Good dumps kept in data/ (default 3).")
@click.option("--compression", help="zstd or gzip (default zstd).")
@click.option("--user", "user", metavar="UID:GID",
              help="Run the Postgres service as UID:GID (`user:`); data/ is created owned by it.")
@click.option("--dry-run", is_flag=True, help="Print the files that would be written (secrets hidden); write nothing.")
@click.option("--show-secrets", is_flag=True, help="With --dry-run: print the .env values too.")
@click.option("--force", is_flag=True,
              help="Rewrite the generated files of an existing folder; data/ and existing .env values are kept.")
def command(app, spec_file, target, url, postgres_version, postgres_image, schedule, keep, compression, user,
            dry_run, show_secrets, force):
    """Create a service folder for APP (see `composegen catalog list`) or for --spec FILE.

    The folder holds compose.yaml (the app and its Postgres service), utils/ (the runtime scripts),
    data/ (the dumps, mode 0700) and .env (generated secrets, mode 0600), plus a .gitignore.
    """
    from composegen import catalog, init_stack, spec
    from composegen.errors import UserError

    if (app is None) == (spec_file is None):
        raise UserError("give either an APP from the catalog or --spec FILE (not both)")
    service = spec.load_spec_file(spec_file) if spec_file is not None else catalog.load(app)
    overrides = init_stack.Overrides(
        postgres_version=postgres_version,
        postgres_image=postgres_image,
        schedule=schedule,
        keep=keep,
        compression=compression,
        url=url,
        user=user,
    )
    plan = init_stack.plan_init(service, target or init_stack.default_target(service), overrides, force=force)
    for note in plan.notes:
        click.echo(f"note: {note}", err=True)
    if dry_run:
        click.echo(_describe(plan, show_secrets), nl=False)
        _notes(plan, service)
        return
    init_stack.write_plan(plan)
    click.echo(f"created {plan.target}/ for {service.name}: cd {plan.target} && docker compose up -d"
               if not plan.into_existing else f"updated {plan.target}/ (data/ and existing .env values kept)")
    _notes(plan, service)


def _notes(plan, service) -> None:
    if plan.chown_pending:
        owners = " and ".join(dict.fromkeys(owner for _, owner in plan.chown_pending))
        click.echo(f"note: {', '.join(path + '/' for path, _ in plan.chown_pending)} must belong to {owners}, "
                   f"which the services run as; not running as root, so run: {plan.chown_command()}", err=True)
    if plan.url and not plan.url_given and _uses_url(service):
        click.echo(f"note: {service.name}'s URL variables say {plan.url}; from another machine, logins and "
                   "redirects need the public URL: run init again with --url https://your.host (--force keeps data/ and .env)",
                   err=True)


def _uses_url(service) -> bool:
    from composegen.spec import URL_FIELDS

    environments = [service.environment, *(extra.environment for extra in service.services)]
    return any(
        isinstance(value, dict) and "template" in value and any("{" + field + "}" in value["template"] for field in URL_FIELDS)
        for environment in environments
        for value in environment.values()
    )


def _describe(plan, show_secrets: bool) -> str:
    from composegen.init_stack import ENV_FILE
    from composegen.masking import mask_env

    hidden = "" if show_secrets else " (values hidden: --show-secrets prints them)"
    out = [f"# dry run: nothing written; {plan.target}/ would get:\n"]
    for planned in plan.files:
        name = planned.path + ("/" if planned.content is None else "")
        owner = f", owner {planned.owner}" if planned.owner else ""
        secret = planned.path == ENV_FILE and not show_secrets
        out.append(f"\n# ==> {name} (mode {planned.mode:04o}{owner}, {planned.action}){hidden if secret else ''}\n")
        if planned.content is not None:
            content = mask_env(planned.content) if secret else planned.content
            out.append(content if content.endswith("\n") else content + "\n")
    return "".join(out)
