"""One compose file, parsed once with ruamel (round-trip, so every node knows its line and column)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# `# composegen: ignore[CG001]` or `ignore[CG001, literal-password]` silences those rules on this
# line and the next one (so the comment can sit above the key it is about).
_IGNORE_COMMENT = re.compile(r"#.*?\bcomposegen:\s*ignore\[([^\]]*)\]")


@dataclass
class ParseError:
    line: int
    column: int
    message: str


@dataclass
class ComposeDocument:
    path: Path  # as given or found (what findings print)
    text: str
    data: object = None  # the ruamel CommentedMap, or None when the file did not parse
    parse_error: ParseError | None = None
    ignores: dict[int, set[str]] = field(default_factory=dict)  # 1-based line -> rule ids/names
    env_files: list | None = None  # --env-file: where Compose's variables come from (default: .env beside)
    overrides: tuple = ()  # files Compose merges over this one (-f, COMPOSE_FILE)
    auto_override: bool = True  # and compose.override.yaml beside it (not when the files were named)
    _postgres: list | None = None
    _project: object = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def services(self) -> dict:
        from ruamel.yaml.comments import CommentedMap

        if isinstance(self.data, CommentedMap):
            services = self.data.get("services")
            if isinstance(services, CommentedMap):
                return services
        return {}

    def project(self):
        """Compose's view of this file (composegen.compose.project), or None when Compose itself could
        not read it (a required variable unset, an `extends:` file missing): then the file alone counts."""
        if self._project is None:
            from composegen.compose.project import load_project
            from composegen.errors import UserError

            try:
                self._project = load_project(self.path, env_files=self.env_files, main_data=self.data,
                                             overrides=list(self.overrides), auto_override=self.auto_override)
            except UserError:
                self._project = False
        return self._project or None

    def postgres_services(self, *, with_included: bool = False) -> list:
        """composegen.compose.detect.PostgresService of each Postgres service of this file (`.name`,
        `.mapping`, `.kind`, ...), read with Compose's variables and overrides. `with_included`: also
        those that only included or override files define (status and down watch them too)."""
        if self._postgres is None:
            from composegen.compose.detect import find_postgres_services

            self._postgres = find_postgres_services(self.data, self.project()) if self.data is not None else []
        if with_included:
            return self._postgres
        return [found for found in self._postgres if found.defined_in is None]

    @property
    def patch_command(self) -> str:
        """The `composegen patch` command line for this file, naming its other files as they were named."""
        if self.overrides and not self.auto_override:  # -f: patch must read the same files
            return "composegen patch " + " ".join(f"-f {path}" for path in (self.path, *self.overrides))
        return f"composegen patch {self.path}"

    def is_ignored(self, line: int, rule_keys: tuple[str, ...]) -> bool:
        for at in (line, line - 1):
            names = self.ignores.get(at)
            if names and any(key in names for key in rule_keys):
                return True
        return False


def inline_ignores(text: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    if "composegen:" not in text:  # most files: skip the per-line scan
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE_COMMENT.search(line)
        if match:
            found[number] = {name.strip() for name in match.group(1).split(",") if name.strip()}
    return found


def parse_text(path: Path, text: str) -> ComposeDocument:
    from composegen.compose.load import LoadError, parse_yaml

    document = ComposeDocument(path=path, text=text, ignores=inline_ignores(text))
    try:
        # Read-only readers (lint, status, down): libyaml's faster parse, same data and positions.
        document.data = parse_yaml(text, path, libyaml=True)
    except LoadError as exc:
        document.parse_error = ParseError(exc.line or 1, exc.column or 1, exc.message)
    else:
        document.parse_error = _shape_error(document.data)
    return document


def _shape_error(data: object) -> ParseError | None:
    """Compose needs a mapping at the top and under `services`: anything else cannot be a compose file."""
    from ruamel.yaml.comments import CommentedMap

    if data is None:
        return None  # an empty file: nothing to check
    if not isinstance(data, CommentedMap):
        return ParseError(1, 1, "not a compose file: the top level is not a mapping")
    services = data.get("services")
    if services is not None and not isinstance(services, CommentedMap):
        line, column = data.lc.value("services") if "services" in data.lc.data else (0, 0)
        return ParseError(line + 1, column + 1, "not a compose file: `services` is not a mapping")
    return None


def load(path: Path, env_files: list | None = None, stack=None) -> ComposeDocument:
    """Parse `path`. A file that cannot be read, invalid YAML, or bytes that are not UTF-8 become
    `parse_error`, not an exception. `stack` (compose.files.StackFiles of `path`): the files merged over it."""
    from composegen.compose.load import LoadError, decode, read_bytes

    try:
        text = decode(read_bytes(path, "compose file"), path)
    except LoadError as exc:
        return ComposeDocument(path=path, text="", parse_error=ParseError(exc.line or 1, exc.column or 1, exc.message))
    document = parse_text(path, text)
    document.env_files = env_files
    if stack is not None:
        document.overrides, document.auto_override = tuple(stack.overrides), stack.auto_override
    return document
