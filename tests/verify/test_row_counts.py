"""The counts file beside each dump: what the runtime writes (cg_count_marks, run under dash/mawk,
busybox ash and busybox's awk) and how composegen reads it (composegen.row_counts)."""

from __future__ import annotations

import pytest

from composegen.row_counts import CountsError, TableCount, counts_path, parse_counts, read_counts

HEADER = "# composegen row counts 1: rows, database, schema.table (tab-separated)\n"


def test_parse_counts_decodes_percent_encoding():
    text = HEADER + "3\tapp\tpublic.items\n0\todd%09db%25\t\"My Schema\".\"We\"\"ird\"\n"
    assert parse_counts(text) == [TableCount("app", "public.items", 3),
                                  TableCount("odd\tdb%", '"My Schema"."We""ird"', 0)]


def test_parse_counts_header_only_is_no_table():
    assert parse_counts(HEADER) == []


@pytest.mark.parametrize("text, message", [
    ("", "no header"),
    ("3\tapp\tpublic.items\n", "no header"),
    (HEADER + "x\tapp\tpublic.items\n", "line 2"),
    (HEADER + "3\tapp\n", "line 2"),
    (HEADER + "3\tapp\tpublic.t\n4\tapp\tpublic.t\n", "counted twice"),
])
def test_parse_counts_refuses(text, message):
    with pytest.raises(CountsError, match=message):
        parse_counts(text)


def test_read_counts_missing_is_none(tmp_path):
    dump = tmp_path / "cluster-20261206T090000Z.sql.zst"
    assert counts_path(dump).name == "cluster-20261206T090000Z.sql.zst.counts"
    assert read_counts(dump) is None
    counts_path(dump).write_text(HEADER + "7\tapp\tpublic.t\n")
    assert read_counts(dump) == [TableCount("app", "public.t", 7)]
