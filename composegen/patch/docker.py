"""The few questions patch asks the Docker engine, through the `docker` CLI.

Containers are found by the labels Compose v2 puts on them (project working directory and service),
so the project name does not have to be guessed.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


class DockerUnavailable(Exception):
    """The docker CLI is missing or the engine does not answer."""


@dataclass(frozen=True)
class Container:
    id: str
    running: bool


def _docker(*args: str, timeout: float = 30) -> str:
    try:
        done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise DockerUnavailable(str(exc)) from None
    if done.returncode != 0:
        raise DockerUnavailable(done.stderr.strip() or f"docker {args[0]} exited {done.returncode}")
    return done.stdout


def service_containers(folder: Path, service: str) -> list[Container]:
    """The containers Compose created for `service` of the project in `folder` (running or not)."""
    folders = {str(Path(folder).absolute()), os.path.realpath(folder)}
    ids: list[str] = []
    for path in sorted(folders):
        out = _docker("ps", "-a", "-q", "--no-trunc", "--filter", f"label=com.docker.compose.project.working_dir={path}",
                      "--filter", f"label=com.docker.compose.service={service}")
        ids.extend(line for line in out.split() if line and line not in ids)
    if not ids:
        return []
    out = _docker("inspect", "-f", "{{.Id}} {{.State.Running}}", *ids)
    found = []
    for line in out.splitlines():
        cid, _, running = line.partition(" ")
        found.append(Container(cid, running.strip() == "true"))
    return found


def mount_names(container_id: str) -> dict[str, str]:
    """{target path in the container: volume name, or host path for a bind mount}."""
    out = _docker("inspect", "-f", "{{range .Mounts}}{{.Destination}}\t{{.Type}}\t{{.Name}}\t{{.Source}}\n{{end}}",
                  container_id)
    mounts = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            target, kind, name, host = parts
            mounts[target.rstrip("/") or "/"] = name if kind == "volume" else host
    return mounts


def exec_to_file(container_id: str, script: str, out_path: Path, *, timeout: float = 24 * 3600) -> tuple[int, str]:
    """Run `sh -c script` in the container, its stdout into `out_path`; (exit status, stderr)."""
    try:
        with open(out_path, "wb") as out:
            done = subprocess.run(["docker", "exec", container_id, "sh", "-c", script],
                                  stdout=out, stderr=subprocess.PIPE, timeout=timeout)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise DockerUnavailable(str(exc)) from None
    return done.returncode, done.stderr.decode("utf-8", "replace").strip()


def exec_with_input(container_id: str, script: str, in_path: Path, *, timeout: float = 24 * 3600,
                    shell: str = "sh") -> tuple[int, str, str]:
    """Run `<shell> -c script` in the container with `in_path` on its stdin; (exit status, stdout, stderr)."""
    try:
        with open(in_path, "rb") as data:
            done = subprocess.run(["docker", "exec", "-i", container_id, shell, "-c", script],
                                  stdin=data, capture_output=True, timeout=timeout)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise DockerUnavailable(str(exc)) from None
    return (done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace").strip())


def exec_output(container_id: str, script: str) -> str:
    return _docker("exec", container_id, "sh", "-c", script).strip()
