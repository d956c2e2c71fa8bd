"""The runtime contract (composegen/contract.py): its grammar and names, and that it is their one source."""

from __future__ import annotations

import ast
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from composegen import contract
from composegen.dump_record import RecordError, parse_record

ROOT = Path(__file__).resolve().parents[1]


# The grammar itself, against the runtime's reading of it: tests/runtime/test_options_agree.py.
def test_the_spec_schema_holds_the_contract_schedule_grammar():
    schema = json.loads((ROOT / "schemas" / "service-spec.schema.json").read_text())
    pattern = schema["$defs"]["options"]["properties"]["schedule"]["pattern"]
    # JSON Schema's `$` also matches before a final newline in Python's re: the schema refuses it apart.
    assert pattern == contract.SCHEDULE_PATTERN + "(?!\\n)"


def test_dump_names():
    at = datetime(2026, 11, 24, 20, 30, 5, tzinfo=timezone.utc)
    assert contract.dump_file_name("zstd", at) == "cluster-20261124T203005Z.sql.zst"
    assert contract.dump_file_name("gzip", at) == "cluster-20261124T203005Z.sql.gz"
    assert contract.temp_dump_name("cluster-20261124T203005Z.sql.zst") == ".cluster-20261124T203005Z.sql.zst.tmp"
    assert contract.dump_time("cluster-20261124T203005Z.sql.gz") == at
    for other in ("cluster-20261124T203005Z.sql.xz", ".cluster-20261124T203005Z.sql.zst.tmp", "cluster-old.sql.gz",
                  "cluster-20261324T203005Z.sql.zst", "cluster-20261124T203005Z.sql.zst\n", "xcluster-20261124T203005Z.sql.gz"):
        assert contract.dump_time(other) is None, other


def _record(**changes) -> str:
    record = {"version": 1, "outcome": "written", "time": "2026-11-24T19:00:00Z", "reason": "", "duration_s": 1.0,
              "size": 5, "file": "cluster-20261124T190000Z.sql.zst", "fingerprint": "f", "last_good": None,
              "trigger": "stop"}
    record.update(changes)
    return json.dumps({key: value for key, value in record.items() if value is not ...})


def test_the_record_reader_checks_the_version():
    assert parse_record(_record()).outcome == "written"
    for version in (2, "1", None, True, ...):
        with pytest.raises(RecordError, match="version"):
            parse_record(_record(version=version))


# Facts that stand in composegen/contract.py alone: a literal copy anywhere else in the package's code
# is a second source that can drift. (The tests keep their own literals on purpose: an expectation
# written independently of the code under test.)
DISTINCT = [contract.TRAILER, contract.RECORD_FILE, contract.DUMP_TIME_FORMAT, contract.STATE_DIR,
            contract.ENV_SCHEDULE, contract.ENV_KEEP, contract.ENV_COMPRESSION, contract.ENV_DUMPS_DIR,
            contract.ENV_STATE_DIR, contract.ENV_UTILS_DIR, contract.MARKER_INIT_PENDING,
            contract.MARKER_RESTORE_DONE, contract.LAST_OUTCOME_FILE, contract.LOCK_DIR]
WHOLE = [contract.DUMPS_DIR, contract.UTILS_DIR, contract.DUMP_PREFIX]


def _code_strings(path: Path):
    """(line, text) of the string literals in a module's code (docstrings are prose, not copies)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_second_copy_of_a_contract_fact_in_the_package():
    copies = []
    for path in sorted((ROOT / "composegen").rglob("*.py")):
        if path.name == "contract.py":
            continue
        for line, text in _code_strings(path):
            found = [fact for fact in DISTINCT if fact in text] + [fact for fact in WHOLE if text == fact]
            copies += [f"{path.relative_to(ROOT)}:{line}: {fact!r}" for fact in found]
    assert copies == []


# In the runtime scripts' templates: rendered into lib.sh's header from contract.py, never written out.
TEMPLATE_FACTS = [contract.TRAILER, contract.RECORD_FILE, contract.DUMP_TIME_FORMAT, contract.STATE_DIR,
                  contract.SCHEDULE_PATTERN, contract.DUMP_NAME_PATTERN, "{0,8}", "[0-9]{4}",
                  *(f"$CG_STATE/{name}" for name in (contract.MARKER_INIT_PENDING, contract.MARKER_RESTORE_DONE,
                                                     contract.MARKER_STOPPING, contract.LAST_OUTCOME_FILE,
                                                     contract.LOCK_DIR))]


def test_no_copy_of_a_contract_fact_in_the_templates():
    copies = [f"{path.relative_to(ROOT)}: {fact!r}" for path in sorted((ROOT / "templates").rglob("*.j2"))
              for fact in TEMPLATE_FACTS if fact in path.read_text()]
    assert copies == []


def test_the_copy_check_sees_a_copy(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(f'"""{contract.TRAILER}"""\nX = f"a {contract.TRAILER} b {{1}}"\nY = "{contract.DUMPS_DIR}"\n')
    strings = [text for _, text in _code_strings(module)]
    assert any(contract.TRAILER in text for text in strings) and contract.DUMPS_DIR in strings
    assert strings.count(contract.TRAILER) == 0  # the docstring is not counted
