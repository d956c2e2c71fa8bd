"""Each output format: text lines, stable JSON, GitHub annotations, and SARIF 2.1.0's required structure."""

from __future__ import annotations

import json

import jsonschema
import pytest

from composegen.lint.formatters import github, sarif, text
from composegen.lint.formatters import json as json_format
from lint_helpers import GOOD_COMPOSE, lint, write_stack

# The part of the SARIF 2.1.0 schema (OASIS sarif-schema-2.1.0.json) that a consumer relies on: the
# required properties and their types for the objects composegen emits, and the level enumeration.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "version": {"type": "string"},
                        "rules": {"type": "array", "uniqueItems": True, "items": {
                            "type": "object",
                            "required": ["id"],
                            "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "shortDescription": _MESSAGE,
                                "fullDescription": _MESSAGE,
                                "help": _MESSAGE,
                                "defaultConfiguration": {"type": "object", "properties": {"level": _LEVEL}},
                            },
                        }},
                    }},
                }},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": _LEVEL,
                        "message": _MESSAGE,
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {"type": "object", "properties": {
                                "artifactLocation": {"type": "object", "properties": {
                                    "uri": {"type": "string", "format": "uri-reference"}}},
                                "region": {"type": "object", "properties": {
                                    "startLine": {"type": "integer", "minimum": 1},
                                    "startColumn": {"type": "integer", "minimum": 1},
                                }},
                            }},
                        }}},
                    },
                }},
            },
        }},
    },
}

BAD = GOOD_COMPOSE.replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}", "hunter2").replace(
    "image: postgres:17-alpine", "image: postgres")


@pytest.fixture
def result(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_stack(tmp_path / "b")
    write_stack(tmp_path / "a", BAD)
    from pathlib import Path

    return lint(Path("."))


def test_text_one_line_per_finding(result):
    lines = text.render(result).splitlines()
    assert lines == [
        f"a/compose.yaml:8:12: warning CG008 {result.findings[0].message}",
        f"a/compose.yaml:14:7: error CG009 {result.findings[1].message}",
    ]
    assert text.summary(result) == "2 compose files checked, 2 findings (1 error, 1 warning)"


def test_json_is_stable_and_sorted(result):
    first = json_format.render(result)
    document = json.loads(first)
    assert document["version"] == 1 and document["files_checked"] == 2
    assert [f["rule"] for f in document["findings"]] == ["CG008", "CG009"]
    assert set(document["findings"][0]) == {"path", "line", "column", "rule", "severity", "message"}
    assert document["summary"] == {"error": 1, "warning": 1}
    result.findings.reverse()
    assert json_format.render(result) == first
    assert first == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_github_annotations(result):
    lines = github.render(result).splitlines()
    assert lines[0].startswith("::warning file=a/compose.yaml,line=8,col=12,title=CG008 unpinned-image::")
    assert lines[1].startswith("::error file=a/compose.yaml,line=14,col=7,title=CG009 literal-password::")


def test_github_escapes_properties_and_data():
    assert github._escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    assert github._escape_data("50% done\nnext") == "50%25 done%0Anext"


def test_sarif_matches_the_spec_structure(result):
    document = json.loads(sarif.render(result))
    jsonschema.Draft7Validator(SARIF_SUBSET, format_checker=jsonschema.FormatChecker()).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in result.rules]
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    location = run["results"][1]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "a/compose.yaml"}, "region": {"startLine": 14, "startColumn": 7}}
    assert rules[0]["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert all(r["help"]["text"] and r["fullDescription"]["text"] for r in rules)


def test_sarif_subset_rejects_what_the_spec_rejects():
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal", "message": {}}]}]}
    errors = list(jsonschema.Draft7Validator(SARIF_SUBSET).iter_errors(broken))
    assert len(errors) == 3  # driver.name, level, message.text


def test_sarif_uri_outside_the_working_folder_is_a_file_uri(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sarif.artifact_uri("/etc/compose.yaml") == "file:///etc/compose.yaml"
    assert sarif.artifact_uri("x y/compose.yaml") == "x%20y/compose.yaml"
