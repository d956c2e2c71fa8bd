"""Credentials from files: a service that takes POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB only
from compose `secrets:` (`*_FILE`) is dumped as that user, and comes back whole after down/up. A
`*_FILE` that cannot be read fails that dump with one line naming it; the last good dump stays."""

from __future__ import annotations

import os

from harness import create_rows, image_tag, populate
from harness.data import snapshot
from harness.stack import _yaml_dump, _yaml_load
from rules_common import composegen_lines, dump_files, dump_outcomes, status_record

SECRETS = {"pg_user": "POSTGRES_USER", "pg_password": "POSTGRES_PASSWORD", "pg_db": "POSTGRES_DB"}


def _credentials_from_secrets(stack) -> None:
    """The stack's Postgres service, rewritten to take its credentials only from secret files."""
    folder = stack.dir / "secrets"
    folder.mkdir()
    values = {"pg_user": stack.user, "pg_password": stack.password, "pg_db": stack.db}
    for name, value in values.items():
        (folder / name).write_text(value + "\n")  # a trailing newline, as `echo ... > file` writes
        os.chmod(folder / name, 0o644)  # the restore reads them as the postgres user
    doc = _yaml_load(stack.compose_file)
    service = doc["services"]["postgres"]
    for name, variable in SECRETS.items():
        del service["environment"][variable]
        service["environment"][f"{variable}_FILE"] = f"/run/secrets/{name}"
    service["secrets"] = list(SECRETS)
    doc["secrets"] = {name: {"file": f"./secrets/{name}"} for name in SECRETS}
    _yaml_dump(doc, stack.compose_file)


def test_file_credentials_round_trip(make_stack):
    # One flavour: reading the files is bash's own `$(<file)`, the same with either userland.
    stack = make_stack(image=image_tag(15, "dash"), user="owner", db="records", app_connections=0)
    _credentials_from_secrets(stack)
    stack.up()
    populate(stack)
    written = {p.name for p in dump_files(stack)}
    # A *_FILE that cannot be read (here: missing): one line naming it, nothing written, last good kept.
    missing = stack.exec(["env", "POSTGRES_PASSWORD_FILE=/run/secrets/gone", "/utils/dump"])
    assert missing.returncode == 1, missing.stderr
    lines = [line for line in composegen_lines(stack) if "POSTGRES_PASSWORD_FILE=/run/secrets/gone" in line]
    assert len(lines) == 1 and lines[0].startswith("composegen: dump failed trigger=manual reason=\"cannot read "
                                                   "the credentials: POSTGRES_PASSWORD_FILE=/run/secrets/gone is "
                                                   "missing or unreadable"), composegen_lines(stack)
    assert {p.name for p in dump_files(stack)} == written
    assert status_record(stack)["outcome"] == "failed"
    # Read from the files: the manual dump, the stop-time dump, and the restore.
    assert stack.exec(["/utils/dump"]).returncode == 0, stack.logs()[-2000:]
    create_rows(stack, 10)
    before = snapshot(stack)
    stack.stop()
    assert dump_outcomes(stack)[-1] == ("written", "stop"), composegen_lines(stack)
    stack.down()
    stack.up()
    assert snapshot(stack) == before
