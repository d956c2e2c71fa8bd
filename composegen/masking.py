"""What the CLI prints in place of secrets (`--dry-run`, unless --show-secrets: a preview lands in
terminals, CI logs and bug reports, where a generated password must not) and of control characters
read from files (a terminal would act on them)."""

from __future__ import annotations

import re

HIDDEN = "<hidden>"
_ENV_ASSIGNMENT = re.compile(r"^(\s*(?:export\s+)?[\w.\-\[\]]+\s*[=:])")
# A compose line setting a variable whose name says it holds a secret: `KEY: value`, `- KEY=value`.
_SECRET_NAME = r"[\w.-]*(?:PASSWORD|PASSWD|SECRET|TOKEN|PASSPHRASE|PRIVATE_KEY|API_KEY|ACCESS_KEY)[\w.-]*"
_COMPOSE_SECRET = re.compile(
    r"^(?P<lead>[ +\-]?\s*(?:-\s*)?[\"']?" + _SECRET_NAME + r"[\"']?\s*(?::\s+|=))(?P<value>\S.*?)(?P<end>\r?\n?)$",
    re.IGNORECASE)


def mask_env(text: str) -> str:
    """.env text with every value hidden: comments and key names stay, so the preview still says what is set."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        if not body.strip() or body.lstrip().startswith("#"):
            out.append(line)
            continue
        match = _ENV_ASSIGNMENT.match(body.lstrip("\ufeff"))
        out.append((match.group(1) + HIDDEN if match else HIDDEN) + ending)
    return "".join(out)


def mask_compose_lines(text: str) -> str:
    """Compose text (or a diff of it) with the values of secret-named variables hidden, unless they only
    refer to a variable (`${POSTGRES_PASSWORD:?...}` is no secret)."""
    out = []
    for line in text.splitlines(keepends=True):
        match = _COMPOSE_SECRET.match(line)
        value = match.group("value") if match else ""
        if match and not re.fullmatch(r"[\"']?\$\{[^}]*\}[\"']?", value.strip()):
            line = match.group("lead") + HIDDEN + match.group("end")
        out.append(line)
    return "".join(out)


# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a terminal shows.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control characters escaped (\\x1b, \\u202e), so a line prints as one line, as written."""
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                            else f"\\u{ord(m.group()):04x}", text)
