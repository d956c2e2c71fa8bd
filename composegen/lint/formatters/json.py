"""A stable JSON document: findings sorted, keys sorted, so two runs on the same tree diff clean."""

from __future__ import annotations

import json

FORMAT_VERSION = 1


def render(result) -> str:
    document = {
        "version": FORMAT_VERSION,
        "files_checked": len(result.files),
        "findings": [finding.as_dict() for finding in sorted(result.findings)],
        "summary": {
            severity.name: result.count(severity) for severity in sorted({f.severity for f in result.findings})
        },
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
