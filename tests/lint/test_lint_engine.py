"""The engine: the parallel path finds exactly what the serial one does; the rendered scripts are
computed once per run."""

from __future__ import annotations

from composegen.lint import engine
from composegen.lint.config import LintConfig
from lint_helpers import FAKE_UTILS, GOOD_COMPOSE, write_stack


def test_parallel_and_serial_agree(tmp_path, monkeypatch):
    for index in range(70):
        text = GOOD_COMPOSE if index % 2 else GOOD_COMPOSE.replace("image: postgres:17-alpine", "image: postgres")
        write_stack(tmp_path / f"s{index:02}", text)
    (tmp_path / "s03" / "utils" / "dump").write_text("changed\n")
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 10**6)
    serial = engine.run([tmp_path], LintConfig())
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 2)
    parallel = engine.run([tmp_path], LintConfig())
    assert len(serial.findings) == 36
    assert parallel.findings == serial.findings and parallel.files == serial.files


def test_render_utils_once_per_run(tmp_path, monkeypatch):
    calls = []

    def counting():
        calls.append(1)
        return dict(FAKE_UTILS)

    monkeypatch.setattr("composegen.utils_scripts.render_utils", counting)
    for index in range(3):
        write_stack(tmp_path / f"s{index}")
    assert engine.run([tmp_path], LintConfig()).findings == []
    assert len(calls) == 1
