"""Pure-shell functions of lib.sh, run under bash with both userlands: schedule parsing, dump
verification, choosing the newest dump, retention, the JSON record's text, durations."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess

import pytest

TRAILER = "-- PostgreSQL database cluster dump complete"
DUMP_TEXT = (
    "--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE app;\n\\connect template1\n"
    "--\n-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n--\n"
    + "COPY t (v) FROM stdin;\n" + "".join(f"row {i}\n" for i in range(2000)) + "\\.\n\n"
    + f"--\n{TRAILER}\n--\n\n"
)


def _compressors() -> list:
    params = [pytest.param("gz", id="gzip")]
    if shutil.which("zstd"):
        params.append(pytest.param("zst", id="zstd"))
    return params


def _write(path, ext: str, text: str) -> None:
    data = text.encode()
    if ext == "gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout)


# cg_schedule_seconds and cg_keep_count: tests/runtime/test_options_agree.py (one table with composegen's own check).


@pytest.mark.parametrize("ext", _compressors())
def test_verify_accepts_a_complete_dump(run_lib, ext):
    path = run_lib.dumps / f"cluster-20260101T000000Z.sql.{ext}"
    _write(path, ext, DUMP_TEXT)
    result = run_lib(f'cg_verify_dump "{path}"')
    assert result.returncode == 0, result.stdout + result.stderr
    # A temporary dump is checked by its real extension.
    tmp = run_lib.dumps / f".cluster-20260101T000000Z.sql.{ext}.tmp"
    shutil.copy(path, tmp)
    assert run_lib(f'cg_verify_dump "{tmp}"').returncode == 0


@pytest.mark.parametrize("ext", _compressors())
def test_verify_rejects_a_truncated_file(run_lib, ext):
    path = run_lib.dumps / f"cluster-20260101T000000Z.sql.{ext}"
    _write(path, ext, DUMP_TEXT)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    result = run_lib(f'cg_verify_dump "{path}"')
    assert result.returncode == 1
    assert "does not decompress" in result.stdout


@pytest.mark.parametrize("ext", _compressors())
def test_verify_rejects_a_dump_without_trailer(run_lib, ext):
    # A pg_dumpall that died half-way, compressed cleanly: decompresses, but is incomplete.
    path = run_lib.dumps / f"cluster-20260101T000000Z.sql.{ext}"
    _write(path, ext, DUMP_TEXT.split("\\.")[0])
    result = run_lib(f'cg_verify_dump "{path}"')
    assert result.returncode == 1
    assert "incomplete dump" in result.stdout


def test_verify_rejects_garbage(run_lib):
    path = run_lib.dumps / "cluster-20260101T000000Z.sql.gz"
    path.write_bytes(os.urandom(4096))
    assert run_lib(f'cg_verify_dump "{path}"').returncode == 1


def test_trailer_must_be_a_whole_line(run_lib):
    path = run_lib.dumps / "cluster-20260101T000000Z.sql.gz"
    _write(path, "gz", DUMP_TEXT.replace(TRAILER, "SELECT 1; " + TRAILER))
    assert run_lib(f'cg_verify_dump "{path}"').returncode == 1


def test_dump_major(run_lib):
    path = run_lib.dumps / "cluster-20260101T000000Z.sql.gz"
    _write(path, "gz", DUMP_TEXT)
    assert run_lib(f'cg_dump_major "{path}"').stdout.strip() == "15"


def _touch_dumps(dumps, names):
    for name in names:
        (dumps / name).write_bytes(b"x")


def test_newest_dump_ignores_other_names(run_lib):
    _touch_dumps(run_lib.dumps, [
        "cluster-20260101T000000Z.sql.zst", "cluster-20260301T000000Z.sql.gz", "cluster-20260201T000000Z.sql.zst",
        "cluster-20991231T000000Z.sql.xz", "cluster-old.sql.gz", ".cluster-20990101T000000Z.sql.zst.tmp",
        "composegen-status.json",
    ])
    result = run_lib("cg_dumps_newest_first")
    assert result.stdout.split() == ["cluster-20260301T000000Z.sql.gz", "cluster-20260201T000000Z.sql.zst",
                                     "cluster-20260101T000000Z.sql.zst"]
    assert run_lib("cg_newest_dump").stdout.strip() == "cluster-20260301T000000Z.sql.gz"


def test_newest_dump_of_an_empty_directory(run_lib):
    result = run_lib("cg_newest_dump")
    assert (result.returncode, result.stdout) == (0, "")


def test_retention_keeps_the_newest(run_lib):
    names = [f"cluster-2026010{d}T000000Z.sql.zst" for d in range(1, 7)]
    _touch_dumps(run_lib.dumps, names + ["notes.txt"])
    result = run_lib("CG_KEEP=2; cg_retention")
    assert result.returncode == 0
    assert sorted(p.name for p in run_lib.dumps.iterdir()) == sorted(names[-2:] + ["notes.txt"])


def test_dump_time_from_name(run_lib):
    result = run_lib("cg_dump_time cluster-20261124T203005Z.sql.zst")
    assert result.stdout.strip() == "2026-11-24T20:30:05Z"


def test_json_text_is_safe(run_lib):
    result = run_lib("""cg_json_text 'a "quoted" \\\\ back
slash	tab'""")
    text = result.stdout
    assert json.loads(f'"{text}"') == text
    assert '"' not in text and "\\" not in text and "\n" not in text


def test_json_text_keeps_text_and_drops_control_characters(run_lib):
    result = run_lib("cg_json_text \"$(printf 'a\\001b\\177c\\033[1m\\tT\\r\\x00e')\" 'caf\u00e9' x")
    assert result.stdout == "abc[1m T e caf\u00e9 x"


def test_status_record_is_json(run_lib):
    _touch_dumps(run_lib.dumps, ["cluster-20260101T000000Z.sql.zst"])
    (run_lib.state / "baseline").write_text("1:2:;0\n")
    result = run_lib('cg_write_status failed schedule "pg_dumpall: \\"x\\" failed" 0.42 0 "" "fp"')
    assert result.returncode == 0, result.stderr
    record = json.loads((run_lib.dumps / "composegen-status.json").read_text())
    assert record["version"] == 1
    assert record["outcome"] == "failed"
    assert record["trigger"] == "schedule"
    assert record["duration_s"] == 0.42
    assert record["last_good"]["file"] == "cluster-20260101T000000Z.sql.zst"
    assert record["last_good"]["time"] == "2026-01-01T00:00:00Z"
    assert record["last_good"]["size"] == 1
    assert record["last_good"]["fingerprint"] == "1:2:;0"
    assert not list(run_lib.dumps.glob(".composegen-status*"))


def test_status_record_without_a_good_dump(run_lib):
    result = run_lib('cg_write_status failed manual "no server" 0.01 0 "" ""')
    assert result.returncode == 0
    assert json.loads((run_lib.dumps / "composegen-status.json").read_text())["last_good"] is None


def test_duration(run_lib):
    assert run_lib("cg_duration 100 223").stdout.strip() == "1.23"
    start = run_lib("cg_now_cs").stdout.strip()
    assert start.isdigit()


def test_lock_is_exclusive_and_stale_locks_are_taken_over(run_lib):
    # A lock held by a live process makes the next one wait; a dead owner's lock is taken over.
    result = run_lib("""
sleep 3 & holder=$!
mkdir "$CG_STATE/dump.lock" && echo "$holder" >"$CG_STATE/dump.lock/pid"
start=$(cg_now_cs)
cg_lock
echo "waited $(cg_duration "$start" "$(cg_now_cs)")"
[ "$(cat "$CG_STATE/dump.lock/pid")" = "$$" ] && echo owner
cg_unlock
[ -e "$CG_STATE/dump.lock" ] || echo released
mkdir "$CG_STATE/dump.lock" && echo 999999 >"$CG_STATE/dump.lock/pid"
cg_lock && echo took-stale
""")
    lines = result.stdout.split("\n")
    waited = float(lines[0].split()[1])
    assert 1.5 <= waited <= 6, result.stdout + result.stderr
    assert lines[1:4] == ["owner", "released", "took-stale"]


def test_alive_treats_dead_pids_as_gone(run_lib):
    result = run_lib("""
sleep 5 & p=$!
cg_alive "$p" && echo alive
kill "$p"; wait "$p"
cg_alive "$p" || echo gone
cg_alive "" || echo empty
""")
    assert result.stdout.split() == ["alive", "gone", "empty"]


def test_rule17_a_bounded_wait_gives_up_and_says_so(run_lib):
    # Rule 17: every wait of the stop path has a bound; hitting it is logged, and the caller goes on.
    result = run_lib("""
start=$(cg_now_cs)
cg_wait_for 1 "the thing" false
echo "rc=$? waited $(cg_duration "$start" "$(cg_now_cs)")"
cg_wait_for 5 "the other thing" true && echo "at once"
""")
    lines = result.stdout.split("\n")
    assert lines[0].startswith("rc=1 "), result.stdout + result.stderr
    assert float(lines[0].split()[2]) >= 1.0
    assert lines[1] == "at once"
    assert result.stderr.strip().splitlines() == ["composegen: gave up waiting for the thing after 1s"]


def test_rule17_the_stop_dump_does_not_wait_forever_for_the_lock(run_lib):
    # A dump that holds the lock and never ends (a stuck `docker exec .../dump`): the stop-time dump
    # stops it after its bound and takes the lock, rather than waiting out the grace period.
    result = run_lib("""
sleep 300 & holder=$!
mkdir "$CG_STATE/dump.lock" && echo "$holder" >"$CG_STATE/dump.lock/pid"
cg_lock 1
[ "$(cat "$CG_STATE/dump.lock/pid")" = "$$" ] && echo owner
wait "$holder"
echo "holder status $?"
""")
    assert result.stdout.split("\n")[:2] == ["owner", "holder status 143"], result.stdout + result.stderr
    assert "gave up waiting for the dump in progress (pid" in result.stderr
    assert "after 1s: stopping it" in result.stderr


def test_credentials_from_files(run_lib, tmp_path):
    # The official entrypoint takes POSTGRES_USER/PASSWORD/DB from *_FILE (docker secrets); so do we.
    for name, value in (("user", "alice"), ("password", "s3 cret"), ("db", "appdb")):
        (tmp_path / name).write_text(value + "\n")
    result = run_lib('cg_credentials && echo "$PGUSER|$PGPASSWORD|$CG_DB"', env={
        "POSTGRES_USER_FILE": str(tmp_path / "user"), "POSTGRES_PASSWORD_FILE": str(tmp_path / "password"),
        "POSTGRES_DB_FILE": str(tmp_path / "db")})
    assert result.stdout == "alice|s3 cret|appdb\n", result.stderr
    result = run_lib('cg_credentials && echo "$PGUSER|${PGPASSWORD-unset}|$CG_DB"',
                     env={"POSTGRES_USER_FILE": str(tmp_path / "user")})
    assert result.stdout == "alice|unset|alice\n", result.stderr
    result = run_lib('cg_credentials && echo "$PGUSER|$PGPASSWORD|$CG_DB"', env={"POSTGRES_PASSWORD": "pw"})
    assert result.stdout == "postgres|pw|postgres\n", result.stderr


def test_an_unreadable_credentials_file_fails_the_dump_and_keeps_the_last_good(run_lib, utils_dir, shell, tmp_path):
    good = run_lib.dumps / "cluster-20260101T000000Z.sql.gz"
    good.write_bytes(gzip.compress(DUMP_TEXT.encode()))
    env = {"PATH": os.environ["PATH"], "COMPOSEGEN_UTILS_DIR": str(utils_dir),
           "COMPOSEGEN_DUMPS_DIR": str(run_lib.dumps), "COMPOSEGEN_STATE_DIR": str(run_lib.state),
           "POSTGRES_PASSWORD_FILE": str(tmp_path / "missing")}
    result = subprocess.run([*shell, str(utils_dir / "dump"), "--stop"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith('composegen: dump failed trigger=stop reason="cannot read the credentials: '
                           f'POSTGRES_PASSWORD_FILE={tmp_path / "missing"} is missing or unreadable')
    assert line.endswith("last_good=cluster-20260101T000000Z.sql.gz")
    record = json.loads((run_lib.dumps / "composegen-status.json").read_text())
    assert record["outcome"] == "failed" and record["last_good"]["file"] == good.name
    assert [p.name for p in run_lib.dumps.glob("cluster-*")] == [good.name]


def test_the_image_entrypoint_facts_agree_with_composegen(run_lib):
    # Rule 16: patch writes COMPOSEGEN_ENTRYPOINT only for an image whose entrypoint is not the official
    # one, and the official CMD when the image has none: the runtime's defaults must be the same.
    from composegen import stack

    result = run_lib('echo "$CG_ENV_ENTRYPOINT|$CG_OFFICIAL_ENTRYPOINT|$CG_OFFICIAL_CMD"')
    assert result.stdout == f"{stack.ENV_ENTRYPOINT}|{' '.join(stack.OFFICIAL_ENTRYPOINT)}|{' '.join(stack.OFFICIAL_CMD)}\n"


def test_size_does_not_read_the_file(run_lib):
    # busybox's `wc -c` reads the whole file: every scheduled tick's record sized the newest dump so
    # (0.23 CPU s for a 32 MB dump). Here wc fails, as a file cannot be read: the size still comes.
    path = run_lib.dumps / "cluster-20260101T000000Z.sql.zst"
    path.write_bytes(b"x" * 12345)
    result = run_lib(f'wc() {{ echo "wc read the file" >&2; return 1; }}; cg_size "{path}"')
    assert (result.stdout, result.stderr) == ("12345\n", "")
