"""Small test data: rows, a second database, an extra role, and how to count them back.

Kept to a few thousand rows: enough for a dump to be real, small enough for a test to take seconds.
"""

from __future__ import annotations


def create_rows(stack, n: int = 2000, table: str = "items", db: str | None = None) -> int:
    """Create `table` if needed and append `n` rows; returns the table's row count."""
    stack.psql(
        f"CREATE TABLE IF NOT EXISTS {table} (id bigserial PRIMARY KEY, payload text NOT NULL);"
        f"INSERT INTO {table} (payload) SELECT md5(g::text) FROM generate_series(1, {int(n)}) g;",
        db=db,
    )
    return count_rows(stack, table, db)


def count_rows(stack, table: str = "items", db: str | None = None) -> int:
    return int(stack.psql(f"SELECT count(*) FROM {table};", db=db))


def create_database(stack, name: str = "second", rows: int = 100) -> None:
    """A second database (not POSTGRES_DB), holding a table `items` with `rows` rows."""
    stack.psql(f'CREATE DATABASE "{name}";')
    create_rows(stack, rows, db=name)


def create_role(stack, name: str = "extra_role", password: str = "extra-secret") -> None:
    """An extra login role that owns nothing."""
    stack.psql(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}';")


def database_names(stack) -> set[str]:
    return set(stack.psql("SELECT datname FROM pg_database WHERE NOT datistemplate;").split())


def role_names(stack) -> set[str]:
    return set(stack.psql("SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_';").split())


def populate(stack, rows: int = 2000) -> dict:
    """Rows in POSTGRES_DB, a second database and an extra role; returns what `snapshot` will read back."""
    create_rows(stack, rows)
    create_database(stack, "second", 100)
    create_role(stack, "extra_role")
    return snapshot(stack)


def snapshot(stack) -> dict:
    """What populate() wrote, as read now: compare before and after a down/up."""
    dbs = database_names(stack)
    return {
        "items": count_rows(stack) if _has_table(stack, "items") else None,
        "second_items": count_rows(stack, db="second") if "second" in dbs else None,
        "databases": dbs,
        "roles": role_names(stack),
    }


def _has_table(stack, table: str, db: str | None = None) -> bool:
    return stack.psql(f"SELECT to_regclass('{table}') IS NOT NULL;", db=db) == "t"
