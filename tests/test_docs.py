"""docs/runtime.md states the runtime's rules 1-19; whatever cites a rule by number cites one of them."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from composegen.cli import cli

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / "docs" / "runtime.md"


def stated_rules() -> dict[int, str]:
    text = RUNTIME.read_text()
    section = text.split("\n## The rules\n", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^(\d+)\. \*\*(.+?)\*\*", section, re.M)
    return {int(number): title for number, title in found}


def test_runtime_md_states_rules_1_to_19_in_order():
    rules = stated_rules()
    assert list(rules) == list(range(1, 20))
    assert all(title.endswith(".") for title in rules.values())


def test_every_rule_test_file_names_a_stated_rule():
    cited = set()
    for path in (ROOT / "tests" / "e2e").glob("test_rule_*.py"):
        numbers = re.match(r"test_rule_(\d\d(?:_\d\d)*)_", path.name).group(1).split("_")
        cited |= {int(n) for n in numbers}
    assert cited and cited <= set(stated_rules())


def test_every_rule_cited_by_number_is_stated():
    """A rule number beyond the list, in a comment, a message or a doc, would point at nothing."""
    cited = {}
    sources = [RUNTIME, ROOT / "README.md", *(ROOT / "composegen").rglob("*.py"), *(ROOT / "templates").rglob("*.j2"),
               *(ROOT / "tests").rglob("*.py")]
    for path in sources:
        for match in re.finditer(r"\brules? ((?:\d+)(?:(?:, | and |-|–)\d+)*)", path.read_text()):
            for number in re.findall(r"\d+", match.group(1)):
                cited.setdefault(int(number), str(path.relative_to(ROOT)))
    unknown = {number: where for number, where in cited.items() if number not in stated_rules()}
    assert unknown == {}


def test_composegen_docs_prints_runtime_md():
    result = CliRunner().invoke(cli, ["docs"])
    assert result.exit_code == 0
    assert result.output == RUNTIME.read_text()


def test_generated_files_point_to_the_shipped_docs(tmp_path):
    from composegen.utils_scripts import render_utils

    for name, text in render_utils().items():
        assert "`composegen docs` explains it" in text, name
    result = CliRunner().invoke(cli, ["init", "miniflux", "--dir", str(tmp_path / "miniflux")])
    assert result.exit_code == 0, result.output
    assert "How it works: `composegen docs`." in (tmp_path / "miniflux" / "compose.yaml").read_text()
