"""One module per output format; each exposes `render(result) -> str`."""

from __future__ import annotations

from composegen.lint.formatters import github, json, sarif, text

FORMATS = {"text": text, "json": json, "github": github, "sarif": sarif}
