"""cg_dump's one-pass pipeline (pg_dumpall | compress | tee FILE | verify): a dump is verified
before it replaces the last good one, from the bytes written, without reading the file back; each
failing stage is named. pg_dumpall and the fingerprint are stubbed as shell functions."""

from __future__ import annotations

import gzip
import json
import subprocess

import pytest

from test_lib import DUMP_TEXT, _compressors

GOOD = "cluster-20260101T000000Z.sql.gz"


def _dump(run_lib, body: str, rc: int = 0, compression: str = "zstd", extra: str = ""):
    (run_lib.dumps / GOOD).write_bytes(gzip.compress(DUMP_TEXT.encode()))
    snippet = f"""
cg_config || exit 9
cg_fingerprint() {{ echo '1:2:;0'; }}
pg_dumpall() {{ printf '%s' "$BODY"; return {rc}; }}
cg_decompress() {{ echo "$1" >>"$CG_STATE/decompressed"; command cg_decompress "$@"; }}
{extra}
cg_dump manual 1
"""
    return run_lib(snippet, env={"BODY": body, "COMPOSEGEN_COMPRESSION": compression})


def _record(run_lib) -> dict:
    return json.loads((run_lib.dumps / "composegen-status.json").read_text())


def _new_dumps(run_lib) -> list[str]:
    return sorted(p.name for p in run_lib.dumps.glob("cluster-*") if p.name != GOOD and not p.name.endswith(".counts"))


def _plain(path) -> str:
    if path.name.endswith(".zst"):
        return subprocess.run(["zstd", "-q", "-d", "-c", str(path)], capture_output=True, check=True).stdout.decode()
    return gzip.decompress(path.read_bytes()).decode()


@pytest.mark.parametrize("ext", _compressors())
def test_a_complete_dump_is_written_verified_and_not_read_back(run_lib, ext):
    result = _dump(run_lib, DUMP_TEXT, compression={"zst": "zstd", "gz": "gzip"}[ext])
    assert result.returncode == 0, result.stderr
    [name] = _new_dumps(run_lib)
    assert name.endswith(f".sql.{ext}") and _plain(run_lib.dumps / name) == DUMP_TEXT
    assert _record(run_lib)["outcome"] == "written"
    assert not list(run_lib.dumps.glob(".*.tmp"))
    # The verification read the stream tee wrote, not the file: nothing was decompressed from disk.
    assert not (run_lib.state / "decompressed").exists()


def test_pg_dumpall_failing_half_way_keeps_the_last_good(run_lib):
    result = _dump(run_lib, DUMP_TEXT[: len(DUMP_TEXT) // 2], rc=1)
    assert result.returncode == 1
    assert 'reason="pg_dumpall failed (status 1)' in result.stderr
    assert _new_dumps(run_lib) == [] and not list(run_lib.dumps.glob(".*.tmp"))
    assert _record(run_lib)["last_good"]["file"] == GOOD


def test_a_stream_without_the_trailer_fails_verification(run_lib):
    # pg_dumpall reporting success on an incomplete stream: only the verification can tell.
    result = _dump(run_lib, DUMP_TEXT.split("\\.")[0], rc=0)
    assert result.returncode == 1
    assert "the new dump failed verification: it lacks the line" in result.stderr
    assert _new_dumps(run_lib) == [] and not list(run_lib.dumps.glob(".*.tmp"))


def test_a_write_error_is_named_and_keeps_the_last_good(run_lib):
    # Only the tee that writes the dump file (`tee -- FILE`) fails; the row counting's own tee works.
    failing_tee = ('tee() { if [[ $1 == -- ]]; then cat >/dev/null; '
                   'echo "tee: write error: No space left on device" >&2; return 1; fi; command tee "$@"; }')
    result = _dump(run_lib, DUMP_TEXT, extra=failing_tee)
    assert result.returncode == 1
    assert "cannot write" in result.stderr and "No space left on device" in result.stderr
    assert _new_dumps(run_lib) == []


def test_a_corrupt_compressed_stream_fails_verification(run_lib):
    # The compressor "succeeds" but writes bytes that do not decompress.
    corrupt = "cg_compress() { head -c 100 >/dev/null; cat >/dev/null; printf 'not zstd at all'; }"
    result = _dump(run_lib, DUMP_TEXT, extra=corrupt)
    assert result.returncode == 1
    assert "the new dump failed verification: it does not decompress" in result.stderr
    assert _new_dumps(run_lib) == []


@pytest.mark.parametrize("lines, found", [
    (["-- PostgreSQL database cluster dump complete"], True),
    (["x", "-- PostgreSQL database cluster dump complete", "--", ""], True),
    (["-- PostgreSQL database cluster dump complete", "--", ""], False),  # the first: maybe a cut line
    (["x", "-- PostgreSQL database cluster dump complete", "1", "2", "3", "4", "5", "6"], False),  # not in the last 6
    (["x", "-- PostgreSQL database cluster dump complete", "1", "2", "3", "4", "5"], True),
])
def test_trailer_among_the_last_six_whole_lines(run_lib, lines, found):
    args = " ".join("'" + line + "'" for line in lines)
    assert run_lib(f"cg_has_trailer {args}").returncode == (0 if found else 1)


def test_a_dump_in_the_same_second_as_the_last_one_takes_the_next_second(run_lib):
    # The clock reads the last good dump's second twice, then the next one: the new dump waits for a
    # name of its own instead of replacing GOOD (and its counts). The clock and the nap are stubbed.
    (run_lib.dumps / (GOOD + ".counts")).write_text("# composegen row counts 1: old\n")
    clock = ('date() { local n; n=$(cat "$CG_STATE/ticks" 2>/dev/null || echo 0); echo $((n + 1)) >"$CG_STATE/ticks"; '
             'if [[ $* == *"%Y%m%dT%H%M%SZ"* ]]; then '
             'if ((n < 2)); then echo 20260101T000000Z; else echo 20260101T000001Z; fi; '
             'else command date "$@"; fi; }\ncg_nap() { echo nap >>"$CG_STATE/naps"; }')
    result = _dump(run_lib, DUMP_TEXT, compression="gzip", extra=clock)
    assert result.returncode == 0, result.stderr
    assert _new_dumps(run_lib) == ["cluster-20260101T000001Z.sql.gz"]
    assert gzip.decompress((run_lib.dumps / GOOD).read_bytes()).decode() == DUMP_TEXT  # untouched
    assert (run_lib.dumps / (GOOD + ".counts")).read_text() == "# composegen row counts 1: old\n"
    assert (run_lib.state / "naps").read_text() == "nap\nnap\n"


def test_a_name_taken_for_good_is_replaced_after_a_bound(run_lib):
    # A clock set back keeps the name taken: after 10 naps the dump goes ahead, as it always did.
    clock = ('date() { if [[ $* == *"%Y%m%dT%H%M%SZ"* ]]; then echo 20260101T000000Z; else command date "$@"; fi; }\n'
             'cg_nap() { echo nap >>"$CG_STATE/naps"; }')
    result = _dump(run_lib, DUMP_TEXT, compression="gzip", extra=clock)
    assert result.returncode == 0, result.stderr
    assert len((run_lib.state / "naps").read_text().splitlines()) == 10
    assert _record(run_lib)["file"] == GOOD
