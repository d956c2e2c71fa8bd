"""Rule 5: scheduled dumps run from the entrypoint, not the healthcheck (they happen with the
healthcheck disabled, as on engines that run none); the healthcheck tells the truth: unhealthy when
the server does not answer, and when the last dump failed."""

from __future__ import annotations

import pytest

from harness import create_rows
from harness.stack import _yaml_dump, _yaml_load
from rules_common import (cases, dump_files, dump_outcomes, engine_now, is_complete_dump, postmaster_pid,
                          probes_started_after)


def _disable_healthcheck(stack) -> None:
    """As a user on an engine that runs no healthcheck would: no healthcheck, and the app (composegen's)
    then waits for Postgres to have started, not to be healthy."""
    doc = _yaml_load(stack.compose_file)
    doc["services"]["postgres"]["healthcheck"] = {"disable": True}
    if "depends_on" in doc["services"].get("app", {}):
        doc["services"]["app"]["depends_on"]["postgres"]["condition"] = "service_started"
    _yaml_dump(doc, stack.compose_file)


@pytest.mark.parametrize("setup, image", cases(
    "the seed's schedule is its healthcheck: with no healthcheck running, no dump is ever taken",
    raises=TimeoutError))  # the wait for a scheduled dump is the check that fails on it
def test_rule05_schedule_runs_without_healthcheck(make_stack, setup, image):
    # Its healthcheck is disabled in compose.yaml itself: no override of it.
    stack = make_stack(image=image, setup=setup, schedule="2s")
    _disable_healthcheck(stack)
    stack.up(wait_healthy=False)
    create_rows(stack, 100)
    stack.wait_for(lambda: [p for p in dump_files(stack) if is_complete_dump(p)], 30, what="a scheduled dump")


@pytest.mark.parametrize("setup, image", cases(
    "the seed's healthcheck is its dump, which exits 0 whatever happened: a failed dump looks healthy"))
def test_rule05_healthcheck_unhealthy_when_not_ready_or_last_dump_failed(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup, schedule="2s", healthcheck_interval="1s")
    stack.up(wait_healthy=setup == "composegen")
    create_rows(stack, 100)
    stack.psql('CREATE DATABASE "second";')

    def health():
        return stack.state()["Health"]

    # Not ready: the postmaster frozen (it accepts no connection) -> unhealthy; thawed -> healthy.
    pid = postmaster_pid(stack)
    if stack.setup == "composegen":
        stack.exec(["sh", "-c", f"kill -STOP {pid}"])
        try:
            result = stack.exec(["/utils/healthcheck"], timeout=60)
            assert result.returncode != 0, result.stdout
        finally:
            stack.exec(["sh", "-c", f"kill -CONT {pid}"])
    # The last dump failed: a database that nobody can connect to makes pg_dumpall fail.
    # Events, not times (a loaded machine may be slow): composegen logs its failed scheduled dump, and
    # its healthcheck (1 s interval, 3 retries) then turns unhealthy. The seed's dump is its
    # healthcheck: three runs of it after the change (retries: 3) must have turned it unhealthy.
    outcomes = len(dump_outcomes(stack))
    since = engine_now()
    stack.psql("ALTER DATABASE second SET session_preload_libraries = 'composegen_missing_library';", db="app")
    if stack.setup == "composegen":
        stack.wait_for(lambda: ("failed", "schedule") in dump_outcomes(stack)[outcomes:], 120,
                       what="a failed scheduled dump")
        stack.wait_for(lambda: health() == "unhealthy", 120, what="unhealthy after a failed dump")
    else:
        stack.wait_for(lambda: probes_started_after(stack, since) >= 3, 120, what="three dumps (healthchecks)")
    assert health() == "unhealthy", "healthy after a failed dump"
    assert stack.exec(["/utils/healthcheck"]).returncode != 0
    outcomes = len(dump_outcomes(stack))
    stack.psql("ALTER DATABASE second RESET session_preload_libraries;", db="app")
    stack.wait_for(lambda: [o for o in dump_outcomes(stack)[outcomes:] if o[1] == "schedule" and o[0] != "failed"],
                   120, what="a scheduled dump that did not fail")
    stack.wait_for(lambda: health() == "healthy", 120, what="healthy again after a good dump")
