"""The app catalog: one YAML file per app in this folder, each a service spec (see schemas/).

Entries are package data, like the templates: tests/test_catalog.py validates every one against
schemas/catalog-entry.schema.json, so a bad entry never ships. Loading one checks its references and
values (composegen.validate) but not the JSON Schema again: importing jsonschema alone took longer
than the rest of `init miniflux --dry-run` (benchmarks/README.md, init_dry_run_ms).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from composegen.errors import UserError

CATALOG_DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    """App names, sorted (miniflux is not special here: `catalog list` is alphabetical)."""
    return sorted(path.stem for path in CATALOG_DIR.glob("*.yaml"))


def entry_path(name: str) -> Path:
    if name in names():
        return CATALOG_DIR / f"{name}.yaml"
    close = difflib.get_close_matches(name, names(), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UserError(f"unknown app {name!r}{hint} (`composegen catalog list` shows them all)")


def entry_text(name: str) -> str:
    """The entry's data file as written (with its comments)."""
    return entry_path(name).read_text(encoding="utf-8")


def load(name: str):
    """The ServiceSpec of app `name` (its schema check is the test suite's: see the module's doc)."""
    from composegen.spec import parse_spec

    path = entry_path(name)
    spec = parse_spec(path.read_text(encoding="utf-8"), f"catalog/{path.name}", schema=None)
    if spec.name != name:
        raise UserError(f"catalog/{path.name}: name: {spec.name!r} differs from the file name")
    return spec


def load_all() -> list:
    return [load(name) for name in names()]


def summary(spec) -> str:
    """What `catalog show` prints above the entry, as YAML comments (the whole stays a usable spec)."""
    from composegen.catalog import evidence

    lines = [f"# {spec.name}: {spec.description}"]
    lines.append(f"# evidence: {evidence.verdict(spec.checked_against)}")
    facts = evidence.by_fact(spec.checked_against)
    lines.append("#   " + ", ".join(f"{fact} {kind}" for fact, kind in facts.items()))
    for source in spec.checked_against:
        lines.append(f"# checked against: {evidence.describe(source)}")
    versions = spec.postgres_versions
    if versions is not None:
        lines.append(f"# PostgreSQL: {versions.min} to {versions.max} ({versions.source})")
    if spec.runs_as:
        lines.append(f"# runs as uid:gid {spec.runs_as} (init gives it the app's folders)")
    for extra in spec.services:
        lines.append(f"# also runs: {extra.name} ({extra.role})")
    return "\n".join(lines) + "\n"
