"""cg_count_rows (lib.sh): the filter between pg_dumpall and the compressor passes every byte through
and counts each table's COPY rows, under dash with mawk, busybox ash, and busybox's own awk."""

from __future__ import annotations

import json

from composegen.row_counts import parse_counts, TableCount

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


def test_count_rows_passes_every_byte_and_counts(run_lib, tmp_path):
    counts = tmp_path / "dump.counts"
    result = run_lib(f'cg_count_rows "{counts}"', input=DUMP)
    assert result.returncode == 0, result.stderr
    assert result.stdout == DUMP
    assert list(run_lib.state.iterdir()) == []  # the fifo is gone
    assert parse_counts(counts.read_text()) == [
        TableCount("app", "public.items", 6),
        TableCount("app", '"My Schema"."We""ird tbl"', 0),
        TableCount("odd db's \\x", "public.t", 2),
        TableCount("Upper", "public.u", 1),
    ]


def test_count_rows_without_tables_writes_the_header_only(run_lib, tmp_path):
    counts = tmp_path / "dump.counts"
    result = run_lib(f'cg_count_rows "{counts}"', input="--\n-- nothing\n--\n")
    assert (result.returncode, result.stdout) == (0, "--\n-- nothing\n--\n")
    assert parse_counts(counts.read_text()) == []


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
