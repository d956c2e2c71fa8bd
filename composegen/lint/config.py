"""`.composegen.yaml`: which rules run, at which severity, and which paths lint skips.

    disable: [CG008]            # rule ids or names
    severity:
      no-restart-policy: error  # error | warning | note
    exclude:
      - legacy/**               # globs, relative to the folder holding .composegen.yaml

A config that does not validate is a user error (exit 2): a typo must not silently turn a rule off.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from composegen.errors import UserError
from composegen.compose import git
from composegen.lint.finding import Severity
from composegen.lint.rule import Rule

CONFIG_FILE_NAME = ".composegen.yaml"

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "disable": {"type": "array", "items": {"type": "string"}},
        "severity": {
            "type": "object",
            "additionalProperties": {"enum": Severity.names()},
        },
        "exclude": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}


@dataclass
class LintConfig:
    root: Path = field(default_factory=Path.cwd)  # what `exclude` globs are relative to
    disabled: frozenset[str] = frozenset()  # rule ids
    severities: dict[str, Severity] = field(default_factory=dict)  # rule id -> severity
    exclude: tuple[str, ...] = ()
    source: Path | None = None

    def severity_of(self, rule: Rule) -> Severity:
        return self.severities.get(rule.id, rule.severity)

    def is_excluded(self, path: Path) -> bool:
        if not self.exclude:
            return False
        try:
            relative = Path(path).resolve().relative_to(self.root.resolve())
        except ValueError:
            return False
        candidates = [relative.as_posix()] + [parent.as_posix() for parent in relative.parents if parent.parts]
        return any(fnmatch.fnmatchcase(text, glob.strip("/")) for text in candidates for glob in self.exclude)


def find_config(start: Path) -> Path | None:
    """The nearest .composegen.yaml from `start` upwards, not beyond the git repository's root."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    root = git.repository_root(folder)
    while True:
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
        if folder == root or folder.parent == folder:
            return None
        folder = folder.parent


def _rule_id(name: str, rules: list[Rule], source: Path) -> str:
    for rule in rules:
        if name in (rule.id, rule.name):
            return rule.id
    raise UserError(f"{source}: unknown rule {name!r} (see `composegen lint --list-rules`)")


def load_config(path: Path, rules: list[Rule]) -> LintConfig:
    import jsonschema
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the lint config: {exc}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}{where}: the lint config is not valid YAML") from None
    data = {} if data is None else data
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        error = errors[0]
        where = "/".join(str(part) for part in error.path) or "top level"
        raise UserError(f"{path}: invalid lint config at {where}: {error.message}")
    return LintConfig(
        root=path.parent,
        disabled=frozenset(_rule_id(name, rules, path) for name in data.get("disable", [])),
        severities={_rule_id(name, rules, path): Severity[level] for name, level in data.get("severity", {}).items()},
        exclude=tuple(data.get("exclude", [])),
        source=path,
    )
