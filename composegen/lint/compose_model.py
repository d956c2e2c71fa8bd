"""Reading a service's keys the way Compose reads them (both syntaxes), with where each entry sits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from composegen import stack
from composegen.detect import split_volume_spec
from composegen.lint.positions import Position, item_position, key_position


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


def volume_entries(service: object) -> list[VolumeEntry]:
    volumes = service.get("volumes") if hasattr(service, "get") else None
    if not isinstance(volumes, list):
        return []
    entries: list[VolumeEntry] = []
    for index, item in enumerate(volumes):
        position = item_position(volumes, index)
        if isinstance(item, str):
            parts = split_volume_spec(item)
            # `src:dst`, `src:dst:mode`, or `dst` alone (an anonymous volume).
            if len(parts) == 1:
                entries.append(VolumeEntry(None, _strip_trailing_slash(parts[0]), position))
            else:
                entries.append(VolumeEntry(parts[0], _strip_trailing_slash(parts[1]), position))
        elif hasattr(item, "get") and item.get("target"):
            source = item.get("source")
            kind = item.get("type")
            entries.append(VolumeEntry(None if source is None else str(source),
                                       _strip_trailing_slash(str(item["target"])), position,
                                       None if kind is None else str(kind)))
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
    "EnvEntry", "VolumeEntry", "env_entries", "volume_entries", "command_words",
    "runs_composegen_entrypoint", "duration_seconds",
]
