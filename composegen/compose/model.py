"""Reading a service's keys the way Compose reads them (both syntaxes), with where each entry sits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from composegen import stack
from composegen.compose.positions import Position, item_position, key_position


# Shells whose `-c` runs an inline script (a client-only job when that is the entrypoint).
SHELLS = frozenset({"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/env"})


def split_volume_spec(spec: str) -> list[str]:
    """`src:dst[:mode]` split on the colons that are not inside `${...}` (`${DIR:-./db}:/var/lib/...`)."""
    parts, depth, current = [], 0, ""
    index = 0
    while index < len(spec):
        char = spec[index]
        if spec.startswith("${", index):
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if char == ":" and not depth:
            parts.append(current)
            current = ""
        else:
            current += char
        index += 1
    parts.append(current)
    return parts



@dataclass(frozen=True)
class EnvEntry:
    name: str
    value: str | None  # None: passed through from the shell (`- NAME` or `NAME:` with no value)
    position: Position


@dataclass(frozen=True)
class VolumeEntry:
    source: str | None  # None for an anonymous volume
    target: str
    position: Position
    kind: str | None = None  # long syntax `type:` (bind, volume, tmpfs, ...); None for the short syntax
    index: int = 0  # in the service's `volumes` list


def env_entries(service: object) -> list[EnvEntry]:
    environment = service.get("environment") if hasattr(service, "get") else None
    entries: list[EnvEntry] = []
    if hasattr(environment, "items"):
        for name, value in environment.items():
            entries.append(EnvEntry(str(name), None if value is None else str(value), key_position(environment, name)))
    elif isinstance(environment, list):
        for index, item in enumerate(environment):
            if not isinstance(item, str):
                continue
            name, sep, value = item.partition("=")
            entries.append(EnvEntry(name.strip(), value if sep else None, item_position(environment, index)))
    return entries


def _strip_trailing_slash(path: str) -> str:
    return path.rstrip("/") or "/"


def parse_volume(item: object) -> tuple[str | None, str, str | None] | None:
    """(source, target, long-syntax `type`) of one `volumes:` entry, both syntaxes; None when it is not one.

    Short syntax: `src:dst`, `src:dst:mode`, or `dst` alone (an anonymous volume: source None).
    Targets lose a trailing slash; sources are as written.
    """
    if isinstance(item, str):
        parts = split_volume_spec(item.strip())
        if len(parts) == 1:
            return None, _strip_trailing_slash(parts[0]), None
        return parts[0], _strip_trailing_slash(parts[1]), None
    if hasattr(item, "get") and item.get("target"):
        source, kind = item.get("source"), item.get("type")
        return (None if source is None else str(source), _strip_trailing_slash(str(item["target"])),
                None if kind is None else str(kind))
    return None


def volume_entries(service: object) -> list[VolumeEntry]:
    volumes = service.get("volumes") if hasattr(service, "get") else None
    if not isinstance(volumes, list):
        return []
    entries: list[VolumeEntry] = []
    for index, item in enumerate(volumes):
        parsed = parse_volume(item)
        if parsed is not None:
            source, target, kind = parsed
            entries.append(VolumeEntry(source, target, item_position(volumes, index), kind, index))
    return entries


def command_words(value: object) -> list[str]:
    """A Compose command-like value (string or list) as words."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(word) for word in value]
    return []


def runs_composegen_entrypoint(service: object) -> bool:
    """The service starts the utils/ scripts: the part of the setup the other checks build on."""
    return command_words(service.get("entrypoint"))[:1] == stack.ENTRYPOINT


# pg_dump / pg_dumpall anywhere, or a script whose name is dump (the seed's `/utils/dump`), also inside
# a `CMD-SHELL` string.
_RUNS_DUMP = re.compile(r"\bpg_dump(all)?\b|(^|[\s/])dump(\.sh)?(\s|$)")


def healthcheck_runs_a_dump(healthcheck: object) -> bool:
    """The seed's pattern: a dump taken as the healthcheck."""
    test = healthcheck.get("test") if hasattr(healthcheck, "get") else None
    return bool(_RUNS_DUMP.search(" ".join(command_words(test))))


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration_seconds(value: object) -> float | None:
    """Seconds in a Compose duration (`1m30s`, `90s`, `5m`, `1.5h`); None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    if text == "0":
        return 0.0
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


__all__ = [
    "SHELLS", "split_volume_spec", "parse_volume", "EnvEntry", "VolumeEntry", "env_entries", "volume_entries", "command_words",
    "runs_composegen_entrypoint", "duration_seconds", "healthcheck_runs_a_dump",
]
