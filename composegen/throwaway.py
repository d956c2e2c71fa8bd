"""A throwaway Postgres container that restores one dump, for `verify` and `upgrade`.

It runs the image's own entrypoint with composegen's restore script as its init script, so the
restore is the one a stack does. It has no network, never mounts the stack's data/ (the dump, the
restore script and lib.sh are copied in with `docker cp`), is limited in memory, and is removed
when the `with` block ends, however it ends (an error, Ctrl-C, or SIGTERM: the CLI turns SIGTERM
into an exception, so the `finally` here runs).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from composegen import contract, stack
from composegen.row_counts import TableCount

LABEL = "composegen.throwaway"
# A role name no dump holds: every role of the dump is created by the dump itself (the image's init
# creates only this one), and the restore drops and recreates no role of the user's.
SUPERUSER = "composegen_verify"
# The setup's own PGDATA: the restore runs as it does in a stack.
PGDATA = stack.CONTAINER_PGDATA
DEFAULT_MEMORY = "1g"


class ThrowawayError(Exception):
    """The throwaway restore failed; the message says why, in one line."""


@dataclass(frozen=True)
class Restored:
    container_id: str
    image: str
    server_major: int
    seconds: float  # from start to a served, restored cluster


# A busy engine (image builds, many containers) answers slowly: bound every call, but generously.
DOCKER_TIMEOUT = 600


def _docker(*args: str, input: bytes | None = None, timeout: float = DOCKER_TIMEOUT,
            check: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(["docker", *args], input=input, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise ThrowawayError("the docker command is not installed") from None
    except subprocess.TimeoutExpired:
        raise ThrowawayError(f"`docker {args[0]}` did not answer within {timeout:.0f} s") from None
    if check and result.returncode != 0:
        raise ThrowawayError(f"`docker {args[0]}` failed: {_last_line(result.stderr)}")
    return result


def _last_line(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def image_major(image: str) -> int:
    """The PostgreSQL major of the server in `image` (`postgres --version` in a container with no network)."""
    try:
        result = _docker("run", "--rm", "--network", "none", "--label", f"{LABEL}=version", "--entrypoint", "postgres",
                         image, "--version", check=False)
    except ThrowawayError as exc:
        raise ThrowawayError(f"{image}: {exc}") from None
    out = result.stdout.decode("utf-8", "replace")
    match = re.search(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?", out)
    if result.returncode != 0 or not match:
        why = _last_line(result.stderr) if result.returncode != 0 else f"`postgres --version` printed {out.strip()!r}"
        raise ThrowawayError(f"{image} is not a PostgreSQL server image ({why})")
    major = int(match.group(1))
    return major if major >= 10 else int(f"{major}{match.group(2) or 0}")


def _tar_into(container_id: str, dump: Path, lib_sh: str, restore_sh: str) -> None:
    """Copy the dump, lib.sh and the restore script into the created container, readable by its
    postgres user (`docker cp` makes them root's)."""

    def add_dir(tar: tarfile.TarFile, name: str, mode: int) -> None:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, int(time.time())
        tar.addfile(info)

    def add_text(tar: tarfile.TarFile, name: str, text: str, mode: int) -> None:
        import io

        data = text.encode("utf-8")
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode, int(time.time())
        tar.addfile(info, io.BytesIO(data))

    process = subprocess.Popen(["docker", "cp", "-", f"{container_id}:/"], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with tarfile.open(fileobj=process.stdin, mode="w|") as tar:
            add_dir(tar, contract.DUMPS_DIR.lstrip("/"), 0o755)
            with open(dump, "rb") as handle:
                info = tar.gettarinfo(fileobj=handle, arcname=f"{contract.DUMPS_DIR.lstrip('/')}/{dump.name}")
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o644, 0, 0, "", ""
                tar.addfile(info, handle)
            add_dir(tar, contract.UTILS_DIR.lstrip("/"), 0o755)
            add_text(tar, f"{contract.UTILS_DIR.lstrip('/')}/lib.sh", lib_sh, 0o755)
            add_text(tar, stack.CONTAINER_INITDB_RESTORE.lstrip("/"), restore_sh, 0o755)
            add_dir(tar, contract.STATE_DIR.lstrip("/"), 0o1777)
        process.stdin.close()
    except OSError as exc:
        process.kill()
        process.wait()
        if isinstance(exc, PermissionError) or exc.filename:
            raise ThrowawayError(f"cannot read {dump}: {exc.strerror}") from None
        raise ThrowawayError(f"`docker cp` failed: {_last_line(process.stderr.read())}") from None
    if process.wait() != 0:
        raise ThrowawayError(f"`docker cp` failed: {_last_line(process.stderr.read())}")


_READY = (f'test -e {contract.STATE_DIR}/{contract.MARKER_RESTORE_DONE} && test "$(sed -n 1p {PGDATA}/postmaster.pid)" = 1 '
          f'&& test "$(sed -n 8p {PGDATA}/postmaster.pid | tr -d " ")" = ready')


def _restore_failure(container_id: str, image: str) -> str:
    logs = _docker("logs", container_id, check=False)
    text = (logs.stdout + logs.stderr).decode("utf-8", "replace")
    for line in text.splitlines():
        if "restore FAILED:" in line:
            return line.split("restore FAILED:", 1)[1].strip()
    if "composegen:" not in text:
        return f"{image} did not run the restore (not a Postgres image with the official entrypoint?): {_last_line(text)}"
    return _last_line(text)


@contextlib.contextmanager
def restored(image: str, dump: Path, *, memory: str = DEFAULT_MEMORY, timeout: float = 3600,
             poll: float = 0.5, major: int | None = None) -> Iterator[Restored]:
    """A container of `image` serving the cluster restored from `dump`; removed on leaving.
    `major`: the image's, when the caller has asked image_major() already."""
    from composegen.utils_scripts import render_utils

    major = major if major is not None else image_major(image)
    utils = render_utils()
    name = f"composegen-verify-{secrets.token_hex(4)}"
    create = ["create", "--name", name, "--label", f"{LABEL}=verify", "--network", "none",
              "--memory", memory, "--env", f"POSTGRES_USER={SUPERUSER}",
              "--env", f"POSTGRES_PASSWORD={secrets.token_hex(16)}", "--env", f"PGDATA={PGDATA}"]
    for path in stack.VOLUME_PATHS:  # no anonymous volume for the image's VOLUME
        create += ["--tmpfs", path]
    container_id = None
    try:
        container_id = _docker(*create, image).stdout.decode().strip()
        _tar_into(container_id, dump, utils["lib.sh"], utils["restore"])
        started = time.monotonic()
        _docker("start", container_id)
        while True:
            state = _docker("inspect", "-f", "{{.State.Running}}", container_id).stdout.decode().strip()
            if state != "true":
                raise ThrowawayError(f"the restore of {dump.name} into {image} failed: {_restore_failure(container_id, image)}")
            if _docker("exec", container_id, "sh", "-c", _READY, check=False).returncode == 0:
                break
            if time.monotonic() - started > timeout:
                raise ThrowawayError(f"the restore of {dump.name} into {image} did not finish within {timeout:.0f} s")
            time.sleep(poll)
        yield Restored(container_id, image, major, time.monotonic() - started)
    finally:
        _remove(container_id or name)


def _remove(container: str) -> None:
    """Remove the throwaway container; a failure to do so is said, but never hides why we got here."""
    import sys

    try:
        result = _docker("rm", "--force", "--volumes", container, check=False)
        failed = result.returncode != 0 and b"No such container" not in result.stderr
        why = _last_line(result.stderr)
    except ThrowawayError as exc:
        failed, why = True, str(exc)
    if failed:
        error = ThrowawayError(f"could not remove the throwaway container {container} ({why}): remove it with "
                               f"`docker rm -f -v {container}`")
        if sys.exc_info()[0] is None:
            raise error


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# In a stack's own container: psql with the runtime's credentials and socket (utils/lib.sh), as its
# dump and restore connect.
STACK_PSQL = ["bash", "-c", '. /utils/lib.sh && cg_credentials && cg_connect_local && exec psql "$@"', "psql"]


def count_rows(container_id: str, tables: list[TableCount], *, user: str | None = SUPERUSER,
               psql: list[str] | None = None, timeout: float = 3600) -> dict[tuple[str, str], int | None]:
    """The rows each of `tables` holds in the running container (None: the table is not there).
    `psql`: the command that runs psql there (default: plain psql as `user`)."""
    counts: dict[tuple[str, str], int | None] = {(t.database, t.table): None for t in tables}
    by_database: dict[str, list[str]] = {}
    for table in tables:
        by_database.setdefault(table.database, []).append(table.table)
    for database, names in by_database.items():
        values = ", ".join(f"({index}, {_literal(name)})" for index, name in enumerate(names))
        # One query per table, generated by the server: to_regclass() reads the name as the dump wrote
        # it and gives it back quoted, so no name is ever pasted into SQL by us.
        sql = (f"SELECT format('SELECT %s, count(*) FROM ONLY %s', n, to_regclass(t)) "
               f"FROM (VALUES {values}) AS v(n, t) WHERE to_regclass(t) IS NOT NULL\n\\gexec\n")
        env = ["--env", f"PGDATABASE={database}"] + (["--env", f"PGUSER={user}"] if user else [])
        result = _docker("exec", "-i", *env, container_id, *(psql or ["psql"]), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                         input=sql.encode("utf-8"), timeout=timeout, check=False)
        if result.returncode != 0:
            if b"does not exist" in result.stderr and b"database" in result.stderr:
                continue  # the whole database is missing: every table of it stays None
            raise ThrowawayError(f"counting the rows of database {database} failed: {_last_line(result.stderr)}")
        for line in result.stdout.decode("utf-8", "replace").splitlines():
            index, _, rows = line.partition("|")
            if index.isdigit() and rows.isdigit():
                counts[(database, names[int(index)])] = int(rows)
    return counts
