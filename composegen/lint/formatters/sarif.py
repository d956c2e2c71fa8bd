"""SARIF 2.1.0 (one run) for code-scanning dashboards such as GitHub's."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from composegen import __version__

SARIF_VERSION = "2.1.0"


def artifact_uri(path: str) -> str:
    """A relative URI for paths under the working folder (what code scanning maps to the repo), else file://."""
    absolute = Path(os.path.abspath(path))
    try:
        return quote(absolute.relative_to(Path.cwd()).as_posix())
    except ValueError:
        return absolute.as_uri()


def _rule_descriptor(rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {"text": rule.explanation},
        "defaultConfiguration": {"level": rule.severity.name},
    }


def build(result) -> dict:
    index = {rule.id: position for position, rule in enumerate(result.rules)}
    results = []
    for f in sorted(result.findings):
        entry = {
            "ruleId": f.rule_id,
            "level": f.severity.name,
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.path)},
                    "region": {"startLine": f.line, "startColumn": f.column},
                }
            }],
        }
        if f.rule_id in index:
            entry["ruleIndex"] = index[f.rule_id]
        results.append(entry)
    return {
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "composegen", "version": __version__,
                                "rules": [_rule_descriptor(rule) for rule in result.rules]}},
            "results": results,
        }],
    }


def render(result) -> str:
    return json.dumps(build(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
