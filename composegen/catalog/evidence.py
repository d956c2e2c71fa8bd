"""What backs each fact of a catalog entry: its `checked_against` sources, each with a kind and the
facts it covers (schemas/service-spec.schema.json, `checked_against`).

A fact's evidence is the strongest kind among the sources that cover it: any of the app's own
upstream (compose file, docs, source, release tags) is stronger than a secondary source. An entry is
`upstream` when every fact is backed by its own upstream, else it names the facts that are not.
"""

from __future__ import annotations

# The facts an entry states and a user relies on at the first `docker compose up`.
FACTS = ("image", "postgres_versions", "runs_as", "environment", "volumes")

# Strongest first: the order a fact's evidence is chosen in.
KINDS = ("upstream-compose", "upstream-docs", "upstream-source", "upstream-release", "secondary")

UPSTREAM = "upstream"
SECONDARY = "secondary"
NONE = "none"  # no source covers the fact: the catalog's tests refuse such an entry


def is_upstream(kind: str) -> bool:
    return kind.startswith("upstream-")


def by_fact(sources) -> dict[str, str]:
    """{fact: the strongest kind among the sources covering it, or NONE}."""
    out = {}
    for fact in FACTS:
        kinds = [source.get("kind", SECONDARY) for source in sources if fact in source.get("covers", ())]
        out[fact] = min(kinds, key=KINDS.index) if kinds else NONE
    return out


def weak_facts(sources) -> list[str]:
    """The facts that no upstream source backs, in FACTS order."""
    return [fact for fact, kind in by_fact(sources).items() if not is_upstream(kind)]


def verdict(sources) -> str:
    """One word or a short line for `catalog list --evidence`: upstream, or what is not."""
    weak = weak_facts(sources)
    if not weak:
        return UPSTREAM
    if len(weak) == len(FACTS):
        return SECONDARY
    return f"{SECONDARY}: {', '.join(weak)}"


def describe(source: dict) -> str:
    """One source on one line: kind, where, what it covers."""
    where = " ".join(
        part for part in (source.get("repository"), source.get("path"), source.get("ref") and f"at {source['ref']}") if part
    )
    url = source.get("url")
    if url and url not in where:
        where = f"{where} ({url})" if where else url
    covers = ", ".join(source.get("covers", ()))
    note = f"; {source['note']}" if source.get("note") else ""
    return f"{source.get('kind', SECONDARY)}: {where} [{covers}]{note}"
