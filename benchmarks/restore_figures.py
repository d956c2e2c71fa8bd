"""Restore wall time: ours (a fresh start restoring the newest dump) against `psql -f` of the same
dump, uncompressed, into a fresh cluster of the same image (the seed's container).

Ours is read two ways: the restore step alone (the duration utils/restore logs, from the first
check of the dump to the end of the load and analyze), and `up` until the server accepts TCP
connections (initdb, restore, the final server's start).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from figures import Figure, Results, ratio
from measure import MeasureError, median, shell_in_container

RESTORED_LINE = re.compile(r"restored (?P<file>\S+) .*? in (?P<seconds>[0-9]+(?:\.[0-9]+)?) s")
PLAIN_IN_SEED = "/tmp/cgbench-restore.sql"
GOAL = 1.0  # issue 15: the restore step no slower than psql -f of the same dump


@dataclass(frozen=True)
class OursRestore:
    up_s: float  # `up` until accepting TCP connections
    step_s: float  # the restore step, from the duration its log line gives
    dump_file: Path  # the dump restored, host side


def measure_ours(stack, timeout: float) -> OursRestore:
    """`down` (its stop-time dump is skipped: nothing changed), then a timed `up` that restores the
    newest dump; the stack is left running. Reads the log of this container only (a new one)."""
    stack.down()
    started = time.perf_counter()
    # Postgres alone: the app waits for it to be healthy (depends_on), and the healthcheck probes
    # are an hour apart from now on (the idle step), so `up` of the whole stack would block there.
    stack.up(wait=False)
    stack.wait_for(lambda: _accepts_tcp(stack), timeout, interval=0.2, what=f"{stack} accepting TCP after the restore")
    up_s = time.perf_counter() - started
    match = RESTORED_LINE.search(stack.logs())
    if match is None:
        raise MeasureError("the container log has no 'restored ... in N s' line: nothing was restored")
    dump = stack.data_dir / Path(match["file"]).name
    return OursRestore(up_s, float(match["seconds"]), dump)


def _accepts_tcp(stack) -> bool:
    if stack.state()["Status"] in ("exited", "dead"):
        raise MeasureError(f"postgres exited while restoring:\n{stack.logs()[-2000:]}")
    return stack.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", stack.user, "-d", stack.db]).returncode == 0


def reset_cluster(seed_stack) -> None:
    """Bring the seed's cluster back to what the image's init leaves (an empty POSTGRES_DB), so
    every round of `psql -f` loads into the same fresh state. Its app reconnects by itself."""
    db, user = seed_stack.db, seed_stack.user
    seed_stack.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE);', db="postgres")
    seed_stack.psql(f'CREATE DATABASE "{db}" OWNER "{user}";', db="postgres")


def measure_psql_f(seed_stack, dump_file: Path) -> tuple[float, int]:
    """(seconds, error lines) of `psql -f` of `dump_file` decompressed, in the seed's running container,
    into a reset cluster.

    pg_dumpall output was made for an empty cluster: CREATE of the image's own role and database
    fails and psql -f goes on, as a user of the plain dump sees. The dump also sets that role's
    password to ours: put the seed's back, so its app can reconnect."""
    reset_cluster(seed_stack)
    container = seed_stack.container_id()
    seed_stack.docker("cp", str(dump_file), f"{container}:{PLAIN_IN_SEED}.zst")
    shell_in_container(seed_stack, f"zstd -q -d -f -o {PLAIN_IN_SEED} {PLAIN_IN_SEED}.zst && rm -f {PLAIN_IN_SEED}.zst"
                                   f" && chmod 0644 {PLAIN_IN_SEED}")
    try:
        seconds, _ = shell_in_container(
            seed_stack, f"psql -X -q --username={seed_stack.user} --dbname=postgres -f {PLAIN_IN_SEED} "
                        f">/dev/null 2>{PLAIN_IN_SEED}.err")
        _, errors = shell_in_container(seed_stack, f"grep -c ERROR {PLAIN_IN_SEED}.err || true")
    finally:
        shell_in_container(seed_stack, f"rm -f {PLAIN_IN_SEED} {PLAIN_IN_SEED}.err", check=False)
    seed_stack.psql(f"ALTER ROLE \"{seed_stack.user}\" PASSWORD '{seed_stack.password}';")
    return seconds, int(errors.stdout.split()[0])


def report(rounds: list[tuple[OursRestore, float, int]], results: Results) -> None:
    """`rounds`: (ours, psql -f seconds, its error lines), one per round, each pair measured back to back."""
    ours = OursRestore(median([r[0].up_s for r in rounds]), median([r[0].step_s for r in rounds]),
                       rounds[-1][0].dump_file)
    psql_s, psql_errors = median([r[1] for r in rounds]), rounds[-1][2]
    step = ratio(ours.step_s, psql_s)
    results.add(Figure(
        "restore step vs psql -f", f"{ours.step_s:.2f} s", f"{psql_s:.2f} s psql -f plain", step,
        f"<= {GOAL}x", step is not None and step <= GOAL, key="restore_ratio", value=step,
        note=(f"median of {len(rounds)} rounds, each a fresh start of ours then psql -f into the reset seed "
              f"cluster; same dump ({ours.dump_file.name}); ours verifies it, loads it with ON_ERROR_STOP and analyzes; "
              f"psql -f went on past {psql_errors} error(s) (the image's role and database exist)"),
    ))
    up = ratio(ours.up_s, psql_s)
    results.add(Figure("fresh start: up to accepting TCP", f"{ours.up_s:.2f} s", f"{psql_s:.2f} s psql -f plain",
                       up, "-", key="restore_up_ratio", value=up))
