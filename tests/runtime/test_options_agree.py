"""The runtime and composegen accept exactly the same COMPOSEGEN_SCHEDULE and COMPOSEGEN_KEEP: init and
patch check them with composegen.validate, the container with lib.sh's cg_schedule_seconds and
cg_keep_count. One table runs through both, then generated strings do."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composegen import validate
from composegen.errors import UserError

# (value, seconds the runtime sleeps, or None: refused by both)
SCHEDULES = [
    ("0", 0), ("90", 90), ("1", 1), ("90s", 90), ("30m", 1800), ("1h", 3600), ("2d", 172800), ("3s", 3),
    ("999999999s", 999999999), ("999999999d", 999999999 * 86400),
    ("", None), ("0s", None), ("00", None), ("01h", None), ("08m", None), ("1w", None), ("1h30m", None),
    ("-1h", None), ("1 h", None), (" 1h", None), ("1h\n", None), ("h", None), ("s1", None), ("1.5h", None),
    ("1x", None), ("1hh", None), ("1000000000", None), ("10000000000s", None), ("9999999999", None),
    ("1H", None), ("１h", None),
]

# (value, what the runtime keeps, or None: refused by both)
KEEPS = [
    ("1", 1), ("3", 3), ("10000", 10000), ("9999", 9999),
    ("0", None), ("", None), ("007", None), ("10001", None), ("100000", None), ("-1", None), ("x", None),
    ("1.0", None), (" 3", None), ("3\n", None), ("99999999999999999999", None),
]


def _python_schedule(value: str) -> int | None:
    try:
        return validate.schedule_seconds(validate.schedule(value))
    except UserError:
        return None


def _python_keep(value: str) -> int | None:
    try:
        return validate.keep(value)
    except UserError:
        return None


def _runtime(run_lib, function: str, values: list[str]) -> list[int | None]:
    """`function` of lib.sh on each value, in one shell: its number, or None when it refuses."""
    snippet = (f'for v in "$@"; do if out=$({function} "$v"); then echo "ok $out"; else echo "no $out"; fi; done')
    script_args = " ".join("'" + value.replace("'", "'\\''") + "'" for value in values)
    result = run_lib(f"set -- {script_args}\n{snippet}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(values), result.stdout
    return [int(line[3:]) if line.startswith("ok ") else None for line in lines]


def test_composegen_accepts_the_schedule_table():
    assert [(value, _python_schedule(value)) for value, _ in SCHEDULES] == SCHEDULES


def test_the_runtime_accepts_the_schedule_table(run_lib):
    values = [value for value, _ in SCHEDULES]
    assert list(zip(values, _runtime(run_lib, "cg_schedule_seconds", values))) == SCHEDULES


def test_composegen_accepts_the_keep_table():
    assert [(value, _python_keep(value)) for value, _ in KEEPS] == KEEPS


def test_the_runtime_accepts_the_keep_table(run_lib):
    values = [value for value, _ in KEEPS]
    assert list(zip(values, _runtime(run_lib, "cg_keep_count", values))) == KEEPS


def test_the_spec_schema_holds_the_same_schedule_rule():
    from composegen.spec import parse_spec

    base = "name: app\nimage: app:1\ndatabase: {name: app, user: app}\noptions: {schedule: %s}\n"
    for value, seconds in SCHEDULES:
        if "\n" in value or value.strip() != value or not value:
            continue
        try:
            parse_spec(base % ('"' + value + '"'), "my.yaml")
            accepted = True
        except UserError:
            accepted = False
        assert accepted == (seconds is not None), value


_ALPHABET = st.sampled_from("0123456789smhdx .-\n")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(_ALPHABET, max_size=12), min_size=1, max_size=40))
def test_generated_schedules_agree(run_lib, values):
    assert _runtime(run_lib, "cg_schedule_seconds", values) == [_python_schedule(v) for v in values]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(_ALPHABET, max_size=7), min_size=1, max_size=40))
def test_generated_keeps_agree(run_lib, values):
    assert _runtime(run_lib, "cg_keep_count", values) == [_python_keep(v) for v in values]
