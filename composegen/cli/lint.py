"""`composegen lint [PATH...]`: check compose files for the dump/restore setup; exit 0 clean, 1 findings, 2 usage."""

from __future__ import annotations

from pathlib import Path

import click

FORMAT_NAMES = ("text", "json", "github", "sarif")
SEVERITY_NAMES = ("error", "warning", "note")


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMAT_NAMES), default="text", show_default=True,
              help="Output format: text (path:line:col: severity rule message), json, github annotations, sarif.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="error", show_default=True,
              help="Exit 1 when a finding has this severity or a higher one.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Lint config (default: the nearest .composegen.yaml up to the git repository's root).")
@click.option("--name", "names", multiple=True, metavar="GLOB",
              help="File names to look for in folders (repeatable; default: compose.yaml, compose.yml, "
                   "docker-compose.yaml, docker-compose.yml). Files named on the command line are always checked.")
@click.option("--env-file", "env_files", multiple=True, type=click.Path(path_type=Path),
              help="Compose's variables from this file instead of the .env beside each compose file (repeatable).")
@click.option("-f", "--file", "compose_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Lint one stack as `docker compose -f` reads it (repeatable): the first file is checked, the others "
                   "are merged over it (instead of PATH).")
@click.option("--allow-empty", is_flag=True, help="Exit 0 when PATH holds no compose file (default: exit 2).")
@click.option("--list-rules", is_flag=True, help="List the rules (id, name, default severity, summary) and exit.")
@click.option("--explain", metavar="RULE", help="Explain one rule (id or name) and how to fix its findings, and exit.")
def command(paths, output_format, fail_on, config_path, names, env_files, compose_files, allow_empty, list_rules,
            explain) -> None:
    """Check every compose file under PATH (default: .) for the dump/restore setup, drift and unsafe settings.

    Exit status: 0 no finding at or above --fail-on, 1 such findings, 2 usage or input error.
    Silence a finding with `# composegen: ignore[RULE]` on its line or the line above.
    """
    from composegen.lint.rules import ALL_RULES, rule_by_key

    if list_rules:
        for rule in ALL_RULES:
            click.echo(f"{rule.id}  {rule.name:<24} {rule.severity.name:<8} {rule.summary}")
        return
    if explain is not None:
        rule = rule_by_key(explain)
        if rule is None:
            raise click.BadParameter(f"unknown rule {explain!r} (see --list-rules)", param_hint="--explain")
        click.echo(f"{rule.id} {rule.name} (default severity: {rule.severity.name})\n{rule.summary}\n\n{rule.explanation}")
        return

    from composegen.lint import config as lint_config
    from composegen.compose import discovery
    from composegen.lint import engine
    from composegen.lint.finding import Severity
    from composegen.lint.formatters import FORMATS, text

    if compose_files and paths:
        raise click.UsageError("give either PATH or -f/--file, not both")
    targets = list(paths) or ([compose_files[0].parent] if compose_files else [Path(".")])
    if config_path is None:
        config_path = lint_config.find_config(targets[0])
    elif not config_path.is_file():
        raise click.BadParameter(f"{config_path}: no such file", param_hint="--config")
    config = lint_config.load_config(config_path, ALL_RULES) if config_path else lint_config.LintConfig()

    result = engine.run(targets, config, tuple(names) or discovery.COMPOSE_FILE_NAMES, env_files=tuple(env_files),
                        allow_empty=allow_empty, compose_files=tuple(compose_files))
    click.echo(FORMATS[output_format].render(result), nl=False)
    if output_format == "text":
        click.echo(text.summary(result), err=True)
    raise SystemExit(1 if result.fails(Severity[fail_on]) else 0)
