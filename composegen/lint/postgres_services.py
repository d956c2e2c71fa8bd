"""The Postgres services of a document, as composegen.detect finds them (one answer for patch and lint)."""

from __future__ import annotations

from composegen.detect import PostgresService, find_postgres_services as _detect


def find_postgres_services(document) -> list[PostgresService]:
    if document.data is None:
        return []
    return _detect(document.data)
