"""CPU spent by one scheduled interval on an idle database, from the container's cgroup.

The container runs with a short schedule and no healthcheck probes (set before its last recreate),
the app stopped, the database vacuumed (see settle()). Window A spans K whole intervals, from the record one tick writes to the record the
K-th next tick writes. Window B, as long, follows with the schedule loop paused (SIGSTOP): what
Postgres burns idle on its own (background workers, autovacuum launcher). One interval's cost is
(A - B) / K: the loop's sleep, fingerprint queries and record, server side included.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from cgroup_cpu import ContainerCpu
from figures import Figure, Results, ratio
from measure import MeasureError

GOAL = 0.01  # of one full dump's CPU
POLL_S = 0.05
# The entrypoint (PID 1) starts `/utils/dump --loop`; subshells of a tick share its command line but
# not its parent.
FIND_LOOP_SH = r"""
for p in /proc/[0-9]*; do
  c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  case $c in *'/utils/dump --loop'*)
    grep -q '^PPid:[[:space:]]*1$' "$p/status" 2>/dev/null && echo "${p#/proc/}" ;;
  esac
done
"""


@dataclass(frozen=True)
class IdleMeasurement:
    interval_s: float
    intervals: int
    tick_cpu_s: float  # CPU seconds of one interval, background excluded
    background_cpu_per_s: float
    outcomes: tuple[str, ...]
    autovacuum_runs: int  # autovacuum/autoanalyze runs in POSTGRES_DB during window A (0: the window is clean)


def _record_identity(path):
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


def _next_tick(stack, after, timeout: float) -> tuple[object, dict]:
    """Wait for a new record written by the schedule; returns (its identity, its content)."""
    path = stack.data_dir / "composegen-status.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ident = _record_identity(path)
        if ident is not None and ident != after:
            record = json.loads(path.read_text())
            if record.get("trigger") == "schedule":
                return ident, record
            after = ident
        time.sleep(POLL_S)
    raise MeasureError(f"no scheduled dump record within {timeout:.0f} s")


def _loop_pid(stack) -> str:
    pids = stack.exec(["sh", "-c", FIND_LOOP_SH]).stdout.split()
    if len(pids) != 1:
        raise MeasureError(f"expected one schedule loop in the container, found {pids or 'none'}")
    return pids[0]


def _autovacuum_runs(stack) -> int:
    return int(stack.psql("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_all_tables;"))


def settle(stack) -> None:
    """Leave autovacuum nothing to do: a fresh restore loaded every row since the last VACUUM, and the
    autovacuum that follows (seconds of CPU per GB, once) would land in window A. VACUUM takes no
    transaction id, so the runtime still sees the database unchanged."""
    result = stack.exec(["vacuumdb", "--all", "--quiet", f"--username={stack.user}"], timeout=3600)
    if result.returncode != 0:
        raise MeasureError(f"vacuumdb failed: {result.stderr.strip()[-300:]}")


def measure(stack, interval_s: float, intervals: int) -> IdleMeasurement:
    cpu = ContainerCpu(stack)
    stack.compose("stop", "app")
    settle(stack)
    path = stack.data_dir / "composegen-status.json"
    wait = interval_s * 2 + 60
    # Start on a skipped tick: the database is idle in the runtime's own terms.
    ident, record = _next_tick(stack, _record_identity(path), wait)
    for _ in range(4):
        if record.get("outcome") == "skipped":
            break
        ident, record = _next_tick(stack, ident, wait)
    else:
        raise MeasureError(f"the scheduled dumps never skipped (last: {record.get('outcome')}, {record.get('reason')})")
    autovacuum_before = _autovacuum_runs(stack)
    start_t, start_cpu = time.monotonic(), cpu.now()
    outcomes = []
    for _ in range(intervals):
        ident, record = _next_tick(stack, ident, wait)
        outcomes.append(record.get("outcome", "?"))
    a_s, a_cpu = time.monotonic() - start_t, cpu.now() - start_cpu
    autovacuum_runs = _autovacuum_runs(stack) - autovacuum_before
    loop = _loop_pid(stack)
    stack.exec(["sh", "-c", f"kill -STOP {loop}"])
    try:
        b_t, b_cpu = time.monotonic(), cpu.now()
        time.sleep(a_s)
        b_s, b_used = time.monotonic() - b_t, cpu.now() - b_cpu
    finally:
        stack.exec(["sh", "-c", f"kill -CONT {loop}"])
    background = b_used / b_s
    return IdleMeasurement(a_s / intervals, intervals, (a_cpu - background * a_s) / intervals, background,
                           tuple(outcomes), autovacuum_runs)


def seed_interval_cpu(seed_stack) -> float:
    """CPU seconds of one of the seed's scheduled intervals: its healthcheck, /utils/dump, run once."""
    cpu = ContainerCpu(seed_stack)
    before = cpu.now()
    result = seed_stack.exec(["/utils/dump"])
    if result.returncode != 0:
        raise MeasureError(f"seed /utils/dump exited {result.returncode}")
    return cpu.now() - before


def report(m: IdleMeasurement, dump_cpu_s: float, seed_cpu_s: float | None, seed_reason: str,
           results: Results) -> None:
    share = ratio(m.tick_cpu_s, dump_cpu_s)
    skipped = sum(1 for o in m.outcomes if o == "skipped")
    results.add(Figure(
        "idle interval CPU vs full dump CPU", f"{m.tick_cpu_s:.3f} CPU s", f"{dump_cpu_s:.2f} CPU s /utils/dump",
        share, f"<= {GOAL:.0%}", share is not None and share <= GOAL, key="idle_cpu_ratio", value=share,
        note=(f"{m.intervals} intervals of {m.interval_s:.1f} s, {skipped} skipped / {len(m.outcomes)} ticks; "
              f"idle Postgres background {m.background_cpu_per_s * 1000:.1f} ms CPU/s subtracted (loop paused); "
              "no healthcheck probes, app stopped, database vacuumed first"
              + (f"; WARNING: autovacuum ran {m.autovacuum_runs} time(s) in the window, counted in" if m.autovacuum_runs
                 else "; no autovacuum in the window")),
    ))
    if seed_cpu_s is not None:
        results.add(Figure("idle interval CPU vs seed's interval", f"{m.tick_cpu_s:.3f} CPU s",
                           f"{seed_cpu_s:.2f} CPU s seed (a full dump)", ratio(m.tick_cpu_s, seed_cpu_s), "-"))
    else:
        results.skip("idle interval CPU vs seed's interval", seed_reason)
