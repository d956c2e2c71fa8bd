"""The benchmark database: one table whose plain dump has about the size asked for.

Each row ends in 32 random hex characters (md5 of random()), as in the article's measurement, so
the dump does not compress like repeated text. Rows are generated inside the server.
"""

from __future__ import annotations

TABLE = "bench_rows"
BATCH_ROWS = 250_000  # one INSERT per batch: bounded transactions, steady progress
SAMPLE_ROWS = 20_000  # first batch, to learn the plain-dump bytes per row


def _insert(stack, first: int, last: int) -> None:
    stack.psql(
        f"INSERT INTO {TABLE} (payload) SELECT "
        "'order ' || g || ' customer ' || (g % 9973) || ' status ' || "
        "(ARRAY['new','paid','shipped','returned'])[1 + g % 4] || ' note ' || "
        "repeat('lorem ipsum dolor sit amet ', 6) || md5(random()::text) "
        f"FROM generate_series({first}, {last}) g;"
    )


def fill(stack, size_mb: float) -> int:
    """Fill the stack's database until the table's plain dump is about `size_mb` MB; returns the row count.
    Ends with VACUUM ANALYZE: a settled database, so no autovacuum runs during the measurements."""
    stack.psql(f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, payload text NOT NULL);")
    _insert(stack, 1, SAMPLE_ROWS)
    # A COPY line: id, tab, payload, newline.
    per_row = float(stack.psql(f"SELECT avg(octet_length(id::text) + octet_length(payload) + 2) FROM {TABLE};"))
    total = max(SAMPLE_ROWS, int(size_mb * 1e6 / per_row))
    done = SAMPLE_ROWS
    while done < total:
        last = min(total, done + BATCH_ROWS)
        _insert(stack, done + 1, last)
        done = last
    stack.psql(f"VACUUM ANALYZE {TABLE};")
    return done
