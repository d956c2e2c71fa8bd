"""Rule 18 on a real engine: two Postgres services in one file, patched by composegen, each with its own
dumps folder. A stack patched the old way (both on ./data) is repaired by `patch`; then each service
gets back exactly its own data after stop, down, up, and retention in one never removes the other's dumps.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys

from harness.stack import _yaml_dump, _yaml_load

GOOD = re.compile(r"cluster-\d{8}T\d{6}Z\.sql\.(zst|gz)")


def composegen(stack, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COMPOSE_PROJECT_NAME=stack.project)
    return subprocess.run([sys.executable, "-m", "composegen", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def psql(stack, service: str, sql: str) -> str:
    result = stack.exec(["psql", "-v", "ON_ERROR_STOP=1", "-At", "--no-psqlrc", "-U", stack.user, "-d", stack.db],
                        input=sql, service=service)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def tables(stack, service: str) -> set[str]:
    return set(psql(stack, service, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split())


def wait_ready(stack, service: str) -> None:
    stack.wait_for(lambda: stack.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", stack.user, "-d", stack.db],
                                      service=service).returncode == 0, timeout=180, what=f"{service} ready")


def good_dumps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if GOOD.fullmatch(p.name)) if folder.is_dir() else []


def test_two_services_keep_their_own_data_and_dumps(make_stack):
    stack = make_stack(image="15-dash", app_connections=0, keep=2)
    doc = _yaml_load(stack.compose_file)
    # The layout an older composegen left with `patch --service` run once per service: one ./data for both.
    doc["services"]["auth"] = copy.deepcopy(doc["services"]["postgres"])
    _yaml_dump(doc, stack.compose_file)
    lint = composegen(stack, "lint", str(stack.dir))
    assert lint.returncode == 1 and "CG013" in lint.stdout, lint.stdout + lint.stderr
    patched = composegen(stack, "patch", str(stack.compose_file))
    assert patched.returncode == 0, patched.stderr
    assert "./data/postgres" in patched.stdout and "./data/auth" in patched.stdout
    ours, theirs = stack.data_dir / "postgres", stack.data_dir / "auth"

    stack.up()
    wait_ready(stack, "auth")
    psql(stack, "postgres", "CREATE TABLE app_items AS SELECT g AS id FROM generate_series(1, 300) g")
    psql(stack, "auth", "CREATE TABLE auth_users AS SELECT g AS id FROM generate_series(1, 70) g")

    down = composegen(stack, "down", str(stack.dir))
    assert down.returncode == 0, down.stdout + down.stderr
    assert "good dump of 'postgres'" in down.stdout and "good dump of 'auth'" in down.stdout
    assert good_dumps(ours) and good_dumps(theirs)

    stack.up()
    wait_ready(stack, "auth")
    assert tables(stack, "postgres") == {"app_items"}
    assert tables(stack, "auth") == {"auth_users"}
    assert psql(stack, "postgres", "SELECT count(*) FROM app_items") == "300"
    assert psql(stack, "auth", "SELECT count(*) FROM auth_users") == "70"

    # Retention (keep=2) in auth's folder, three dumps there: postgres's dumps stay.
    before = good_dumps(ours)
    for round_ in range(3):
        psql(stack, "auth", f"INSERT INTO auth_users VALUES ({1000 + round_})")
        assert stack.exec(["/utils/dump"], service="auth").returncode == 0
    assert len(good_dumps(theirs)) == 2
    assert good_dumps(ours) == before
