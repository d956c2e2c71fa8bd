"""The Postgres servers of a document, as composegen.detect finds them (one answer for patch and lint),
less the services that run a Postgres image only for its client tools.

A service such as `image: postgres:16` with `entrypoint: ["sh", "-c", "psql ..."]` (a migration job,
a backup sidecar, the e2e harness's stand-in app) holds no data: it needs no dump setup and has no
dumps, so lint and status must not report it. Only an inline shell counts (`sh -c ...`): a wrapper
script may well start the server, so it stays a Postgres service.
"""

from __future__ import annotations

from composegen.detect import PostgresService, find_postgres_services as _detect
from composegen.lint.compose_model import command_words

_SHELLS = {"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/env"}


def runs_client_only(service: object) -> bool:
    words = command_words(service.get("entrypoint"))
    return len(words) >= 2 and words[0] in _SHELLS and words[1] == "-c"


def find_postgres_services(document) -> list[PostgresService]:
    if document.data is None:
        return []
    return [found for found in _detect(document.data) if not runs_client_only(found.mapping)]
