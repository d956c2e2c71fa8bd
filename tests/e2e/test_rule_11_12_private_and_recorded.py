"""Rule 11: dumps are not world-readable (0600, owned by the image's postgres user, in a 0700
directory). Rule 12: one log line per dump (outcome, duration, size) and the JSON record
composegen-status.json beside the dumps, for `composegen status`."""

from __future__ import annotations

import re
import stat

import pytest

from harness import create_rows
from rules_common import cases, composegen_lines, dump_files, status_record

POSTGRES_UID = {"dash": 999, "busybox": 70}


@pytest.mark.parametrize("setup, image", cases("the seed writes dump.sql.gz 0644, owned by root"))
def test_rule11_dumps_are_private(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    create_rows(stack, 10)
    stack.stop()
    files = dump_files(stack)
    assert files
    flavour = "busybox" if "busybox" in image else "dash"
    for path in files:
        st = path.stat()
        assert stat.S_IMODE(st.st_mode) == 0o600, f"{path.name} is {oct(stat.S_IMODE(st.st_mode))}"
        assert st.st_uid == POSTGRES_UID[flavour], f"{path.name} is owned by uid {st.st_uid}"
    assert stat.S_IMODE(stack.data_dir.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize("setup, image", cases("the seed logs nothing about its dumps and keeps no record"))
def test_rule12_log_line_and_record(make_stack, setup, image):
    stack = make_stack(image=image, setup=setup)
    stack.up()
    create_rows(stack, 10)
    assert stack.exec(["/utils/dump"]).returncode == 0  # written
    assert stack.exec(["/utils/dump", "--if-changed"]).returncode == 0  # skipped
    lines = composegen_lines(stack)
    written = [line for line in lines if re.match(r"composegen: dump written trigger=manual file=cluster-\S+ "
                                                  r"size=\d+ duration=\d+\.\d\ds$", line)]
    skipped = [line for line in lines if re.match(r"composegen: dump skipped trigger=manual .* duration=\d+\.\d\ds$",
                                                  line)]
    assert len(written) == 1 and len(skipped) == 1, lines
    record = status_record(stack)
    assert record["outcome"] == "skipped" and record["trigger"] == "manual"
    newest = sorted(dump_files(stack))[-1]
    assert record["last_good"]["file"] == newest.name
    assert record["last_good"]["size"] == newest.stat().st_size
    # A failed dump: its line, the record, and a non-zero exit of `docker exec ... /utils/dump`.
    stack.psql('CREATE DATABASE "second";')
    stack.psql("ALTER DATABASE second SET session_preload_libraries = 'composegen_missing_library';")
    result = stack.exec(["/utils/dump"])
    assert result.returncode == 1
    assert any(line.startswith("composegen: dump failed trigger=manual") for line in composegen_lines(stack))
    record = status_record(stack)
    assert record["outcome"] == "failed" and record["reason"]
    assert record["last_good"]["file"] == newest.name
    assert set(record) >= {"version", "outcome", "time", "reason", "duration_s", "size", "file", "fingerprint",
                           "last_good", "trigger"}
