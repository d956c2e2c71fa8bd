"""Faults the runtime must survive or report (composegen's setup only; the seed has no answer to
any of them): a full disk during a dump, a dump from a newer major, dumps gone from ./data while the
record says there were some, a container killed in the middle of its restore."""

from __future__ import annotations

import subprocess
import time

import pytest

from harness import create_rows
from harness.data import count_rows
from rules_common import BUSYBOX_15, DASH_15, DASH_17, dump_files, is_complete_dump, status_record, tcp_ready


def _wait_exit_or_restart(stack, timeout=180):  # a condition: generous, for a loaded machine
    def failed():
        state = stack.state()
        return state["RestartCount"] >= 1 or state["Status"] in ("exited", "restarting")

    stack.wait_for(failed, timeout, what="the start to fail")


def _tmp_files(stack) -> set[str]:
    return {p.name for p in stack.data_files() if p.name.endswith(".tmp")}


@pytest.mark.parametrize("image", [DASH_15, BUSYBOX_15], ids=["15-dash", "15-busybox"])
def test_rule01_full_disk_keeps_last_good_and_turns_unhealthy(make_stack, image, tmp_path):
    stack = make_stack(image=image, schedule="2s")
    # ./data on a small filesystem of its own (a host tmpfs): room for small dumps, not a big one.
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(stack.data_dir)]).returncode:
        pytest.skip("needs root to mount a small tmpfs as the stack's data/")
    try:
        stack.up()
        create_rows(stack, 100)
        good = stack.wait_for(lambda: [p for p in dump_files(stack) if is_complete_dump(p)], 30, what="a good dump")
        good_bytes = {p.name: p.read_bytes() for p in good}
        # Incompressible rows: the next dump does not fit in what is left.
        stack.psql("CREATE TABLE big AS SELECT string_agg(md5(random()::text), '') AS v "
                   "FROM generate_series(1, 200000) g GROUP BY g % 100;")
        stack.wait_for(lambda: stack.state()["Health"] == "unhealthy", 120, what="unhealthy after the failed dump")
        record = status_record(stack)
        assert record["outcome"] == "failed", record
        assert any("dump failed" in line and "trigger=schedule" in line for line in stack.logs().splitlines())
        assert {p.name: p.read_bytes() for p in dump_files(stack) if p.name in good_bytes} == good_bytes
        # The schedule keeps trying (and failing) every 2 s, so a dump may be writing its temporary
        # file at any moment we look: what must hold is that every temporary file seen is removed
        # when its dump fails, not that none is ever there.
        seen_tmp = _tmp_files(stack)
        stack.wait_for(lambda: not (seen_tmp & _tmp_files(stack)), 60, what=f"{sorted(seen_tmp)} removed")
        # Room again: the next scheduled dump succeeds and the container is healthy again.
        stack.psql("DROP TABLE big;")
        stack.wait_for(lambda: stack.state()["Health"] == "healthy", 120, what="healthy after a good dump")
        stack.down()
        assert not _tmp_files(stack), "a temporary dump file outlived the container"
    finally:
        stack.destroy()
        subprocess.run(["umount", str(stack.data_dir)])


def test_rule02_dump_from_newer_major_is_refused(make_stack):
    stack = make_stack(image=DASH_17)
    stack.up()
    create_rows(stack, 100)
    stack.down()
    newest = sorted(dump_files(stack))[-1]
    stack.set_image(DASH_15)
    stack.up(wait=False)
    _wait_exit_or_restart(stack)
    time.sleep(2)
    assert not tcp_ready(stack)
    logs = stack.logs()
    assert f"{newest.name} was dumped from PostgreSQL 17, and this server is 15" in logs
    # The dump is untouched, and the right image still restores it.
    stack.compose("down")
    stack.set_image(DASH_17)
    stack.up()
    assert count_rows(stack) == 100


def test_rule02_dumps_gone_but_recorded_refuses_empty_start(make_stack):
    stack = make_stack(image=BUSYBOX_15)
    stack.up()
    create_rows(stack, 10)
    stack.down()
    for path in dump_files(stack):
        path.unlink()
    stack.up(wait=False)
    _wait_exit_or_restart(stack)
    assert not tcp_ready(stack)
    assert "refusing to start an empty database" in stack.logs()


def test_rule02_kill_during_restore_never_serves_partial_data(make_stack):
    stack = make_stack(image=DASH_15)
    stack.up()
    rows = create_rows(stack, 400_000)
    stack.down()
    stack.up(wait=False)
    stack.wait_for(lambda: "composegen: restoring" in stack.logs(), 60, interval=0.1, what="the restore to start")
    time.sleep(0.5)
    stack.kill()
    # The policy restarts it (same container, half-loaded PGDATA): the restore must start over.
    time.sleep(2)
    if stack.state()["Status"] == "exited":
        stack.compose("start")
    stack.up(timeout=240)  # waits as wait_ready() does, and starts the app, which up(wait=False) left out
    assert count_rows(stack) == rows
    assert "did not finish initializing" in stack.logs()


def test_rule12_dump_now_via_exec_is_logged(make_stack):
    # `docker exec <c> /utils/dump` takes a dump now, through the same code path as the schedule.
    stack = make_stack(image=BUSYBOX_15)
    stack.up()
    before = {p.name for p in dump_files(stack)}
    result = stack.exec(["/utils/dump"])
    assert result.returncode == 0, result.stderr
    assert {p.name for p in dump_files(stack)} - before
    assert "dump written trigger=manual" in stack.logs()  # also in the container log


def test_rule07_credentials_from_password_file_with_password_auth(make_stack):
    # Local connections that ask for a password (POSTGRES_INITDB_ARGS), the password only in a file
    # (POSTGRES_PASSWORD_FILE): the dump at stop and the restore still get in.
    from harness.stack import _yaml_dump, _yaml_load

    stack = make_stack(image=BUSYBOX_15, app_connections=0)
    secret = stack.dir / "pw"
    secret.write_text(stack.password + "\n")
    secret.chmod(0o644)
    doc = _yaml_load(stack.compose_file)
    service = doc["services"]["postgres"]
    del service["environment"]["POSTGRES_PASSWORD"]
    service["environment"]["POSTGRES_PASSWORD_FILE"] = "/run/composegen-test-pw"
    service["environment"]["POSTGRES_INITDB_ARGS"] = "--auth-local=scram-sha-256"
    service["volumes"].append("./pw:/run/composegen-test-pw:ro")
    _yaml_dump(doc, stack.compose_file)

    def psql(sql):
        result = stack.docker("exec", "-i", "-e", f"PGPASSWORD={stack.password}", stack.container_id(), "psql",
                              "-v", "ON_ERROR_STOP=1", "-At", "-U", stack.user, "-d", stack.db, input=sql)
        return result.stdout.strip()

    stack.up()
    assert stack.exec(["psql", "-At", "-U", stack.user, "-d", stack.db, "-c", "select 1"]).returncode != 0, \
        "the socket should ask for a password in this test"
    psql("CREATE TABLE t AS SELECT g FROM generate_series(1, 321) g;")
    stack.down()
    assert dump_files(stack)
    stack.up()
    assert psql("SELECT count(*) FROM t;") == "321"
