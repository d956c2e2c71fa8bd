"""cg_check_and_count (lib.sh): the new dump's compressed stream, as tee hands it on, is decompressed
once, checked for its completion trailer and each table's COPY rows counted, with GNU's and busybox's
userland (grep, awk)."""

from __future__ import annotations

import json

import pytest

from composegen.row_counts import parse_counts, TableCount
from test_lib import _compressors

# pg_dumpall's shapes: plain, quoted and "-reuse-previous" \connect lines (a value in '...' with \' and
# \\ escaped, as appendConnStrVal writes it), quoted identifiers, an empty
# table, a function body holding a COPY line (not data: no "Data for Name" header before it), text
# passed through untouched (tabs, backslashes, a trailing space, non-ASCII), data rows that look like
# the lines grep picks (a COPY line, a data header, an escaped \\. and \\connect), and the trailer.
DUMP = """\
--
-- PostgreSQL database cluster dump
--

CREATE ROLE app;
\\connect template1

--
-- PostgreSQL database dump
--

\\connect app

CREATE FUNCTION public.f() RETURNS void
    LANGUAGE sql
    AS $$
COPY public.items (id) FROM stdin;
$$;

--
-- Data for Name: items; Type: TABLE DATA; Schema: public; Owner: app
--

COPY public.items (id, payload) FROM stdin;
1\ta\\tb
2\tx\\\\y 
3\t\u00e9t\u00e9
COPY public.items (id) FROM stdin;
-- Data for Name: x; Type: TABLE DATA; Schema: public; Owner: app
\\\\.\ta\\\\.b \\\\connect x
\\.


--
-- Data for Name: We"ird tbl; Type: TABLE DATA; Schema: My Schema; Owner: app
--

COPY "My Schema"."We""ird tbl" (x) FROM stdin;
\\.


\\connect -reuse-previous=on "dbname='odd db\\'s \\\\x'"

--
-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: app
--

COPY public.t (a) FROM stdin;
1
2
\\.

\\connect "Upper"

--
-- Data for Name: u; Type: TABLE DATA; Schema: public; Owner: app
--

COPY public.u  FROM stdin;
1
\\.

--
-- PostgreSQL database cluster dump complete
--

"""


COMPRESS = {"gz": "gzip -c", "zst": "zstd -q -c"}
TRAILER = "-- PostgreSQL database cluster dump complete"


def _check(run_lib, tmp_path, plain: str, ext: str):
    (tmp_path / "plain").write_text(plain)
    counts = tmp_path / "dump.counts"
    result = run_lib(f'{COMPRESS[ext]} <"{tmp_path}/plain" | cg_check_and_count {ext} "{counts}"')
    return result, counts


@pytest.mark.parametrize("ext", _compressors())
def test_check_and_count_counts_each_copy_block(run_lib, tmp_path, ext):
    result, counts = _check(run_lib, tmp_path, DUMP, ext)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert parse_counts(counts.read_text()) == [
        TableCount("app", "public.items", 6),
        TableCount("app", '"My Schema"."We""ird tbl"', 0),
        TableCount("odd db's \\x", "public.t", 2),
        TableCount("Upper", "public.u", 1),
    ]


def test_check_and_count_without_tables_writes_the_header_only(run_lib, tmp_path):
    result, counts = _check(run_lib, tmp_path, f"--\n-- nothing\n--\n\n--\n{TRAILER}\n--\n\n", "gz")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    assert parse_counts(counts.read_text()) == []


@pytest.mark.parametrize("plain", [
    DUMP.split(TRAILER)[0],  # cut before the trailer
    DUMP.split("1\ta")[0],  # cut inside a COPY block
    DUMP + "\\connect app\n",  # something pg_dumpall never writes after its trailer
    "",
], ids=["no-trailer", "inside-copy", "after-trailer", "empty"])
def test_check_and_count_refuses_an_incomplete_dump(run_lib, tmp_path, plain):
    result, _ = _check(run_lib, tmp_path, plain, "gz")
    assert result.returncode == 1
    assert result.stdout == f"it lacks the line '{TRAILER}' at its end (an incomplete dump)\n"


@pytest.mark.parametrize("ext", _compressors())
def test_check_and_count_refuses_a_truncated_compressed_stream(run_lib, tmp_path, ext):
    (tmp_path / "plain").write_text(DUMP * 50)
    result = run_lib(f'{COMPRESS[ext]} <"{tmp_path}/plain" | head -c 300 | cg_check_and_count {ext} "{tmp_path}/c"')
    assert result.returncode == 1
    assert result.stdout.startswith("it does not decompress (truncated or corrupt)")


def test_counts_json_summarises_for_the_record(run_lib):
    (run_lib.dumps / "cluster-20261206T090000Z.sql.zst.counts").write_text(
        "# composegen row counts 1: rows, database, schema.table (tab-separated)\n5\tapp\tpublic.a\n3000000000\tb\tpublic.b\n")
    result = run_lib("cg_counts_json cluster-20261206T090000Z.sql.zst; cg_counts_json cluster-none.sql.zst")
    first, second = result.stdout.splitlines()
    assert json.loads(first) == {"file": "cluster-20261206T090000Z.sql.zst.counts", "tables": 2, "rows": 3000000005}
    assert second == "null"


def test_retention_removes_the_counts_with_their_dump(run_lib):
    names = [f"cluster-2026120{day}T090000Z.sql.zst" for day in (1, 2, 3)]
    for name in names:
        (run_lib.dumps / name).write_text("x")
        (run_lib.dumps / (name + ".counts")).write_text("x")
    result = run_lib("CG_KEEP=1; cg_retention")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in run_lib.dumps.iterdir()) == [names[2], names[2] + ".counts"]
