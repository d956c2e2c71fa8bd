"""`.env` files read the way Docker Compose reads them (compose-go's dotenv package).

Why not python-dotenv: checked against `docker-compose config` (tests/compose/test_dotenv.py), it
differs where compose files use .env most: a variable of the environment does not win over the file
while interpolating, `$VAR` without braces, `${VAR-d}`, `${VAR:?msg}` and `$$` are not expanded, a
`KEY: value` line is refused. Those are Compose's rules, so the parser is ours (compose-go's rules,
written in Python), and the substitution is the one compose files get (composegen.compose.interpolate).

The rules:
- a UTF-8 BOM is dropped; blank lines and lines starting with `#` are skipped;
- `export ` before a key is dropped; `KEY=value` or `KEY: value`; a bare `KEY` takes the
  environment's value (and is absent when the environment has none);
- unquoted values end at the line's end or at ` #` (an inline comment), trailing spaces dropped;
- 'single quoted' values are literal (a `\\'` is a quote), may span lines;
- "double quoted" values know `\\n \\t \\r \\\\ \\" \\$` and friends, may span lines;
- unquoted and double-quoted values are interpolated: the environment first, then the keys read
  so far (this file and the env files before it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

from composegen.compose import interpolate
from composegen.compose.load import LoadError, read_text

_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_SPACE = "\t\v\f\r \x85\xa0"  # not the newline: it ends a statement
_KEY_EXTRA = "_.-[]"


class DotenvError(LoadError):
    pass


def parse(text: str, environ: Mapping[str, str] | None = None, known: dict[str, str] | None = None,
          source: str = ".env") -> dict[str, str]:
    """The variables `text` defines, in order. `environ` is the process environment (it wins while
    interpolating); `known` holds what earlier env files defined (updated in place and returned)."""
    environ = os.environ if environ is None else environ
    out: dict[str, str] = {} if known is None else known

    def lookup(name: str) -> str | None:
        value = environ.get(name)
        return value if value is not None else out.get(name)

    if text.startswith("\ufeff"):
        text = text[1:]
    i, n, line = 0, len(text), 1

    def fail(message: str) -> DotenvError:
        return DotenvError(source, message, line)

    while i < n:
        # statement start: skip whitespace (newlines too) and comment lines
        while i < n and text[i].isspace():
            if text[i] == "\n":
                line += 1
            i += 1
        if i >= n:
            break
        if text[i] == "#":
            end = text.find("\n", i)
            if end < 0:
                break
            i = end
            continue
        if re.match(r"export\s", text[i:i + 7]):
            i += len("export")
            while i < n and text[i] in _SPACE:
                i += 1
        # key
        start, sep = i, None
        while i < n:
            char = text[i]
            if char in "=:\n":
                sep = char
                break
            if not (char in _SPACE or char in _KEY_EXTRA or char.isalnum()):
                raise fail(f"unexpected character {char!r} in variable name {text[start:].split(chr(10))[0]!r}")
            i += 1
        key = text[start:i].rstrip()
        if " " in key:
            raise fail("key cannot contain a space")
        if sep is None or sep == "\n":  # bare KEY: inherited from the environment
            if key:
                inherited = environ.get(key)
                if inherited is not None:
                    out[key] = inherited
            continue
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        quote = text[i] if i < n and text[i] in "'\"" else None
        if quote is None:
            end = text.find("\n", i)
            end = n if end < 0 else end
            raw = text[i:end].split(" #", 1)[0].rstrip()
            i = end
            out[key] = _interpolate(raw, lookup, source, line)
            continue
        chars: list[str] = []
        j, escaped = i + 1, False
        while j < n:
            char = text[j]
            if char != quote:
                if not escaped and char == "\\":
                    escaped = True
                else:
                    if escaped:
                        chars.append("\\")
                        escaped = False
                    chars.append(char)
                j += 1
                continue
            if escaped:  # an escaped quote: the quote itself
                escaped = False
                chars.append(char)
                j += 1
                continue
            break
        else:
            raise fail(f"unterminated quoted value {text[i:].split(chr(10))[0]}")
        value = "".join(chars)
        if quote == '"':
            value = _interpolate(_expand_escapes(value), lookup, source, line)
        out[key] = value
        line += text.count("\n", i, j)
        i = j + 1
    return out


def _expand_escapes(value: str) -> str:
    def one(match: re.Match) -> str:
        code = match.group(0)[1:]
        if code == "$":
            return "$$"  # stays a literal `$` through the interpolation that follows
        if code.startswith("0"):  # Go: `\0ddd` is the octal `\ddd`; anything shorter stays as written
            digits = code[1:]
            if len(digits) == 3 and all(d in "01234567" for d in digits) and int(digits, 8) < 256:
                return chr(int(digits, 8))
            return "\\" + digits
        if code == "c":
            return match.group(0)  # not an escape Go knows: kept as written
        return _ESCAPES[code]

    return _ESCAPE.sub(one, value)


def _interpolate(value: str, lookup, source: str, line: int) -> str:
    try:
        return interpolate.substitute(value, lookup)
    except interpolate.InterpolationError as exc:
        raise DotenvError(source, str(exc), line) from None


def read_env_files(paths: list[Path], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the env files define, later files over earlier ones (each may use the earlier ones)."""
    known: dict[str, str] = {}
    for path in paths:
        parse(read_text(path, "env file"), environ, known, source=str(path))
    return known
