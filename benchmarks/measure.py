"""Timing primitives: medians, host command wall time, and wall time measured inside a container.

Inside a container the clock is /proc/uptime around the command, so `docker exec`'s own start-up
(~0.1 s, paid equally by every pipeline) does not shrink the ratios between pipelines.
"""

from __future__ import annotations

import statistics
import subprocess
import time

# Prints the command's wall time on stderr, on a line of its own, after the command's own output.
# /proc/uptime has 10 ms resolution, enough for pipelines that take seconds.
TIMED_SH = ('read cgbench_a _ </proc/uptime; "$@"; cgbench_rc=$?; read cgbench_b _ </proc/uptime; '
            'echo "cgbench-uptime $cgbench_a $cgbench_b" >&2; exit $cgbench_rc')
MARKER = "cgbench-uptime "


class MeasureError(RuntimeError):
    """A measured command failed: its figure is not measured."""


def median(values: list[float]) -> float:
    return statistics.median(values)


def host_wall(argv: list[str], **run_args) -> float:
    """Seconds a host command took; raises MeasureError if it fails."""
    started = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **run_args)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise MeasureError(f"{' '.join(argv[:3])} exited {result.returncode}: {result.stderr.strip()[-300:]}")
    return took


def container_wall(stack, argv: list[str], user: str | None = None, check: bool = True,
                   timeout: float = 3600) -> tuple[float, subprocess.CompletedProcess]:
    """(seconds, result) of `argv` run in the stack's Postgres container, timed inside it."""
    result = stack.exec(["sh", "-c", TIMED_SH, "sh", *argv], user=user, timeout=timeout)
    lines = [line for line in result.stderr.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise MeasureError(f"{argv[0]}: no timing from the container: {result.stderr.strip()[-300:]}")
    started, ended = (float(x) for x in lines[-1][len(MARKER):].split())
    if check and result.returncode != 0:
        raise MeasureError(f"{' '.join(argv)[:80]} exited {result.returncode}: {result.stderr.strip()[-300:]}")
    return ended - started, result


def shell_in_container(stack, script: str, **kw) -> tuple[float, subprocess.CompletedProcess]:
    """container_wall of a shell one-liner (for pipelines and redirections)."""
    return container_wall(stack, ["sh", "-c", script], **kw)
