"""`composegen status` and `composegen down` against a real engine, a generated stack and the real runtime.

down must remove the containers only after the stop-time dump is confirmed from data/'s record, and
leave them stopped (exit 1, with the reason) otherwise: on the seed, which records nothing, and when
the stack was already stopped (no dump can be taken at this stop).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness import flavour_images

ROWS = 500


def composegen(stack, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the CLI as a user would; the harness's project name reaches Compose via its environment."""
    env = dict(os.environ, COMPOSE_PROJECT_NAME=stack.project)
    return subprocess.run([sys.executable, "-m", "composegen", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def containers(stack) -> list[str]:
    return stack.docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={stack.project}").stdout.split()


def status_json(stack, *extra: str) -> tuple[int, dict]:
    result = composegen(stack, "status", "--json", *extra, str(stack.dir))
    return result.returncode, json.loads(result.stdout)


@pytest.mark.parametrize("image", flavour_images())
def test_down_confirms_the_stop_dump_then_removes(make_stack, image):
    stack = make_stack(image=image)
    stack.up()
    stack.psql(f"CREATE TABLE t AS SELECT g AS id FROM generate_series(1, {ROWS}) g;")

    code, before = status_json(stack)
    assert code == 1 and "no dump yet" in " ".join(before["services"][0]["problems"])

    result = composegen(stack, "down", str(stack.dir), "--", "--remove-orphans")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "confirmed" in result.stdout
    assert containers(stack) == []

    record = json.loads((stack.data_dir / "composegen-status.json").read_text())
    assert (record["outcome"], record["trigger"]) == ("written", "stop")
    code, after = status_json(stack)
    service = after["services"][0]
    assert code == 0, after
    assert service["newest_dump"]["file"] == record["file"]
    assert service["last_attempt"]["outcome"] == "written"

    stack.up()  # the dump confirmed by down is what comes back
    assert stack.psql("SELECT count(*) FROM t;") == str(ROWS)


def test_down_leaves_an_already_stopped_stack_stopped(make_stack):
    stack = make_stack(image="15-dash")
    stack.up()
    stack.stop(service=None)
    result = composegen(stack, "down", str(stack.dir))
    assert result.returncode == 1
    assert "not removing the containers" in result.stdout and "was the service running?" in result.stdout
    assert len(containers(stack)) == 2  # still there, stopped


def test_down_refuses_the_seed_which_records_no_stop_dump(make_stack):
    stack = make_stack(image="15-busybox", setup="seed")
    stack.up(wait_healthy=False)
    result = composegen(stack, "down", str(stack.dir))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not removing the containers" in result.stdout
    assert len(containers(stack)) == 2
    assert stack.state()["Status"] == "exited"


def test_status_on_a_running_stack_after_a_manual_dump(make_stack):
    stack = make_stack(image="15-dash")
    stack.up()
    dumped = stack.exec(["/utils/dump"])
    assert dumped.returncode == 0, dumped.stderr
    code, document = status_json(stack)
    service = document["services"][0]
    assert code == 0, document
    assert service["newest_dump"]["size"] > 0 and service["newest_dump"]["age_s"] < 120
    assert service["last_attempt"]["trigger"] == "manual"

    text = composegen(stack, "status", str(stack.dir))
    assert text.returncode == 0 and "1 Postgres service: 1 ok" in text.stdout
    assert composegen(stack, "status", "--max-age", "0s", str(stack.dir)).returncode == 1


def test_down_accepts_a_stop_dump_skipped_as_unchanged(make_stack):
    stack = make_stack(image="15-busybox")
    stack.up()
    stack.psql("CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
    assert stack.exec(["/utils/dump"]).returncode == 0
    result = composegen(stack, "down", str(stack.dir))
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads((stack.data_dir / "composegen-status.json").read_text())
    assert (record["outcome"], record["trigger"]) == ("skipped", "stop")
    assert containers(stack) == []


def test_down_leaves_the_stack_stopped_when_the_stop_dump_is_killed(make_stack):
    """No grace period: Docker kills the container before the stop-time dump, no record is written at
    this stop, and down must not remove the containers (the data is still in their PGDATA)."""
    stack = make_stack(image="17-dash", stop_grace_period="0s")
    stack.up()
    stack.psql("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 1000000) g;")
    result = composegen(stack, "down", str(stack.dir))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not removing the containers" in result.stdout
    assert len(containers(stack)) == 2
    stack.start()  # nothing lost: the same containers resume from their PGDATA
    assert stack.psql("SELECT count(*) FROM t;") == "1000000"
