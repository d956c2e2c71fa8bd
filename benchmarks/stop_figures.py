"""`docker compose stop` of the Postgres service while the app's connections are open.

Ours twice: after a write (the stop takes the final dump) and with nothing changed since (the stop
should skip it). The seed once, with its grace period capped (harness_bridge.SEED_GRACE_S).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bench_data import TABLE
from figures import Figure, Results

UNCHANGED_GOAL_S = 3.0
CHANGED_MARGIN_S = 10.0  # goal: the stop takes at most one dump plus this


@dataclass(frozen=True)
class StopMeasurement:
    seconds: float
    exit_code: int
    outcome: str  # what the stop-time dump did, from the record (ours), or a description (seed)


def _wait_for_app(stack) -> None:
    stack.wait_for(lambda: stack.app_connection_count() >= stack.app_connections, 120,
                   what="the app's connections")


def _record(stack) -> dict:
    try:
        return json.loads((stack.data_dir / "composegen-status.json").read_text())
    except (OSError, ValueError):
        return {}


def _stop(stack) -> StopMeasurement:
    _wait_for_app(stack)
    seconds = stack.stop()
    state = stack.state()
    record = _record(stack)
    outcome = f"{record.get('outcome', '?')} (trigger {record.get('trigger', '?')})" if record else "no record"
    return StopMeasurement(seconds, state["ExitCode"], outcome)


def measure_ours(stack) -> tuple[StopMeasurement, StopMeasurement]:
    """(changed, unchanged); the stack is stopped afterwards."""
    stack.psql(f"INSERT INTO {TABLE} (payload) VALUES ('written just before the stop ' || md5(random()::text));")
    changed = _stop(stack)
    stack.start()
    unchanged = _stop(stack)
    return changed, unchanged


def measure_seed(seed_stack) -> StopMeasurement:
    _wait_for_app(seed_stack)
    seconds = seed_stack.stop()
    code = seed_stack.state()["ExitCode"]
    return StopMeasurement(seconds, code, "killed at the end of the grace period" if code == 137 else f"exit {code}")


def report(changed: StopMeasurement, unchanged: StopMeasurement, seed: StopMeasurement | None,
           seed_reason: str, dump_s: float, results: Results, grace_s: int, app_connections: int) -> None:
    capped = seed is not None and seed.seconds >= grace_s
    seed_text = (f"{seed.seconds:.1f} s seed" + (f" (capped: grace {grace_s} s)" if capped else "")
                 if seed is not None else f"seed not measured: {seed_reason}")
    seed_s = seed.seconds if seed is not None else None
    goal_changed = dump_s + CHANGED_MARGIN_S
    results.add(Figure(
        "stop, changed db, clients open", f"{changed.seconds:.2f} s", seed_text,
        changed.seconds / seed_s if seed_s else None, f"<= dump + {CHANGED_MARGIN_S:.0f} s = {goal_changed:.1f} s",
        changed.seconds <= goal_changed, key="stop_clients_s", value=changed.seconds,
        note=(f"{app_connections} app connections open; ours exit {changed.exit_code}, final dump {changed.outcome}"
              + (f"; seed exit {seed.exit_code}: {seed.outcome}, its 5m grace capped to {grace_s} s"
                 if seed is not None else "")),
    ))
    results.add(Figure(
        "stop, unchanged db, clients open", f"{unchanged.seconds:.2f} s", seed_text,
        unchanged.seconds / seed_s if seed_s else None, f"<= {UNCHANGED_GOAL_S:.0f} s",
        unchanged.seconds <= UNCHANGED_GOAL_S, key="stop_unchanged_s", value=unchanged.seconds,
        note=f"ours exit {unchanged.exit_code}, final dump {unchanged.outcome}",
    ))
