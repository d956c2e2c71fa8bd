"""CPU seconds a container has used, read from its cgroup (finer than `docker stats --no-stream`).

Every process of the container counts, `docker exec`'d ones included (they join its cgroup).
cgroup v1 (this engine: 20.10 with the cgroupfs driver) keeps nanoseconds in cpuacct.usage; cgroup v2
keeps microseconds in cpu.stat's usage_usec. The container's cgroup is read from /proc/<pid>/cgroup
of its PID 1, so this works only where that process is visible (an engine on this machine).
"""

from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CPUACCT_MOUNTS = ("cpuacct", "cpu,cpuacct", "cpuacct,cpu")


class CgroupUnavailable(RuntimeError):
    """The container's cgroup CPU counter cannot be read from here."""


def cpu_counter_path(host_pid: int) -> Path:
    """The file holding the CPU usage of the cgroup `host_pid` runs in."""
    try:
        lines = Path(f"/proc/{host_pid}/cgroup").read_text().splitlines()
    except OSError as exc:
        raise CgroupUnavailable(f"cannot read /proc/{host_pid}/cgroup (engine on another machine?): {exc}")
    v2_path = None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "cpuacct" in controllers.split(","):
            for mount in V1_CPUACCT_MOUNTS:
                counter = CGROUP_ROOT / mount / path.lstrip("/") / "cpuacct.usage"
                if counter.is_file():
                    return counter
        if controllers == "":
            v2_path = path
    if v2_path is not None:
        for base in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
            counter = base / v2_path.lstrip("/") / "cpu.stat"
            if counter.is_file():
                return counter
    raise CgroupUnavailable(f"no cpuacct.usage or cpu.stat for pid {host_pid} under {CGROUP_ROOT}")


def cpu_seconds(counter: Path) -> float:
    text = counter.read_text()
    if counter.name == "cpuacct.usage":
        return int(text) / 1e9
    for line in text.splitlines():
        name, value = line.split()
        if name == "usage_usec":
            return int(value) / 1e6
    raise CgroupUnavailable(f"{counter}: no usage_usec")


class ContainerCpu:
    """CPU seconds of one container (re-resolved on demand: a recreated container has a new cgroup)."""

    def __init__(self, stack):
        self.stack = stack
        self._counter: Path | None = None
        self._pid: int | None = None

    def now(self) -> float:
        pid = self.stack.state()["Pid"]
        if pid != self._pid or self._counter is None:
            self._counter, self._pid = cpu_counter_path(pid), pid
        return cpu_seconds(self._counter)
