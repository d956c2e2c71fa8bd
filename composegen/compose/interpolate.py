"""Compose's variable substitution: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?msg}`, `${VAR?msg}`,
`${VAR:+r}`, `${VAR+r}`, `$$`, with defaults that hold substitutions themselves.

The rules are compose-go's (template/template.go), which `docker compose` runs: names are
`[_A-Za-z][_A-Za-z0-9]*`; a `$` before anything else stays a `$`; `${` without a valid name and
closing brace is an error; an unset variable without a default is "" (Compose warns).
"""

from __future__ import annotations

import re
from typing import Callable, Mapping

from composegen.errors import UserError

Lookup = Callable[[str], "str | None"]

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
# In order of preference when two could apply, Compose takes the one that comes first in the text.
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")


class InterpolationError(UserError):
    """`${VAR:?msg}` with VAR missing, or a `${` that is not a substitution."""


def lookup_in(mapping: Mapping[str, str]) -> Lookup:
    return mapping.get


def substitute(text: str, lookup: Lookup, missing: set[str] | None = None) -> str:
    """`text` with every substitution made. Names looked up and not found are added to `missing`."""
    if "$" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            break
        out.append(text[i:dollar])
        nxt = text[dollar + 1: dollar + 2]
        if nxt == "$":
            out.append("$")
            i = dollar + 2
        elif nxt == "{":
            end = _closing_brace(text, dollar + 1)
            if end < 0:
                raise InterpolationError(f"invalid substitution in {text!r}: no closing brace")
            out.append(_braced(text[dollar + 2: end], text, lookup, missing))
            i = end + 1
        else:
            match = _NAME.match(text, dollar + 1)
            if match is None:
                out.append("$")
                i = dollar + 1
            else:
                out.append(_value(match.group(0), lookup, missing) or "")
                i = match.end()
    return "".join(out)


def _closing_brace(text: str, open_at: int) -> int:
    """Index of the `}` closing the `{` at `open_at`, counting nested `${...}`/`{...}` (as Compose does)."""
    depth, i = 0, open_at
    while i < len(text):
        char = text[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _value(name: str, lookup: Lookup, missing: set[str] | None) -> str | None:
    value = lookup(name)
    if value is None and missing is not None:
        missing.add(name)
    return value


def _braced(inner: str, whole: str, lookup: Lookup, missing: set[str] | None) -> str:
    match = _NAME.match(inner)
    if match is None:
        raise InterpolationError(f"invalid substitution ${{{inner}}} in {whole!r}")
    name, rest = match.group(0), inner[match.end():]
    if not rest:
        return _value(name, lookup, missing) or ""
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise InterpolationError(f"invalid substitution ${{{inner}}} in {whole!r}")
    argument = rest[len(operator):]
    value = lookup(name)
    is_set = value is not None
    nonempty = is_set and value != ""
    if operator in ("-", ":-"):
        if (operator == "-" and is_set) or (operator == ":-" and nonempty):
            return value  # type: ignore[return-value]
        return substitute(argument, lookup, missing)
    if operator in ("+", ":+"):
        if (operator == "+" and is_set) or (operator == ":+" and nonempty):
            return substitute(argument, lookup, missing)
        return value or ""
    # "?" and ":?": required
    if (operator == "?" and is_set) or (operator == ":?" and nonempty):
        return value  # type: ignore[return-value]
    message = substitute(argument, lookup, missing)
    raise InterpolationError(f"required variable {name} is missing a value" + (f": {message}" if message else ""))


def references(text: str) -> set[str]:
    """The variable names `text` refers to (defaults included), without needing their values."""
    found: set[str] = set()
    try:
        substitute(text, lambda name: (found.add(name), None)[1])
    except InterpolationError:
        pass
    return found
