"""Rule 15: after a restore, POSTGRES_USER gets the configured password again (hashed by the new
server). cg_set_password hands it to psql on stdin, never as an argument (`ps` shows those), in a
session that logs no statement text. A stand-in psql records what it was given."""

from __future__ import annotations

import os

import pytest

FAKE_PSQL = """#!/bin/sh
printf '%s\\n' "$@" >"$CG_TEST_OUT/argv"
cat >"$CG_TEST_OUT/stdin"
"""

# Every character psql's meta-command quoting treats specially, and a line break.
PASSWORD = "p'a\"s\\s$w`o\nr d'' \\n é"


def _decode_meta(arg: str) -> str:
    """A single-quoted psql meta-command argument, as psql's documentation reads it: '' is a quote,
    a backslash escapes (\\n a line break, any other character itself)."""
    assert arg.startswith("'") and arg.endswith("'")
    body, out, i = arg[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "'":
            assert body[i + 1] == "'", "a lone quote ends the argument early"
            out.append("'")
            i += 2
        elif c == "\\":
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


@pytest.fixture
def fake_psql(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "psql").write_text(FAKE_PSQL)
    os.chmod(bin_dir / "psql", 0o755)
    out = tmp_path / "out"
    out.mkdir()
    return bin_dir, out


def test_the_password_goes_on_stdin_never_in_arguments(run_lib, fake_psql):
    bin_dir, out = fake_psql
    result = run_lib("cg_set_password", env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "CG_TEST_OUT": str(out),
                                             "PGPASSWORD": PASSWORD, "PGUSER": "my app"})
    assert result.returncode == 0, result.stderr
    argv = (out / "argv").read_text()
    assert "cg_user=my app" in argv.splitlines()
    for part in PASSWORD.split("\n"):
        assert part not in argv
    stdin = (out / "stdin").read_text().splitlines()
    # No statement text reaches the server's log or pg_stat_statements before the password is sent.
    assert stdin[:4] == ["set log_statement = 'none';", "set log_min_duration_statement = -1;",
                         "set log_min_error_statement = panic;", "set pg_stat_statements.track_utility = off;"]
    assert stdin[4].startswith("\\set cg_password ")
    assert _decode_meta(stdin[4][len("\\set cg_password "):]) == PASSWORD
    assert stdin[5:] == ["alter role :\"cg_user\" password :'cg_password';"]
    assert "VERBOSITY=terse" in argv.splitlines()


def test_no_password_configured_changes_nothing(run_lib, fake_psql):
    bin_dir, out = fake_psql
    result = run_lib("cg_set_password", env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "CG_TEST_OUT": str(out),
                                             "PGUSER": "app"})
    assert result.returncode == 0, result.stderr
    assert not (out / "argv").exists()
