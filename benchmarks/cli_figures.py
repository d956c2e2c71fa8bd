"""`composegen lint` over a generated repository of stacks, `composegen --help` start-up time, and
`composegen init miniflux --dry-run`.

No Docker needed. Each figure is the median of several runs of the installed CLI (the `composegen`
script next to this Python), beside `python -c pass` measured the same way. The CPU time of the
runs (user + system, from the kernel's accounting of the children) is given in the notes: on a
loaded machine it says what the command costs, where the wall time also holds the wait for a core.
"""

from __future__ import annotations

import itertools
import resource
import subprocess
import sys
import time
from pathlib import Path

from figures import Figure, Results, ratio
from measure import MeasureError, host_wall, median

LINT_GOAL_S = 2.0
HELP_GOAL_MS = 150.0
INIT_GOAL_MS = 150.0
INIT_APP = "miniflux"
PATCH_BIG_BYTES = 1_600_000
PATCH_BIG_GOAL_S = 1.0
GIT_ENV = {"GIT_AUTHOR_NAME": "cgbench", "GIT_AUTHOR_EMAIL": "cgbench@invalid",
           "GIT_COMMITTER_NAME": "cgbench", "GIT_COMMITTER_EMAIL": "cgbench@invalid"}


def composegen_cli() -> str:
    script = Path(sys.executable).parent / "composegen"
    if not script.is_file():
        raise MeasureError(f"no composegen script next to {sys.executable}: pip install -e . into this venv")
    return str(script)


def generate_repo(root: Path, stacks: int) -> None:
    """`stacks` service folders written by init's core, cycling through the catalog, as one git repo
    (lint in CI runs over a checkout: it lists files with git)."""
    from composegen import catalog, init_stack

    root.mkdir(parents=True, exist_ok=True)
    names = itertools.cycle(catalog.names())
    for i in range(stacks):
        name = next(names)
        plan = init_stack.plan_init(catalog.load(name), root / f"{name}-{i:03d}", init_stack.Overrides())
        init_stack.write_plan(plan)
    env = {**GIT_ENV, "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "generated stacks"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def measure_lint(root: Path, runs: int) -> tuple[float, int]:
    """(median seconds, exit status) of `composegen lint` over `root`. A first, untimed run gives
    the status (and warms the file cache, as in CI after the checkout)."""
    cli = composegen_cli()
    argv = [cli, "lint", str(root)]
    status = subprocess.run(argv, capture_output=True).returncode
    if status not in (0, 1):
        raise MeasureError(f"composegen lint exited {status} (usage or input error)")
    return median([_wall_any_status(argv) for _ in range(runs)]), status


def _wall_any_status(argv: list[str]) -> float:
    """Seconds of a run whose exit status says something (lint: 1 = findings), not a failure."""
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True)
    return time.perf_counter() - started


def measure_help(runs: int) -> tuple[float, float]:
    """(median seconds of `composegen --help`, of `python -c pass`), interleaved."""
    cli = composegen_cli()
    help_times, python_times = [], []
    for _ in range(runs):
        help_times.append(host_wall([cli, "--help"]))
        python_times.append(host_wall([sys.executable, "-c", "pass"]))
    return median(help_times), median(python_times)


def _wall_and_cpu(argv: list[str], **run_args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; raises MeasureError if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = host_wall(argv, **run_args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def measure_init_dry_run(runs: int, workdir: Path) -> tuple[float, float, float]:
    """(median wall s of `composegen init miniflux --dry-run`, its median CPU s, median wall s of
    `python -c pass`), interleaved. Run in an empty folder: the dry run writes nothing there."""
    cli = composegen_cli()
    walls, cpus, python_times = [], [], []
    for _ in range(runs):
        wall, cpu = _wall_and_cpu([cli, "init", INIT_APP, "--dry-run"], cwd=workdir)
        walls.append(wall)
        cpus.append(cpu)
        python_times.append(host_wall([sys.executable, "-c", "pass"]))
    if any(workdir.iterdir()):
        raise MeasureError(f"init --dry-run wrote into {workdir}")
    return median(walls), median(cpus), median(python_times)


def write_big_compose(path: Path, size: int = PATCH_BIG_BYTES) -> int:
    """A compose file of `size` bytes: many small app services (env, volumes, labels), one Postgres."""
    parts, total, index = ["services:\n"], 0, 0
    while total < size:
        part = (f"  app{index}:\n    image: nginx:1.{index % 30}\n    environment:\n      A: \"{index}\"\n"
                f"      B: value-{index}\n    volumes:\n      - ./x{index}:/x\n    labels:\n"
                f"      - \"traefik.http.routers.r{index}.rule=Host(`a{index}.example`)\"\n")
        parts.append(part)
        total += len(part)
        index += 1
    parts.append("  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: x\n")
    path.write_text("".join(parts))
    return path.stat().st_size


def measure_patch_big(runs: int, workdir: Path) -> tuple[float, float, int]:
    """(median wall s, median CPU s, file size) of `composegen patch --dry-run` on a big generated file."""
    cli = composegen_cli()
    compose = workdir / "compose.yaml"
    size = write_big_compose(compose)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = _wall_and_cpu([cli, "patch", "--dry-run", str(compose)], cwd=workdir)
        walls.append(wall)
        cpus.append(cpu)
    return median(walls), median(cpus), size


def report_patch_big(wall_s: float, cpu_s: float, size: int, results: Results) -> None:
    results.add(Figure(
        f"patch --dry-run of a {size / 1e6:.1f} MB compose file", f"{wall_s:.2f} s", "-", None,
        f"<= {PATCH_BIG_GOAL_S:.0f} s", wall_s <= PATCH_BIG_GOAL_S, key="patch_big_s", value=wall_s,
        note=f"median CPU time {cpu_s:.2f} s (user + system)",
    ))


def report_init_dry_run(wall_s: float, cpu_s: float, python_s: float, results: Results) -> None:
    results.add(Figure(
        f"composegen init {INIT_APP} --dry-run", f"{wall_s * 1000:.0f} ms", f"{python_s * 1000:.0f} ms python -c pass",
        ratio(wall_s, python_s), f"<= {INIT_GOAL_MS:.0f} ms", wall_s * 1000 <= INIT_GOAL_MS,
        key="init_dry_run_ms", value=wall_s * 1000, note=f"median CPU time {cpu_s * 1000:.0f} ms (user + system)",
    ))


def report_lint(seconds: float, status: int, stacks: int, results: Results) -> None:
    results.add(Figure(
        f"lint over {stacks} stacks", f"{seconds:.2f} s", "-", None, f"<= {LINT_GOAL_S:.0f} s",
        seconds <= LINT_GOAL_S, key=f"lint{stacks}_s", value=seconds,
        note=f"median of runs; exit status {status} ({'clean' if status == 0 else 'findings'})",
    ))


def report_help(help_s: float, python_s: float, results: Results) -> None:
    results.add(Figure(
        "composegen --help", f"{help_s * 1000:.0f} ms", f"{python_s * 1000:.0f} ms python -c pass",
        ratio(help_s, python_s), f"<= {HELP_GOAL_MS:.0f} ms", help_s * 1000 <= HELP_GOAL_MS,
        key="help_ms", value=help_s * 1000,
    ))
