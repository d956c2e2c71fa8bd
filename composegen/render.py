"""The one Jinja environment, with filters that quote values for their target."""

from __future__ import annotations

import json
import re
import shlex
from functools import lru_cache

from composegen.resources import templates_dir


# Characters YAML does not allow raw in a scalar (C0 and C1 controls, DEL), or reads as a line break
# (NEL, U+2028, U+2029), or may drop (BOM): escaped, so the value comes back exactly.
_YAML_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def yaml_str(value: object) -> str:
    """A YAML double-quoted scalar holding exactly `value` (JSON strings are valid YAML 1.2)."""
    text = json.dumps(str(value), ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def compose_str(value: object) -> str:
    """A YAML scalar that Compose reads back as exactly `value`: `$` is doubled so it is not interpolated."""
    return yaml_str(str(value).replace("$", "$$"))


def sh_word(value: object) -> str:
    """One shell word holding exactly `value`."""
    return shlex.quote(str(value))


def env_value(value: object) -> str:
    """A value for a Compose `.env` line, single-quoted so Compose takes it literally."""
    text = str(value)
    if "'" in text or "\n" in text:
        raise ValueError("a .env value cannot hold a single quote or a newline")
    return f"'{text}'"


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(yaml_str=yaml_str, compose_str=compose_str, sh_word=sh_word, env_value=env_value)
    return env


# What makes Jinja do anything to a template's text: its three delimiters (line statements are off).
# A template with none renders as its own text, read like Jinja's loader reads it (universal newlines).
_JINJA_MARKS = ("{{", "{%", "{#")


def render(template: str, **context: object) -> str:
    plain = _plain_text(template)
    if plain is not None:
        # The runtime scripts (35 KB) are such text: lexing and compiling them was most of init's
        # template time, and with them alone no Jinja import is needed.
        return plain
    return environment().get_template(template).render(**context)


@lru_cache(maxsize=None)
def _plain_text(template: str) -> str | None:
    """The template's text when Jinja would output it unchanged, else None."""
    text = (templates_dir() / template).read_text(encoding="utf-8")
    return None if any(mark in text for mark in _JINJA_MARKS) else text
